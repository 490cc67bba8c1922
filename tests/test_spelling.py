"""The spelling corrector stored with the index corrects exactly as the one built from the texts."""

import pytest
from symspellpy import Verbosity

from bot.index.index_cache import map_arrays, write_arrays
from bot.text.spelling import SpellingCorrector, word_counts, words_of


def _typos(word):
    """One of each kind of typo SymSpell handles: a letter dropped, doubled, swapped, replaced."""
    middle = len(word) // 2
    return [
        word[:middle] + word[middle + 1 :],
        word[:middle] + word[middle] + word[middle:],
        word[: middle - 1] + word[middle] + word[middle - 1] + word[middle + 1 :],
        word[:middle] + ("z" if word[middle] != "z" else "q") + word[middle + 1 :],
        word[:1] + word[2:4] + word[5:],  # two letters dropped
    ]


@pytest.fixture(scope="module")
def texts(bundled_corpus):
    return [text for paper in bundled_corpus.papers for text in (paper.title, paper.abstract)]


@pytest.fixture(scope="module")
def stored(texts, tmp_path_factory):
    """A corrector written to an `.npz` file as the index cache writes it, and mapped back."""
    path = tmp_path_factory.mktemp("spelling") / "spelling.npz"
    with path.open("wb") as stream:
        write_arrays(stream, SpellingCorrector(texts).to_arrays())
    return SpellingCorrector.from_arrays(map_arrays(path))


def test_a_stored_corrector_corrects_every_typo_as_the_built_one(texts, stored):
    built = SpellingCorrector(texts)
    words = sorted({word for word in words_of(" ".join(texts)) if len(word) >= 6})
    typos = [typo for word in words for typo in _typos(word)] + ["waht", "wich", "Contrastve"]
    corrected = [built.correct(typo) for typo in typos]
    assert [stored.correct(typo) for typo in typos] == corrected
    # Many typos are corrected (the others are of words seen once, or are English words).
    changed = sum(fixed != typo for fixed, typo in zip(corrected, typos, strict=True))
    assert changed > len(typos) // 4
    assert built.correct("Contrastve") == "Contrastive" and built.correct("waht") == "what"


def test_a_stored_corrector_finds_the_same_candidates_in_the_same_order(texts, stored):
    """Every suggestion SymSpell finds within two edits, ties in order, not only the best."""
    built = SpellingCorrector(texts)
    words = sorted(set(words_of(" ".join(texts))))[::7]
    probes = [typo for word in words if len(word) >= 6 for typo in _typos(word)]
    probes += ["waht", "wich", "teh", "abuot", "ab", "x"]
    for probe in probes:
        expected = built._symspell.lookup(probe, Verbosity.ALL, max_edit_distance=2)
        found = stored._symspell.lookup(probe, Verbosity.ALL, max_edit_distance=2)
        assert [(s.term, s.distance, s.count) for s in found] == [
            (s.term, s.distance, s.count) for s in expected
        ]


def test_the_corpus_words_are_kept_and_counted(texts, stored):
    counts = word_counts(texts)
    assert stored.corpus_words == frozenset(counts) == SpellingCorrector(texts).corpus_words
    assert counts["the"] > 10 and "contrastive" in stored.corpus_words


def test_arrays_that_are_not_a_corrector_are_refused(texts):
    arrays = SpellingCorrector(texts).to_arrays()
    arrays["suggestions"] = arrays["suggestions"][:-1]
    with pytest.raises(ValueError, match="deletions"):
        SpellingCorrector.from_arrays(arrays)
