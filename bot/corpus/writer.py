"""Adding papers to a corpus file without disturbing a byte of what is already there.

New papers are appended in the style of `corpus/papers.toml` (or as JSON lines to a .jsonl
file). Before the file is replaced, the whole new text is read back with the corpus loader and
must give exactly the papers it had plus the new ones; the new file is then written beside the
old one and renamed over it, so a failure at any point leaves the old file as it was.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

from bot.corpus.papers import CorpusError, Paper, check_unique_ids, parse_corpus_text
from bot.files import write_atomic

NEW_FILE_HEADER = """\
# Papers that paperbot answers questions about.
#
# One [[papers]] block per paper. Required: id (a short stable slug), title, abstract.
# Optional: authors (a list), year, venue, url, code_url, doi, arxiv (an id such as 2101.00001).
# Abstracts are TOML literal strings ('''...'''): backslashes need no escaping.
"""

# TOML literal strings may hold any character but these (and, for '''...''', three quotes).
_NOT_LITERAL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]|'''|^'|'$")
_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
_TOML_ESCAPES["\r"] = "\\r"


def append_papers(target: Path, papers: Sequence[Paper], others: Sequence[Paper] = ()) -> None:
    """Append `papers` to the corpus file `target` (created if missing), all or nothing.

    `others` are the papers of the rest of the corpus, whose ids the new ones must not take.
    Raises CorpusError if the file cannot be written or changed while this ran.
    """
    if target.suffix not in (".toml", ".jsonl"):
        raise CorpusError(f"{target}: can only add papers to a .toml or .jsonl corpus file")
    try:
        original = target.read_bytes() if target.exists() else None
    except OSError as exc:
        raise CorpusError(f"{target}: cannot read: {exc.strerror or exc}") from None
    new_bytes = _with_papers(target, original, papers)
    _check(target, new_bytes, original, papers, others)
    _replace(target, new_bytes, original)


def render_toml(paper: Paper, newline: str = "\n") -> str:
    """One [[papers]] block, written as a person would write it in corpus/papers.toml."""
    lines = ["[[papers]]", f"id = {_basic(paper.id)}", f"title = {_literal(paper.title)}"]
    if paper.authors:
        lines.append(f"authors = [{', '.join(_basic(name) for name in paper.authors)}]")
    if paper.year is not None:
        lines.append(f"year = {paper.year}")
    for key in ("venue", "url", "code_url", "doi", "arxiv"):
        value = getattr(paper, key)
        if value:
            lines.append(f"{key} = {_basic(value)}")
    if _NOT_LITERAL.search(paper.abstract):
        lines.append(f"abstract = {_basic(paper.abstract)}")
    else:
        # The newline right after ''' is not part of the string; it keeps long abstracts apart.
        lines += ["abstract = '''", f"{paper.abstract}'''"]
    return newline.join(lines) + newline


def render_jsonl(paper: Paper) -> str:
    record = {
        "id": paper.id,
        "title": paper.title,
        "authors": list(paper.authors),
        "year": paper.year,
        "venue": paper.venue,
        "url": paper.url,
        "code_url": paper.code_url,
        "doi": paper.doi,
        "arxiv": paper.arxiv,
        "abstract": paper.abstract,
    }
    return json.dumps({k: v for k, v in record.items() if v not in (None, [])}, ensure_ascii=False)


def _literal(text: str) -> str:
    return _basic(text) if _NOT_LITERAL.search(text) else f"'''{text}'''"


def _basic(text: str) -> str:
    escaped = "".join(
        _TOML_ESCAPES.get(ch) or (f"\\u{ord(ch):04x}" if ch < " " or ch == "\x7f" else ch)
        for ch in text
    )
    return f'"{escaped}"'


def _with_papers(target: Path, original: bytes | None, papers: Sequence[Paper]) -> bytes:
    old_text = (original or b"").decode("utf-8-sig", errors="replace")
    newline = "\r\n" if "\r\n" in old_text else "\n"
    if target.suffix == ".toml":
        blocks = [render_toml(paper, newline) for paper in papers]
        added = newline.join(blocks)
        if original is None:
            added = NEW_FILE_HEADER.replace("\n", newline) + newline + added
        elif old_text.strip():
            added = newline + added  # a blank line between blocks, as in papers.toml
    else:
        added = "".join(render_jsonl(paper) + newline for paper in papers)
    separator = newline if original and not original.endswith(b"\n") else ""
    return (original or b"") + (separator + added).encode("utf-8")


def _check(
    target: Path,
    new_bytes: bytes,
    original: bytes | None,
    papers: Sequence[Paper],
    others: Sequence[Paper],
) -> None:
    """The new text must read back as the old papers followed by exactly the new ones."""
    try:
        _, old_papers = parse_corpus_text(target, (original or b"").decode("utf-8-sig"))
    except (CorpusError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{target}: fix this file before adding papers to it: {exc}") from None
    try:
        _, new_papers = parse_corpus_text(target, new_bytes.decode("utf-8-sig"))
        check_unique_ids([*others, *new_papers])
    except CorpusError as exc:
        raise CorpusError(
            f"{target}: left unchanged; the new papers would not load: {exc}"
        ) from None
    if new_papers != [*old_papers, *papers]:
        raise CorpusError(f"{target}: left unchanged; the new papers did not read back as written")


def _usual_mode() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _replace(target: Path, new_bytes: bytes, original: bytes | None) -> None:
    def unchanged_since_read() -> None:
        # Someone (an editor, another import) may have saved the file since it was read.
        if original is not None and target.read_bytes() != original:
            raise CorpusError(f"{target}: changed while papers were being added; run again")

    # A new file gets the usual permissions (the umask's): a service user must read it.
    mode = target.stat().st_mode & 0o7777 if original is not None else _usual_mode()
    try:
        write_atomic(target, new_bytes, mode=mode, before_replace=unchanged_since_read)
    except OSError as exc:
        raise CorpusError(f"{target}: cannot write: {exc.strerror or exc}") from None
