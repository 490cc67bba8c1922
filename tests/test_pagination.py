import pytest

from bot.render.pagination import clamp_page, paginate


def test_pages_hold_at_most_per_page_entries_in_order():
    entries = [f"entry {n}" for n in range(10)]
    pages = paginate(entries, per_page=4, max_chars=1000)
    assert [len(page) for page in pages] == [4, 4, 2]
    assert [entry for page in pages for entry in page] == entries


def test_pages_fit_the_character_limit_with_separators():
    entries = ["x" * 40] * 5
    pages = paginate(entries, per_page=10, max_chars=100, separator="\n\n")
    assert [len(page) for page in pages] == [2, 2, 1]
    assert all(len("\n\n".join(page)) <= 100 for page in pages)


def test_everything_on_one_page_when_it_fits():
    assert paginate(["a", "b"], per_page=5, max_chars=100) == [("a", "b")]


def test_no_entries_give_one_empty_page():
    assert paginate([], per_page=5, max_chars=100) == [()]


def test_an_entry_larger_than_a_page_is_refused():
    with pytest.raises(ValueError):
        paginate(["x" * 101], per_page=5, max_chars=100)


@pytest.mark.parametrize(("page", "count", "shown"), [(-1, 3, 0), (0, 3, 0), (3, 3, 2), (1, 0, 0)])
def test_clamp_page(page, count, shown):
    assert clamp_page(page, count) == shown
