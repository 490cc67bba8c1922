"""Loading and validating the papers: TOML files written by hand, or JSON Lines (BEIR corpus.jsonl).

Every problem is reported as a `CorpusError` whose message names the file and the line or paper,
so the CLI can print it as one line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.bundled import BUNDLED_CORPUS
from bot.corpus.identifiers import normalize_arxiv, normalize_doi
from bot.corpus.jsonlines import json_objects, read_utf8
from bot.corpus.venues import Venue, VenueTableError, venues_from_records
from bot.errors import PaperbotError
from bot.text.normalise import to_ascii

CORPUS_SUFFIXES = (".toml", ".jsonl")
# The keys a [[papers]] table may have; `paperbot check` warns about any other ("venu = ...").
PAPER_KEYS = frozenset(
    {"id", "title", "abstract", "authors", "year", "venue", "url", "code_url", "doi", "arxiv"}
)
_TABLE_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*papers[ \t]*\]\]", re.MULTILINE)


class CorpusError(PaperbotError):
    """The corpus cannot be used as it is; the message says where and why."""


@dataclass(frozen=True)
class Paper:
    """One paper as written in the corpus (title and abstract keep their LaTeX source)."""

    id: str
    title: str
    abstract: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None
    url: str | None = None
    code_url: str | None = None
    doi: str | None = None  # bare, as "10.1145/3442188.3445922"
    arxiv: str | None = None  # without version, as "2101.00001" or "hep-th/9901001"
    origin: str = field(default="", compare=False)  # "file:line" or "file, paper N", for messages


@dataclass(frozen=True)
class Corpus:
    papers: tuple[Paper, ...]
    owner: str | None = None
    sources: tuple[Path, ...] = ()
    _by_id: dict[str, Paper] = field(init=False, repr=False, compare=False)
    warnings: tuple[str, ...] = ()  # problems that do not stop the corpus loading (unknown keys)
    venues: tuple[Venue, ...] = ()  # the corpus's own [[venues]], beside the bundled table
    # Fingerprints of the papers' texts and of their other fields, when a cache already knows
    # them (the index cache's keys are made of them); None: computed when needed.
    digests: tuple[str, str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {paper.id: paper for paper in self.papers})

    def get(self, paper_id: str) -> Paper | None:
        return self._by_id.get(paper_id)

    def __len__(self) -> int:
        return len(self.papers)


def slugify(title: str) -> str:
    """A readable id from a title: 'Faster WIND: Best-of-$N$' -> 'faster-wind-best-of-n'."""
    words = re.findall(r"[a-z0-9]+", to_ascii(title).lower())
    return "-".join(words[:8]) or "paper"


def corpus_files(path: Path) -> list[Path]:
    """The corpus files at `path`: the file itself, or the .toml/.jsonl files of a folder."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in CORPUS_SUFFIXES and p.is_file())
        if not files:
            raise CorpusError(f"{path}: no .toml or .jsonl corpus files in this folder")
        return files
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder")
    if path.suffix not in CORPUS_SUFFIXES:
        raise CorpusError(f"{path}: unknown corpus format (use .toml or .jsonl)")
    return [path]


def load_corpus(path: Path | str = BUNDLED_CORPUS) -> Corpus:
    """Read every corpus file at `path` into one validated `Corpus`."""
    path = Path(path)
    files = corpus_files(path)
    owner: str | None = None
    papers: list[Paper] = []
    warnings: list[str] = []
    venues: list[Venue] = []
    for file in files:
        text = read_utf8(file, CorpusError)
        file_owner, file_papers = parse_corpus_text(file, text)
        owner = owner or file_owner
        papers.extend(file_papers)
        if file.suffix == ".toml":
            warnings.extend(unknown_key_warnings(file, text))
            venues.extend(corpus_venues(file, text))
    if not papers:
        raise CorpusError(f"{path}: the corpus has no papers")
    check_unique_ids(papers)
    return Corpus(
        papers=tuple(papers),
        owner=owner,
        sources=tuple(files),
        warnings=tuple(warnings),
        venues=tuple(venues),
    )


def corpus_venues(file: Path, text: str) -> tuple[Venue, ...]:
    """The [[venues]] tables of a corpus TOML file: venues its owner names beside the bundled
    table, in the same form (name, long, aliases)."""
    data = tomllib.loads(text)  # already parsed without error by the caller
    try:
        return venues_from_records(data.get("venues"), str(file))
    except VenueTableError as exc:
        raise CorpusError(str(exc)) from None


def unknown_key_warnings(file: Path, text: str) -> list[str]:
    """One line per key of a [[papers]] table that no paper has, with its paper id and line."""
    data = tomllib.loads(text)  # already parsed without error by the caller
    entries = data.get("papers", [])
    starts = [text.count("\n", 0, match.start()) + 1 for match in _TABLE_HEADER.finditer(text)]
    lines = text.splitlines()
    warnings = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            continue
        first = starts[number - 1] if number <= len(starts) else 1
        last = starts[number] if number < len(starts) else len(lines) + 1
        for key in entry:
            if key in PAPER_KEYS:
                continue
            line = _key_line(lines, key, first, last)
            where = f"{file}:{line}" if line else f"{file}, paper {number}"
            name = entry.get("id") or entry.get("title") or f"paper {number}"
            warnings.append(
                f"{where}: unknown key {key!r} in paper {name!r} (known keys: "
                f"{', '.join(sorted(PAPER_KEYS))})"
            )
    return warnings


def _key_line(lines: list[str], key: str, first: int, last: int) -> int | None:
    """The line number (from 1) where `key = ...` is written between lines `first` and `last`."""
    pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
    for number in range(first, min(last, len(lines) + 1)):
        if pattern.match(lines[number - 1]):
            return number
    return None


def read_corpus_file(file: Path) -> tuple[str | None, list[Paper]]:
    """The owner (TOML only) and the validated papers of one corpus file."""
    return parse_corpus_text(file, read_utf8(file, CorpusError))


def parse_corpus_text(file: Path, text: str) -> tuple[str | None, list[Paper]]:
    """Like `read_corpus_file` for text not yet on disk; the suffix of `file` says the format."""
    if file.suffix == ".toml":
        return _parse_toml(file, text)
    return None, list(_parse_jsonl(file, text))


def _parse_toml(file: Path, text: str) -> tuple[str | None, list[Paper]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"{file}: invalid TOML: {exc}") from None
    owner = data.get("owner")
    if owner is not None and not isinstance(owner, str):
        raise CorpusError(f"{file}: 'owner' must be a string")
    entries = data.get("papers", [])
    if not isinstance(entries, list):
        raise CorpusError(f"{file}: 'papers' must be a list of [[papers]] tables")
    starts = [text.count("\n", 0, match.start()) + 1 for match in _TABLE_HEADER.finditer(text)]
    papers = [
        _paper_from_record(
            entry,
            f"{file}, paper {number}",
            id_keys=("id",),
            text_keys=("abstract",),
            line=starts[number - 1] if len(starts) == len(entries) else None,
        )
        for number, entry in enumerate(entries, start=1)
    ]
    return owner, papers


def _parse_jsonl(file: Path, text: str) -> Iterator[Paper]:
    for number, record in json_objects(text, file, CorpusError):
        yield paper_from_json(record, f"{file}:{number}")


def paper_from_json(record: object, where: str) -> Paper:
    """One validated paper from a JSON Lines record (`id`/`_id`, `abstract`/`text`)."""
    return _paper_from_record(record, where, id_keys=("id", "_id"), text_keys=("abstract", "text"))


def _paper_from_record(
    record: object,
    where: str,
    *,
    id_keys: Iterable[str],
    text_keys: Iterable[str],
    line: int | None = None,
) -> Paper:
    if not isinstance(record, dict):
        raise CorpusError(f"{where}: a paper must be a table/object, not {type(record).__name__}")
    paper_id = _first_present(record, id_keys)
    title = _present_text(record.get("title"))
    abstract = _present_text(_first_present(record, text_keys))
    if title is None or abstract is None:  # the message says which paper, and why
        which = _which_paper(record, paper_id, line)
        title = _required_text(record, ("title",), where, which)
        abstract = _required_text(record, tuple(text_keys), where, which)
    if paper_id is None:
        paper_id = slugify(title)
    elif isinstance(paper_id, int) and not isinstance(paper_id, bool):
        paper_id = str(paper_id)
    if not isinstance(paper_id, str) or not paper_id.strip():
        raise CorpusError(f"{where}: 'id' must be a non-empty string")
    year = record.get("year")
    if year is not None:
        try:
            year = int(year)
        except (TypeError, ValueError):
            raise CorpusError(f"{where} ({paper_id}): 'year' must be a number") from None
    return Paper(
        id=paper_id.strip(),
        title=title,
        abstract=abstract,
        authors=_authors(record.get("authors"), where, paper_id),
        year=year,
        venue=_optional_text(record, "venue", where),
        url=_optional_text(record, "url", where),
        code_url=_optional_text(record, "code_url", where),
        doi=_identifier(record, "doi", normalize_doi, "a DOI such as 10.1145/3442188", where),
        arxiv=_identifier(
            record, "arxiv", normalize_arxiv, "an arXiv id such as 2101.00001", where
        ),
        origin=where,
    )


def _which_paper(record: Mapping[str, object], paper_id: object, line: int | None) -> str:
    """A missing field's message names the paper: its id (or title) and the line it starts on."""
    named = paper_id if isinstance(paper_id, str | int) else record.get("title")
    which = f" (paper {str(named)!r}" if isinstance(named, str | int) else ""
    if line is not None:
        return f"{which}, line {line})" if which else f" (line {line})"
    return which + ")" if which else which


def _present_text(value: object) -> str | None:
    """`value` stripped, when it is text that is not blank (else None)."""
    if isinstance(value, str) and (text := value.strip()):
        return text
    return None


def _first_present(record: Mapping[str, object], keys: Iterable[str]) -> object | None:
    for key in keys:
        if key in record:
            return record[key]
    return None


def _required_text(
    record: Mapping[str, object], keys: tuple[str, ...], where: str, which: str = ""
) -> str:
    value = _first_present(record, keys)
    if isinstance(value, str) and (text := value.strip()):
        return text
    label = " or ".join(repr(k) for k in keys)
    if value is None:
        raise CorpusError(f"{where}: missing {label}{which}")
    if not isinstance(value, str):
        raise CorpusError(f"{where}: {label} must be text{which}")
    raise CorpusError(f"{where}: empty {label}{which}")


def _optional_text(record: Mapping[str, object], key: str, where: str) -> str | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise CorpusError(f"{where}: {key!r} must be text")
    return value.strip()


def _identifier(
    record: Mapping[str, object],
    key: str,
    normalize: Callable[[str], str | None],
    example: str,
    where: str,
) -> str | None:
    value = _optional_text(record, key, where)
    if value is None:
        return None
    canonical = normalize(value)
    if canonical is None:
        raise CorpusError(f"{where}: {key!r} must be {example}, not {value!r}")
    return canonical


def _authors(value: object, where: str, paper_id: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        # One string of names: "A and B" (BibTeX style), "A; B" or "A, B".
        for separator in (r"\s+and\s+", ";", ","):
            parts = re.split(separator, value)
            if len(parts) > 1:
                break
        return tuple(p.strip() for p in parts if p.strip())
    if isinstance(value, list) and all(isinstance(a, str) for a in value):
        return tuple(a.strip() for a in value if a.strip())
    raise CorpusError(f"{where} ({paper_id}): 'authors' must be a list of names")


def check_unique_ids(papers: list[Paper]) -> None:
    seen: dict[str, Paper] = {}
    for paper in papers:
        first = seen.setdefault(paper.id, paper)
        if first is not paper:
            raise CorpusError(
                f"{paper.origin}: duplicate paper id {paper.id!r} (first used at {first.origin})"
            )
