"""Planning `paperbot import`: which entries of a BibTeX or JSON Lines file become new papers.

An entry becomes a paper when it has a title and an abstract and is not already in the corpus.
Entries of the file that are one paper (same DOI, same arXiv id or same title once markup, case
and accents are set aside) are merged first, the earlier entry's values winning and the later
ones filling the gaps; so a Google Scholar entry without an abstract and a Zotero entry with one
become one paper. Nothing here writes a file: `corpus_writer` does that.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

from bot.corpus.identifiers import (
    arxiv_in,
    arxiv_key,
    doi_in,
    doi_key,
    normalize_arxiv,
    normalize_doi,
    title_key,
)
from bot.corpus.jsonlines import json_objects, read_utf8
from bot.corpus.papers import CorpusError, Paper, paper_from_json, slugify
from bot.errors import PaperbotError

BIBTEX_SUFFIXES = (".bib", ".bibtex")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
# What to call each kind of shared key in messages, in the order they are trusted.
_KEY_REASONS = {"doi": "same DOI", "arxiv": "same arXiv id", "title": "same title"}
# Where a paper is hosted, not where it appeared: "arXiv preprint arXiv:...", "bioRxiv", "CoRR".
_HOSTS = re.compile(
    r"^(?:arxiv|corr|biorxiv|medrxiv|psyarxiv|chemrxiv|ssrn|openreview|preprint)\b"
    r"|\b(?:preprint|e-prints)\b",
    re.IGNORECASE,
)
# Where files keep the venue: the long name, then the short one people say (al-folio's `abbr`).
_LONG_VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "eventtitle")
_SHORT_VENUE_FIELDS = ("venue", "_venue", "abbr", "series")
_CODE_FIELDS = ("code_url", "codeurl", "code", "github", "repository")
_LINK_FIELDS = ("url", "link", "pdf", "doi", "eprint", "journal", "note", "howpublished", "volume")


class SourceError(PaperbotError):
    """The file to import cannot be read as BibTeX or JSON Lines; the message says where."""


@dataclass(frozen=True)
class Entry:
    """One entry of the imported file, before it is checked: any field may be missing."""

    label: str  # how messages name it: its BibTeX key, or "line N" of a JSON Lines file
    title: str | None = None
    abstract: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None
    url: str | None = None
    code_url: str | None = None
    doi: str | None = None
    arxiv: str | None = None
    id: str | None = None  # asked for by a JSON Lines record; BibTeX keys are not ids
    notes: tuple[str, ...] = ()  # what was read with a warning ("'year' given twice")
    # The kinds of identifier ("doi", "arxiv") read only from a link (`pdf`, `url`): a link
    # copied from another entry makes no duplicate of a paper with another title.
    from_links: frozenset[str] = frozenset()

    def identity(self) -> list[tuple[str, str]]:
        """The (kind, value) pairs that identify the paper, most trusted first."""
        found = []
        if self.doi:
            found.append(("doi", doi_key(self.doi)))
        if self.arxiv:
            found.append(("arxiv", arxiv_key(self.arxiv)))
        if self.title and title_key(self.title):
            found.append(("title", title_key(self.title)))
        return found


@dataclass(frozen=True)
class Added:
    paper: Paper
    label: str


@dataclass(frozen=True)
class Merged:
    label: str  # the entry folded into another
    into: str
    reason: str


@dataclass(frozen=True)
class Skipped:
    label: str
    reason: str


@dataclass(frozen=True)
class Noted:
    label: str
    note: str


@dataclass(frozen=True)
class ImportPlan:
    added: tuple[Added, ...] = ()
    merged: tuple[Merged, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[Noted, ...] = ()  # entries read with a warning (a field given twice)


# Reading --------------------------------------------------------------------------------------


def read_entries(path: Path) -> tuple[list[Entry], list[Skipped]]:
    """The entries of a BibTeX or JSON Lines file, and the parts of it that could not be read."""
    text = read_utf8(path, SourceError)
    if _is_jsonl(path, text):
        return _jsonl_entries(path, text), []
    return _bibtex_entries(path, text)


def _is_jsonl(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES or suffix in BIBTEX_SUFFIXES:
        return suffix in JSONL_SUFFIXES
    return text.lstrip().startswith("{")


def _bibtex_entries(path: Path, text: str) -> tuple[list[Entry], list[Skipped]]:
    from bot.corpus.bibtex import parse_bibtex  # bibtexparser loads only for a BibTeX import

    parsed = parse_bibtex(text)
    if not parsed.entries and not parsed.problems:
        raise SourceError(f"{path}: no BibTeX entries (@article{{...}}) and no JSON Lines found")
    repeated = Counter(entry.key for entry in parsed.entries)
    entries = [
        _entry_from_bibtex(
            f"{entry.key} (line {entry.line})" if repeated[entry.key] > 1 else entry.key,
            entry.fields,
            entry.authors,
            entry.notes,
        )
        for entry in parsed.entries
    ]
    problems = [Skipped(_problem_label(p.key, p.line), p.reason) for p in parsed.problems]
    return entries, problems


def _problem_label(key: str | None, line: int | None) -> str:
    where = f"line {line}" if line else "somewhere"
    return f"{key} ({where})" if key else where


def _entry_from_bibtex(
    key: str, raw: dict[str, str], authors: tuple[str, ...], notes: tuple[str, ...] = ()
) -> Entry:
    def text(*names: str) -> str | None:
        for name in names:
            if raw.get(name):
                return raw[name]
        return None

    doi = normalize_doi(raw.get("doi", ""))
    arxiv = None
    eprint_type = (text("archiveprefix", "eprinttype") or "arxiv").casefold()
    if raw.get("eprint") and eprint_type == "arxiv":
        arxiv = normalize_arxiv(raw["eprint"])
    from_links = {kind for kind, found in (("doi", doi), ("arxiv", arxiv)) if not found}
    for name in _LINK_FIELDS:
        doi = doi or doi_in(raw.get(name))
        arxiv = arxiv or arxiv_in(raw.get(name))
    return Entry(
        label=key,
        title=text("title"),
        abstract=text("abstract"),
        authors=authors,
        year=_year(text("year", "date")),
        venue=_venue(raw),
        url=text("url", "link"),
        code_url=text(*_CODE_FIELDS),
        doi=doi,
        arxiv=arxiv,
        notes=notes,
        from_links=frozenset(
            kind for kind, found in (("doi", doi), ("arxiv", arxiv)) if found and kind in from_links
        ),
    )


def _venue(raw: dict[str, str]) -> str | None:
    """The venue as the file gives it: its long name, with the short name people say when the
    file gives that too and the long one lacks it ("Advances in ... Systems (NeurIPS)").
    A host (arXiv, bioRxiv) is where the paper is, not where it appeared."""
    from bot.corpus.venues import venue_words  # the venue table loads only when needed

    def venues(names: tuple[str, ...]) -> list[str]:
        return [raw[n] for n in names if raw.get(n) and not _is_host(raw[n])]

    long = next(iter(venues(_LONG_VENUE_FIELDS)), None)
    short = next(iter(venues(_SHORT_VENUE_FIELDS)), None)
    if long is None or short is None:
        return long or short
    long_words, short_words = venue_words(long), venue_words(short)
    if not short_words or _contains(long_words, short_words):
        return long
    return f"{long} ({short})"


def _is_host(venue: str) -> bool:
    return bool(_HOSTS.search(venue) or arxiv_in(venue))


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    size = len(part)
    return any(words[i : i + size] == part for i in range(len(words) - size + 1))


def _year(text: str | None) -> int | None:
    match = re.search(r"\b(1[5-9]\d\d|2\d\d\d)\b", text or "")
    return int(match.group(1)) if match else None


def _jsonl_entries(path: Path, text: str) -> list[Entry]:
    entries = [
        _entry_from_json(record, f"{path}:{number}", f"line {number}")
        for number, record in json_objects(text, path, SourceError)
    ]
    if not entries:
        raise SourceError(f"{path}: no papers in this file")
    return entries


def _entry_from_json(record: Mapping[str, object], where: str, label: str) -> Entry:
    """The record checked by the corpus loader's own rules, a missing title or abstract allowed."""
    title = _present(record, "title")
    abstract = _present(record, "abstract", "text")
    probe = dict(record)
    if title is None:
        probe["title"] = "-"
    if abstract is None:
        probe.pop("text", None)
        probe["abstract"] = "-"
    try:
        paper = paper_from_json(probe, where)
    except CorpusError as exc:
        raise SourceError(str(exc)) from None
    return Entry(
        label=label,
        title=paper.title if title is not None else None,
        abstract=paper.abstract if abstract is not None else None,
        authors=paper.authors,
        year=paper.year,
        venue=paper.venue,
        url=paper.url,
        code_url=paper.code_url,
        doi=paper.doi or doi_in(paper.url),
        arxiv=paper.arxiv or arxiv_in(paper.url),
        id=paper.id if _present(record, "id", "_id") is not None else None,
    )


def _present(record: Mapping[str, object], *keys: str) -> object | None:
    for key in keys:
        value = record.get(key)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value
    return None


# Planning -------------------------------------------------------------------------------------


def plan_import(
    entries: Sequence[Entry], existing: Sequence[Paper], unreadable: Iterable[Skipped] = ()
) -> ImportPlan:
    """What importing `entries` into a corpus holding `existing` adds, merges and skips."""
    groups, merged, conflicts = _merge_duplicates(entries)
    known = _known_keys(existing)
    taken_ids = {paper.id for paper in existing}
    added: list[Added] = []
    skipped: list[Skipped] = list(unreadable)
    for entry in groups:
        # A duplicate says more than a missing abstract: Google Scholar entries never have one.
        duplicate = next((key for key in entry.identity() if key in known), None)
        if duplicate is not None:
            reason = f"duplicate of {known[duplicate]} ({_KEY_REASONS[duplicate[0]]})"
            skipped.append(Skipped(entry.label, reason))
            continue
        if not entry.title:
            skipped.append(Skipped(entry.label, "no title"))
            continue
        if not entry.abstract:
            skipped.append(Skipped(entry.label, "no abstract"))
            continue
        paper = _paper(entry, taken_ids)
        taken_ids.add(paper.id)
        added.append(Added(paper, entry.label))
    notes = [Noted(entry.label, note) for entry in entries for note in entry.notes]
    return ImportPlan(tuple(added), tuple(merged), tuple(skipped), (*notes, *conflicts))


def _known_keys(papers: Sequence[Paper]) -> dict[tuple[str, str], str]:
    known: dict[tuple[str, str], str] = {}
    for paper in papers:
        as_entry = Entry(
            label=paper.id,
            title=paper.title,
            doi=paper.doi or doi_in(paper.url),
            arxiv=paper.arxiv or arxiv_in(paper.url),
        )
        for key in as_entry.identity():
            known.setdefault(key, paper.id)
    return known


def _merge_duplicates(
    entries: Sequence[Entry],
) -> tuple[list[Entry], list[Merged], list[Noted]]:
    """One entry per paper, in file order; each absorbed entry is reported with its reason.

    A group is known by the identifiers of all its members, so a third entry that shares only
    the second one's title still joins; an entry that links two groups merges them.
    """
    groups: list[Entry | None] = []
    members: list[set[tuple[str, str]]] = []  # every identifier seen in each group
    owner: dict[tuple[str, str], int] = {}  # identifier -> index of its group
    merged: list[Merged] = []
    notes: list[Noted] = []
    weak: set[tuple[str, str]] = set()  # identifiers read only from links
    for entry in entries:
        keys = entry.identity()
        linked = sorted({owner[key] for key in keys if key in owner})
        other_titles = [
            g
            for g in linked
            if not _same_title(groups[g], entry)
            and _only_through_links(keys, owner, g, weak, entry)
        ]
        for group in other_titles:
            # A link copied from the entry before ("pdf" of another paper) makes no duplicate.
            shared = _link(keys, owner, group)
            target = groups[group]
            assert target is not None
            notes.append(
                Noted(entry.label, f"{shared} as {target.label} but another title; kept both")
            )
        linked = [g for g in linked if g not in other_titles]
        keys = [key for key in keys if key not in owner or owner[key] in linked]
        if not linked:
            index = len(groups)
            groups.append(entry)
            members.append(set())
        else:
            index, others = linked[0], linked[1:]
            target = groups[index]
            assert target is not None
            merged.append(Merged(entry.label, target.label, _link(keys, owner, index)))
            for other in others:
                absorbed = groups[other]
                assert absorbed is not None
                merged.append(
                    Merged(
                        absorbed.label,
                        target.label,
                        f"{_link(keys, owner, other)} as {entry.label}",
                    )
                )
                target = _unite(target, absorbed)
                for key in members[other]:
                    owner[key] = index
                members[index] |= members[other]
                groups[other], members[other] = None, set()
            groups[index] = _unite(target, entry)
        for key in keys:
            owner[key] = index
            members[index].add(key)
            if key[0] in entry.from_links:
                weak.add(key)
    return [group for group in groups if group is not None], merged, notes


def _only_through_links(
    keys: list[tuple[str, str]],
    owner: dict[tuple[str, str], int],
    group: int,
    weak: set[tuple[str, str]],
    entry: Entry,
) -> bool:
    """Whether `entry` shares with `group` nothing but identifiers read from links."""
    shared = [key for key in keys if owner.get(key) == group]
    return bool(shared) and all(
        key[0] != "title" and (key in weak or key[0] in entry.from_links) for key in shared
    )


def _same_title(group: Entry | None, entry: Entry) -> bool:
    """Whether two entries may be one paper by their titles (a missing title does not say)."""
    if group is None or not group.title or not entry.title:
        return True
    return title_key(group.title) == title_key(entry.title)


def _link(keys: list[tuple[str, str]], owner: dict[tuple[str, str], int], group: int) -> str:
    """Why an entry with `keys` belongs to `group`: its most trusted shared identifier."""
    return _KEY_REASONS[next(key[0] for key in keys if owner.get(key) == group)]


def _unite(first: Entry, second: Entry) -> Entry:
    """`first` with its missing fields taken from `second`."""
    gaps = {
        item.name: getattr(second, item.name)
        for item in fields(Entry)
        if item.name != "label" and not getattr(first, item.name) and getattr(second, item.name)
    }
    return replace(first, **gaps)


def _paper(entry: Entry, taken_ids: set[str]) -> Paper:
    assert entry.title and entry.abstract
    url = entry.url
    if url is None and entry.doi:
        url = f"https://doi.org/{entry.doi}"
    elif url is None and entry.arxiv:
        url = f"https://arxiv.org/abs/{entry.arxiv}"
    return Paper(
        id=_new_id(entry, taken_ids),
        title=entry.title.strip(),
        abstract=entry.abstract.strip(),
        authors=entry.authors,
        year=entry.year,
        venue=entry.venue,
        url=url,
        code_url=entry.code_url,
        doi=entry.doi,
        arxiv=entry.arxiv,
    )


def _new_id(entry: Entry, taken: set[str]) -> str:
    """The id the entry asked for, else a slug of its title, made unique by year or number."""
    if entry.id and entry.id not in taken:
        return entry.id
    base = _slug(entry.title or "")
    candidates = [base] + ([f"{base}-{entry.year}"] if entry.year else [])
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _slug(title: str) -> str:
    """A short slug: the part before the colon when it names the paper ("Faster WIND: ...")."""
    head = title.split(":", 1)[0]
    return slugify(head if head != title and len(slugify(head).split("-")) >= 2 else title)
