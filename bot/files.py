"""Replacing a file whole: a reader (or a crash) sees the old content or the new, never half."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomic(
    path: Path,
    data: bytes | Callable[[BinaryIO], object],
    *,
    mode: int | None = None,
    before_replace: Callable[[], None] | None = None,
) -> None:
    """Write `data` (bytes, or a function writing to the stream) to a new file beside `path`,
    sync it to disk and rename it over `path`; the folder is created if needed.

    `mode` sets the new file's permission bits (default: readable by the owner only).
    `before_replace` runs last, just before the rename: an exception from it leaves `path`
    as it was. Raises OSError when the folder or the file cannot be written.
    """
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    # A unique name in the same folder: concurrent writers never share a temporary file, and
    # the rename stays on one file system.
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            if isinstance(data, bytes):
                stream.write(data)
            else:
                data(stream)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        if before_replace is not None:
            before_replace()
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable, where the operating system allows it."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
