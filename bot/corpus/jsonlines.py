"""Reading UTF-8 files and JSON Lines one way everywhere, with errors that name the file and line.

Each caller passes its own error class (a corpus error, a batch-file error, ...) so that the
message reaches the user as that command's one-line error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def read_utf8(path: Path, error: type[Exception]) -> str:
    """The text of `path` (a UTF-8 byte-order mark is dropped)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start})") from None


def json_object(line: str, where: str, error: type[Exception]) -> dict[str, Any]:
    """One line of JSON Lines, which must hold an object."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise error(f"{where}: invalid JSON: {exc.msg}") from None
    if not isinstance(record, dict):
        raise error(f"{where}: expected a JSON object, not {type(record).__name__}")
    return record


def json_objects(
    text: str, source: Path | str, error: type[Exception]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line of `text`, read from `source`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, json_object(line, f"{source}:{number}", error)
