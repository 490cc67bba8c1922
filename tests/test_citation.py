"""Citations from the corpus fields only: BibTeX types and keys, APA names, nothing invented."""

from __future__ import annotations

from bot.corpus.papers import Paper
from bot.render.citation import apa, apa_name, bibtex, bibtex_key


def _paper(**fields) -> Paper:
    return Paper(
        id=fields.pop("id", "p"), title=fields.pop("title", "A Study"), abstract="x.", **fields
    )


def test_keys_are_last_name_year_and_first_title_word_skipping_small_words():
    paper = _paper(title="The Théorie of Waves", authors=("Zoë Müller", "B. Other"), year=2020)
    assert bibtex_key(paper) == "muller2020theorie"
    assert bibtex_key(paper) == bibtex_key(
        _paper(title="The Théorie of Waves", authors=("Zoë Müller",), year=2020)
    )
    assert bibtex_key(_paper(id="lonely-one", title="What?")) == "what"


def test_entry_types_follow_the_fields_the_paper_has():
    conference = bibtex(_paper(venue="ICML 2021", year=2021, authors=("A B",)))
    assert (
        conference.startswith("@inproceedings{b2021study,")
        and "booktitle = {ICML 2021}" in conference
    )
    journal = bibtex(_paper(venue="Journal of Things", authors=("A B",)))
    assert journal.startswith("@article{") and "journal = {Journal of Things}" in journal
    preprint = bibtex(_paper(arxiv="2101.00001", authors=("A B",)))
    assert preprint.startswith("@misc{") and "eprint = {2101.00001}" in preprint
    assert "archivePrefix = {arXiv}" in preprint


def test_nothing_is_invented_for_missing_fields():
    bare = bibtex(_paper())
    assert bare.startswith("@misc{study,")
    for field in ("author", "year", "booktitle", "journal", "doi", "url", "eprint"):
        assert f"{field} =" not in bare
    assert apa(_paper()) == "(n.d.). A Study."


def test_apa_names_and_author_lists():
    assert apa_name("Jean-Pierre Serre") == "Serre, J.-P."
    assert apa_name("Lovelace, Ada") == "Lovelace, A."
    two = apa(_paper(authors=("Ada Lovelace", "Alan Turing"), year=1950, doi="10.1/x"))
    assert two == "Lovelace, A., & Turing, A. (1950). A Study. https://doi.org/10.1/x"
    many = apa(_paper(authors=tuple(f"Ann Person{n}" for n in range(25)), year=2000))
    assert many.count(",") > 20 and "… Person24, A." in many and "Person19" not in many
