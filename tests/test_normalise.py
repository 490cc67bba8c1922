"""The one normaliser: each option does what it says, and nothing else."""

import pytest

from bot.text.normalise import LETTERS_AND_DIGITS, WORD_CHARACTERS, normalise


def test_by_default_case_is_ignored_and_whitespace_runs_are_one_space():
    assert normalise("  What  is\tBYOL?\n") == "what is byol?"
    assert normalise("Straße") == "strasse"  # full case folding, not only lower()


def test_casefold_off_keeps_the_text_as_written_on_one_line():
    assert normalise("  Line one\n\nLine  two ", casefold=False) == "Line one Line two"


def test_compatibility_forms_become_the_plain_letters():
    assert normalise("Ａ２ 𝐁", compatibility=True) == "a2 b"
    assert normalise("Ａ２ 𝐁") == "ａ２ 𝐁"  # only when asked


def test_strip_accents_drops_accents_and_compatibility_forms():
    assert normalise("Über Café ﬁ", strip_accents=True) == "uber cafe fi"
    assert normalise("Über Café", compatibility=True) == "über café"


@pytest.mark.parametrize(
    ("words", "expected"),
    [(LETTERS_AND_DIGITS, "snake case x2 ok"), (WORD_CHARACTERS, "snake_case x2 ok")],
)
def test_words_keep_only_the_pieces_the_pattern_finds(words, expected):
    assert normalise("Snake_case, x2 -- OK!", words=words) == expected


def test_options_combine_as_feedback_counts_questions():
    asked = normalise("Qu'est-ce que l'Été ?", compatibility=True, words=LETTERS_AND_DIGITS)
    assert asked == "qu est ce que l été"
