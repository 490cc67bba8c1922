import pytest

from bot.render.presentation import byline, mark_spans, short_authors, truncate


@pytest.mark.parametrize(
    ("authors", "shown"),
    [
        ((), ""),
        (("A",), "A"),
        (("A", "B", "C"), "A, B, C"),
        (("A", "B", "C", "D"), "A, B, C et al."),
    ],
)
def test_short_authors(authors, shown):
    assert short_authors(authors) == shown


def test_byline():
    assert byline(("A", "B"), 2021) == "A, B (2021)"
    assert byline((), 2021) == "2021"
    assert byline(("A",), None) == "A"


@pytest.mark.parametrize("limit", [1, 5, 10, 17, 40])
def test_truncate_fits_and_cuts_at_a_word(limit):
    text = "several words of different length here"
    cut = truncate(text, limit)
    assert len(cut) <= limit
    if len(text) > limit:
        assert cut.endswith("…")
        assert text.startswith(cut[:-1].rstrip())


def test_mark_spans_marks_only_the_spans():
    assert mark_spans("a bc d", [(2, 4)], lambda s: f"*{s}*") == "a *bc* d"
    assert mark_spans("a bc d", [(2, 4)], lambda s: f"*{s}*", plain=str.upper) == "A *bc* D"
    assert mark_spans("abc", [], str.upper) == "abc"
