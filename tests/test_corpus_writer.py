"""Appending papers to a corpus file: exact round trips, old bytes kept, all or nothing."""

import os

import pytest

from bot.corpus import writer as corpus_writer
from bot.corpus.papers import CorpusError, Paper, load_corpus
from bot.corpus.writer import append_papers

HAND_WRITTEN = """\
# My papers.   Comments, odd spacing and key order are mine.
owner = "Ada"

[[papers]]
abstract = '''
An abstract first, then the id.'''
id   = "hand-written"   # a trailing comment
title = "Hand Written"
"""

TRICKY = [
    Paper(
        id="tricky",
        title="It's '''quoted''' and \\LaTeX $\\alpha$ \"too\"",
        abstract="Three quotes ''' inside,\ta tab, a \\backslash, a control \x01 char and é.",
        authors=("O'Brien, Jr.", 'Ann "Annie" Lee'),
        year=1999,
        venue="Proc. of \\& and #",
        url="https://example.org/~a/b%20c?d=1&e='f'",
        doi="10.1000/a\\b",
        arxiv="hep-th/9901001",
    ),
    Paper(id="ends-with-quote", title="'Quoted title'", abstract="Ends with a quote'"),
    Paper(id="two-paragraphs", title="Paragraphs", abstract="First.\n\nSecond, after a blank."),
    Paper(id="plain", title="Plain", abstract="Nothing special at all."),
]


def _write(path, text, newline="\n"):
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_tricky_papers_read_back_exactly_and_old_bytes_stay(tmp_path, newline):
    target = _write(tmp_path / "papers.toml", HAND_WRITTEN, newline)
    before = target.read_bytes()
    append_papers(target, TRICKY)
    after = target.read_bytes()
    assert after.startswith(before)
    corpus = load_corpus(target)
    assert list(corpus.papers[1:]) == TRICKY
    assert corpus.owner == "Ada"
    if newline == "\r\n":
        assert b"\n" not in after.replace(b"\r\n", b"")


def test_plain_papers_are_written_in_the_bundled_style(tmp_path):
    target = _write(tmp_path / "papers.toml", HAND_WRITTEN)
    paper = Paper(
        id="p",
        title="Best-of-$N$",
        abstract="One $N$.",
        authors=("A B", "C D"),
        year=2024,
        venue="ICML 2024",
        arxiv="2101.00001",
    )
    append_papers(target, [paper])
    added = target.read_text(encoding="utf-8")[len(HAND_WRITTEN) :]
    assert added == (
        "\n[[papers]]\n"
        'id = "p"\n'
        "title = '''Best-of-$N$'''\n"
        'authors = ["A B", "C D"]\n'
        "year = 2024\n"
        'venue = "ICML 2024"\n'
        'arxiv = "2101.00001"\n'
        "abstract = '''\n"
        "One $N$.'''\n"
    )


def test_a_file_without_a_final_newline_keeps_its_last_line(tmp_path):
    target = _write(tmp_path / "papers.toml", HAND_WRITTEN.rstrip("\n"))
    before = target.read_bytes()
    append_papers(target, TRICKY[3:])
    assert target.read_bytes().startswith(before + b"\n")
    assert [p.id for p in load_corpus(target).papers] == ["hand-written", "plain"]


def test_a_jsonl_corpus_gets_json_lines(tmp_path):
    target = _write(tmp_path / "corpus.jsonl", '{"_id": "1", "title": "T", "text": "A."}')
    append_papers(target, TRICKY)
    assert list(load_corpus(target).papers[1:]) == TRICKY


def test_a_missing_file_is_created_with_a_header(tmp_path):
    target = tmp_path / "new" / "papers.toml"
    append_papers(target, TRICKY[3:])
    assert target.read_text(encoding="utf-8").startswith("# Papers that paperbot answers")
    assert load_corpus(target).papers == tuple(TRICKY[3:])


def _unchanged_after(target, papers, message, **kwargs):
    before = target.read_bytes()
    with pytest.raises(CorpusError, match=message):
        append_papers(target, papers, **kwargs)
    assert target.read_bytes() == before
    assert os.listdir(target.parent) == [target.name]  # no temporary file left behind


def test_an_id_taken_in_another_corpus_file_leaves_the_file_unchanged(tmp_path):
    target = _write(tmp_path / "papers.toml", HAND_WRITTEN)
    other = Paper(id="plain", title="Elsewhere", abstract="x.", origin="other.toml, paper 1")
    _unchanged_after(target, TRICKY[3:], "duplicate paper id 'plain'", others=[other])


def test_a_file_the_new_blocks_cannot_extend_is_left_unchanged(tmp_path):
    target = _write(
        tmp_path / "papers.toml", 'papers = [{id = "a", title = "A", abstract = "x"}]\n'
    )
    _unchanged_after(target, TRICKY[3:], "the new papers would not load")


def test_a_broken_file_is_not_touched(tmp_path):
    target = _write(tmp_path / "papers.toml", "[[papers]\n")
    _unchanged_after(target, TRICKY[3:], "fix this file before adding papers")


def test_an_edit_made_while_writing_is_kept_and_reported(tmp_path, monkeypatch):
    target = _write(tmp_path / "papers.toml", HAND_WRITTEN)
    real_check = corpus_writer._check

    def check_then_someone_saves(*args):
        real_check(*args)
        target.write_text(HAND_WRITTEN + "# saved by an editor\n", encoding="utf-8")

    monkeypatch.setattr(corpus_writer, "_check", check_then_someone_saves)
    with pytest.raises(CorpusError, match="changed while papers were being added"):
        append_papers(target, TRICKY[3:])
    assert target.read_text(encoding="utf-8").endswith("# saved by an editor\n")
    assert os.listdir(tmp_path) == ["papers.toml"]


def test_the_file_keeps_its_permissions(tmp_path):
    target = _write(tmp_path / "papers.toml", HAND_WRITTEN)
    target.chmod(0o640)
    append_papers(target, TRICKY[3:])
    assert target.stat().st_mode & 0o777 == 0o640
