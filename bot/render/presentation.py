"""Small text helpers shared by every renderer (console and Discord)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from bot.corpus.papers import Paper

ELLIPSIS = "…"


def short_authors(authors: Sequence[str], limit: int = 3, keep: Collection[str] = ()) -> str:
    """'A, B, C' or 'A, B, C et al.' when there are more than `limit` names. A name in `keep`
    (the author a question asked about) is shown even beyond `limit`: 'A, B, C, …, Li et al.'."""
    if len(authors) <= limit:
        return ", ".join(authors)
    shown = list(authors[:limit])
    kept = [i for i, name in enumerate(authors) if i >= limit and name in keep]
    for previous, index in zip([limit - 1, *kept], kept, strict=False):
        shown += [ELLIPSIS, authors[index]] if index > previous + 1 else [authors[index]]
    last = kept[-1] if kept else limit - 1
    return ", ".join(shown) + (" et al." if last < len(authors) - 1 else "")


def byline(
    authors: Sequence[str], year: int | None, limit: int = 3, keep: Collection[str] = ()
) -> str:
    """'A, B et al. (2024)', or whichever part is known; names in `keep` always shown."""
    names = short_authors(authors, limit, keep)
    if year is None:
        return names
    return f"{names} ({year})" if names else str(year)


def count(number: int, singular: str, plural: str | None = None) -> str:
    """'1 paper', '2 papers'; `plural` for a word that does not just take an s."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def owners_list(owner: str) -> str:
    """Whose list of papers it is, as in "Ada's list" (its owner need not have written them)."""
    return f"{owner}'s list"


def paper_facts(paper: Paper) -> list[str]:
    """A paper's facts worth a line after its title: the first authors with the year, and the
    venue (a followed paper is told apart by them; the answer shows the rest)."""
    parts = [byline(paper.authors, paper.year)]
    if paper.venue:
        parts.append(paper.venue)
    return [part for part in parts if part]


def source_numbers(paper_ids: Sequence[str]) -> dict[str, int]:
    """Each paper's source number ([1], [2] ...), in the order the papers first appear."""
    return {paper_id: number for number, paper_id in enumerate(dict.fromkeys(paper_ids), 1)}


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def mark_spans(
    text: str,
    spans: Sequence[tuple[int, int]],
    mark: Callable[[str], str],
    plain: Callable[[str], str] = lambda s: s,
) -> str:
    """`text` with each (start, end) span passed through `mark` and the rest through `plain`."""
    out: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if start < position:
            continue
        out.append(plain(text[position:start]))
        out.append(mark(text[start:end]))
        position = end
    out.append(plain(text[position:]))
    return "".join(out)


def paper_links(paper: Paper) -> list[tuple[str, str]]:
    """(label, address) of every link a paper has: arXiv, DOI, its page, its code; each address
    once (a `url` that is the DOI's or the arXiv page is not shown again as its page)."""
    links = []
    if paper.arxiv:
        links.append(("arXiv", f"https://arxiv.org/abs/{paper.arxiv}"))
    if paper.doi:
        links.append(("DOI", f"https://doi.org/{paper.doi}"))
    if paper.url and _address(paper.url) not in {_address(url) for _, url in links}:
        links.append(("Paper", paper.url))
    if paper.code_url:
        links.append(("Code", paper.code_url))
    return links


def _address(url: str) -> str:
    """`url` as compared for sameness: no scheme, no "www." or "dx.", no trailing slash, and
    without case (DOIs and hosts are case-insensitive)."""
    rest = url.split("://", 1)[-1].casefold().rstrip("/")
    for prefix in ("www.", "dx."):
        rest = rest.removeprefix(prefix)
    return rest.replace("arxiv.org/pdf/", "arxiv.org/abs/").removesuffix(".pdf")


# The facts a question asks for that are links, each by the label `paper_links` gives it.
_LINK_FACTS = {"arxiv": "arXiv", "doi": "DOI", "code": "Code"}


def fact_link(paper: Paper, fact: str | None) -> tuple[str, str | None] | None:
    """(label, address or None when the paper has none) of the link `fact` asks for ("arxiv",
    "doi", "code"); None for a fact that is no link."""
    label = _LINK_FACTS.get(fact or "")
    if label is None:
        return None
    return label, dict(paper_links(paper)).get(label)


def published(paper: Paper) -> str:
    """'NeurIPS 2022', 'AAAI 2024', '2023' or '': where and when, without saying a year twice."""
    if paper.venue and paper.year is not None and str(paper.year) not in paper.venue:
        return f"{paper.venue}, {paper.year}"
    return paper.venue or (str(paper.year) if paper.year is not None else "")
