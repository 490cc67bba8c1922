"""Citations of a paper, built from its corpus fields only: BibTeX (bibtexparser's writer) and APA.

Nothing is invented: a field the corpus does not have is left out of the citation. A paper with a
venue is an @inproceedings (@article for a journal), an arXiv-only paper an @misc with its eprint.
Keys are stable: first author's last name, year and first title word ("wen2021toward").
"""

from __future__ import annotations

import re

from bot.corpus.papers import Paper
from bot.index.answer import CitationStyle
from bot.text.normalise import to_ascii

# Title words a key skips, as Google Scholar's keys do ("What Matters In ..." -> "matters").
_KEY_SKIPS = frozenset(
    "a an the on of in for to and or what how why is are do does can toward towards".split()  # noqa: SIM905
)
_JOURNAL = re.compile(r"\b(journal|transactions|letters|review|magazine)\b", re.IGNORECASE)


def cite(paper: Paper, style: CitationStyle = "bibtex") -> str:
    return bibtex(paper) if style == "bibtex" else apa(paper)


def _ascii_word(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", to_ascii(text).lower())


def last_name(author: str) -> str:
    """'Zixin Wen' -> 'Wen'; 'Wen, Zixin' -> 'Wen'."""
    if "," in author:
        return author.split(",")[0].strip()
    parts = author.split()
    return parts[-1] if parts else author


def bibtex_key(paper: Paper) -> str:
    """'wen2021toward': the same for the same paper, every time."""
    who = _ascii_word(last_name(paper.authors[0])) if paper.authors else ""
    words = [_ascii_word(w) for w in re.findall(r"[^\W_]+", paper.title)]
    words = [w for w in words if w]
    first = next((w for w in words if w not in _KEY_SKIPS), words[0] if words else "")
    year = str(paper.year) if paper.year is not None else ""
    return (who + year + first) or _ascii_word(paper.id) or "paper"


def bibtex(paper: Paper) -> str:
    # Imported here: every answer's module imports this one, few answers are citations, and
    # bibtexparser is a noticeable part of a command's start.
    from bibtexparser import Library, write_string
    from bibtexparser.model import Entry, Field
    from bibtexparser.writer import BibtexFormat

    fields = [Field("title", "{" + " ".join(paper.title.split()) + "}")]
    if paper.authors:
        fields.insert(0, Field("author", " and ".join(paper.authors)))
    if paper.venue and _JOURNAL.search(paper.venue):
        entry_type = "article"
        fields.append(Field("journal", paper.venue))
    elif paper.venue:
        entry_type = "inproceedings"
        fields.append(Field("booktitle", paper.venue))
    else:
        entry_type = "misc"
    if paper.year is not None:
        fields.append(Field("year", str(paper.year)))
    if paper.doi:
        fields.append(Field("doi", paper.doi))
    if paper.url:
        fields.append(Field("url", paper.url))
    if paper.arxiv:
        fields += [Field("eprint", paper.arxiv), Field("archivePrefix", "arXiv")]
    entry = Entry(entry_type, bibtex_key(paper), fields)
    # bibtexparser's BibtexFormat.__init__ has no annotations.
    layout = BibtexFormat()  # type: ignore[no-untyped-call]
    layout.indent = "  "
    return write_string(Library([entry]), bibtex_format=layout).strip()


def _initials(given: str) -> str:
    """'Zixin' -> 'Z.'; 'Jean-Pierre' -> 'J.-P.'"""
    return " ".join(
        "-".join(part[0] + "." for part in name.split("-") if part) for name in given.split()
    )


def apa_name(author: str) -> str:
    """'Zixin Wen' -> 'Wen, Z.'"""
    if "," in author:
        family, _, given = author.partition(",")
    else:
        *given_parts, family = author.split()
        given = " ".join(given_parts)
    initials = _initials(given.strip())
    return f"{family.strip()}, {initials}" if initials else family.strip()


def apa(paper: Paper) -> str:
    names = [apa_name(a) for a in paper.authors]
    if len(names) > 20:  # APA 7: the first 19, an ellipsis, the last
        who = ", ".join(names[:19]) + ", … " + names[-1]
    elif len(names) > 1:
        who = ", ".join(names[:-1]) + ", & " + names[-1]
    else:
        who = names[0] if names else ""
    year = f"({paper.year})." if paper.year is not None else "(n.d.)."
    title = " ".join(paper.title.split())
    title = title if title.endswith(("?", "!", ".")) else title + "."
    parts = [f"{who} {year}" if who else year, title]
    if paper.venue:
        parts.append(paper.venue + ".")
    elif paper.arxiv:
        parts.append(f"arXiv:{paper.arxiv}.")
    link = (
        f"https://doi.org/{paper.doi}"
        if paper.doi
        else paper.url or (f"https://arxiv.org/abs/{paper.arxiv}" if paper.arxiv else None)
    )
    if link:
        parts.append(link)
    return " ".join(parts)
