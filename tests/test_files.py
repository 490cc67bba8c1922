"""Replacing a file whole: the new content or the old, never half, and nothing left behind."""

import os
import stat

import pytest

from bot.files import write_atomic


def test_writes_bytes_and_creates_the_folder(tmp_path):
    target = tmp_path / "state" / "stamp"
    write_atomic(target, b"one\n")
    assert target.read_bytes() == b"one\n"
    assert os.listdir(target.parent) == ["stamp"]


def test_a_writer_function_fills_the_file(tmp_path):
    target = tmp_path / "data.bin"
    write_atomic(target, lambda stream: stream.write(b"streamed"))
    assert target.read_bytes() == b"streamed"


def test_replaces_an_existing_file_with_the_mode_asked_for(tmp_path):
    target = tmp_path / "papers.toml"
    target.write_bytes(b"old")
    write_atomic(target, b"new", mode=0o640)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_failing_last_check_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "papers.toml"
    target.write_bytes(b"old")

    def refuse() -> None:
        raise RuntimeError("changed meanwhile")

    with pytest.raises(RuntimeError, match="changed meanwhile"):
        write_atomic(target, b"new", before_replace=refuse)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["papers.toml"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "index.npz"
    target.write_bytes(b"old")

    def half_then_fail(stream) -> None:
        stream.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, half_then_fail)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["index.npz"]


def test_temporary_names_are_unique_so_writers_never_share_one(tmp_path):
    target = tmp_path / "stamp"
    seen = []

    def note_temporaries() -> None:
        seen.extend(name for name in os.listdir(tmp_path) if name != "stamp")

    write_atomic(target, b"a", before_replace=note_temporaries)
    write_atomic(target, b"b", before_replace=note_temporaries)
    assert len(seen) == 2 and seen[0] != seen[1]
    assert all(name.startswith(".stamp.") for name in seen)
