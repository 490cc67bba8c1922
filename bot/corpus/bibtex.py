"""Reading BibTeX (as Zotero, Google Scholar, arXiv or DBLP export it) into decoded plain fields.

bibtexparser splits the file and resolves @string macros; its LaTeX decoding middleware turns
`{\\"o}` into "ö" and `{{BERT}}` into "BERT". Three things are adjusted for paper metadata:
math stays as written (`$N$`, which the corpus keeps as LaTeX source), a bare `%` is a percent
sign (BibTeX has no comments inside a field), and URL, DOI and eprint fields are verbatim (a `~`
in a URL is a tilde, not a space).

Real lists are kept as BibTeX tools keep them: a field given twice keeps its first value (with a
note), author names lose their equal-contribution and affiliation marks (an asterisk, a dagger,
a superscript number), and an empty name between two `and`s is dropped.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.library import Library
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    Field,
    MiddlewareErrorBlock,
    ParsingFailedBlock,
)
from pylatexenc import latex2text

from bot.text.cleaning import escape_bare_percents, latex_context

# Parse problems come back to the caller as BibtexProblem values; without a handler of its own,
# the library's log lines would repeat them on stderr when the program configures no logging.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "file", "urldate"})
_SPACES = re.compile(r"\s+")
_ENTRY_KEY = re.compile(r"\s*@\s*\w+\s*[{(]\s*([^,\s{}()]+)\s*,")
_NOTES = "paperbot_notes"  # where an entry's notes ride through the parse stack
_NAME_FIELDS = frozenset({"author", "editor"})
# Marks after a name that are no part of it: equal contribution, affiliation, corresponding author.
_NAME_MARKS = re.compile(
    r"\$[^$]*\$|\\textsuperscript\s*\{[^{}]*\}"
    r"|\\(?:dagger|ddagger|ddag|textdagger|textdaggerdbl|textasteriskcentered)(?![a-zA-Z])"
    r"\s*(?:\{\})?|[*†‡§¶#✉]+|(?<=[^\W\d_])\d+\b"
)
_EMPTY_NAMES = re.compile(r"(?:^|\s)and(?=\s+and(?:\s|$))|^\s*and\s|\sand\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class BibtexEntry:
    key: str
    line: int | None
    entry_type: str
    fields: dict[str, str]  # lower-case field name -> decoded text, whitespace folded
    authors: tuple[str, ...] = ()  # "First von Last, Jr" each, decoded; "and others" dropped
    notes: tuple[str, ...] = ()  # what was read with a warning ("'year' given twice")


@dataclass(frozen=True)
class BibtexProblem:
    line: int | None
    reason: str
    key: str | None = None  # of the entry that could not be read, when it got that far


@dataclass(frozen=True)
class BibtexFile:
    entries: tuple[BibtexEntry, ...]
    problems: tuple[BibtexProblem, ...] = field(default=())


class _TextDecoder(latex2text.LatexNodes2Text):  # type: ignore[misc]  # pylatexenc ships no types
    """LaTeX to text that reads a bare % as a percent sign, as BibTeX field values mean it."""

    def latex_to_text(self, latex: str, **kwargs: Any) -> str:
        text: str = super().latex_to_text(escape_bare_percents(latex), **kwargs)
        return text


def _decoder() -> _TextDecoder:
    return _TextDecoder(
        latex_context=latex_context(), keep_braced_groups=False, math_mode="verbatim"
    )


class _DecodeLatex(middlewares.LatexDecodingMiddleware):
    """The library's LaTeX decoding, minus verbatim fields, plus lists of (merged) names."""

    def __init__(self) -> None:
        self._names_decoder = _decoder()
        super().__init__(allow_inplace_modification=True, decoder=self._names_decoder)

    def transform_entry(self, entry: Entry, library: Library) -> Block:
        verbatim = {f.key: f.value for f in entry.fields if f.key in _VERBATIM_FIELDS}
        block = super().transform_entry(entry, library)  # changes `entry` in place
        for item in entry.fields:
            if item.key in verbatim:
                item.value = verbatim[item.key]
            elif isinstance(item.value, list):
                item.value = [self._decode_name(name) for name in item.value]
        return block

    def _decode_name(self, name: str) -> str:
        try:
            return self._names_decoder.latex_to_text(name)
        except Exception:  # pylatexenc is lenient; keep a name it cannot read as written
            return name


class _KeepFirstValue(middlewares.BlockMiddleware):
    """An entry with a field given twice, read as BibTeX itself reads it: the first value kept,
    with a note saying which field was repeated and whether its values differ."""

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True)

    def transform_failed_block(self, failed_block: ParsingFailedBlock, library: Library) -> Block:
        entry = failed_block.ignore_error_block
        if not isinstance(failed_block, DuplicateFieldKeyBlock) or not isinstance(entry, Entry):
            return failed_block
        first: dict[str, Field] = {}
        notes: list[str] = []
        for item in entry.fields:
            key = item.key.lower()
            if key not in first:
                first[key] = item
                continue
            same = _SPACES.sub(" ", str(item.value)) == _SPACES.sub(" ", str(first[key].value))
            how = "the same value" if same else "different values; the first is kept"
            notes.append(f"field {key!r} given twice, with {how}")
        kept = Entry(entry.entry_type, entry.key, list(first.values()), entry.start_line, entry.raw)
        kept.parser_metadata[_NOTES] = tuple(notes)
        return kept


class _CleanNames(middlewares.BlockMiddleware):
    """Author lists without marks after names and without empty names ("A and  and B")."""

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True)

    def transform_entry(self, entry: Entry, library: Library) -> Block:
        for item in entry.fields:
            if item.key in _NAME_FIELDS and isinstance(item.value, str):
                item.value = clean_name_list(item.value)
        return entry


def clean_name_list(value: str) -> str:
    """An author field without marks after the names and without empty names between 'and's."""
    text = _NAME_MARKS.sub("", value)
    previous = None
    while previous != text:
        previous, text = text, _EMPTY_NAMES.sub(" ", text)
    return " ".join(text.split())


def _parse(text: str, split_names: bool) -> Library:
    stack = [_KeepFirstValue(), *middlewares.default_parse_stack(), *_stack(split_names)]
    return bibtexparser.parse_string(text, parse_stack=stack)


def _stack(split_names: bool) -> list[middlewares.BlockMiddleware]:
    names = [
        middlewares.SeparateCoAuthors(),
        middlewares.SplitNameParts(),
        middlewares.MergeNameParts(style="first"),
    ]
    return [
        middlewares.NormalizeFieldKeys(),
        _CleanNames(),
        *(names if split_names else []),
        _DecodeLatex(),
    ]


def parse_bibtex(text: str) -> BibtexFile:
    """Every entry of `text` with decoded fields, and the blocks that could not be read."""
    library = _parse(text, split_names=True)
    entries = [_entry(entry) for entry in library.entries]
    problems = []
    for block in library.failed_blocks:
        recovered = _recover(block)
        if recovered is not None:
            entries.append(recovered)
        else:
            key = _ENTRY_KEY.match(block.raw or "")
            problems.append(
                BibtexProblem(_line(block.start_line), _describe(block.error), key and key.group(1))
            )
    entries.sort(key=lambda entry: entry.line or 0)
    return BibtexFile(entries=tuple(entries), problems=tuple(problems))


def _recover(block: ParsingFailedBlock) -> BibtexEntry | None:
    """The entry of a block the parse stack gave up on, when it is still an entry."""
    if isinstance(block, DuplicateBlockKeyBlock) and block.raw:
        # A repeated key is normal in merged exports; the importer finds real duplicates itself.
        again = _parse(block.raw, split_names=True)
    elif isinstance(block, MiddlewareErrorBlock) and block.raw:
        # Usually a name that BibTeX's name rules cannot split; read the entry without splitting.
        again = _parse(block.raw, split_names=False)
    else:
        return None
    if len(again.entries) != 1:
        return None
    entry = _entry(again.entries[0])
    return BibtexEntry(
        entry.key,
        _line(block.start_line),
        entry.entry_type,
        entry.fields,
        entry.authors,
        entry.notes,
    )


def _entry(entry: Entry) -> BibtexEntry:
    fields: dict[str, str] = {}
    authors: tuple[str, ...] = ()
    for item in entry.fields:
        if item.key == "author":
            authors = _authors(item.value)
        elif isinstance(item.value, str):
            fields[item.key] = _SPACES.sub(" ", item.value).strip()
    notes = tuple(entry.parser_metadata.get(_NOTES, ()))
    return BibtexEntry(
        entry.key, _line(entry.start_line), entry.entry_type.lower(), fields, authors, notes
    )


def _line(start_line: int | None) -> int | None:
    return None if start_line is None else start_line + 1  # bibtexparser counts from 0


def _authors(value: object) -> tuple[str, ...]:
    names = value if isinstance(value, list) else re.split(r"\s+and\s+", str(value))
    cleaned = (_SPACES.sub(" ", name).strip() for name in names)
    return tuple(name for name in cleaned if name and name.casefold() != "others")


def _describe(error: Exception) -> str:
    text = str(getattr(error, "abort_reason", "") or error).strip()
    if not text:
        return "not valid BibTeX"
    return "not valid BibTeX: " + _SPACES.sub(" ", text.splitlines()[-1]).strip()
