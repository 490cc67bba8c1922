"""`paperbot import` of publication lists as labs keep them (tests/data/lab_list.bib): what the
file says is kept, its quirks are read as BibTeX tools read them, and the import writes where
it should."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from bot.corpus.bibtex import clean_name_list, parse_bibtex
from bot.corpus.identifiers import doi_in
from bot.corpus.importing import plan_import, read_entries
from bot.corpus.papers import load_corpus

LAB_LIST = Path(__file__).parent / "data" / "lab_list.bib"


@pytest.fixture(scope="module")
def imported():
    entries, unreadable = read_entries(LAB_LIST)
    plan = plan_import(entries, [], unreadable)
    return {added.label.split(" ")[0]: added.paper for added in plan.added}, plan


def test_every_entry_with_an_abstract_is_imported(imported):
    papers, plan = imported
    expected = ["doe2024tides", "doe2023kelp", "doe2022sand", "roe2021plankton"]
    assert sorted(papers) == sorted([*expected, "roe2020inlets", "poe2019mouths"])
    assert plan.skipped == ()


def test_a_field_given_twice_keeps_the_entry_its_first_value_and_says_so(imported):
    papers, plan = imported
    notes = {(n.label, n.note) for n in plan.notes}
    assert ("doe2024tides", "field 'year' given twice, with the same value") in notes
    assert (
        "doe2023kelp",
        "field 'volume' given twice, with different values; the first is kept",
    ) in notes
    assert papers["doe2024tides"].year == 2024


def test_marks_and_an_empty_name_leave_the_author_list(imported):
    papers, _ = imported
    assert papers["doe2024tides"].authors == (
        "Jane Q. R. Doe",
        "Mark Roe",
        "Edgar Poe",
        "Guy Van den Broeck",
    )


@pytest.mark.parametrize(
    ("written", "clean"),
    [
        ("Doe, Jane* and Roe, Mark", "Doe, Jane and Roe, Mark"),
        (r"Doe, Jane$^{\dagger}$ and Roe, Mark$^{1,2}$", "Doe, Jane and Roe, Mark"),
        (r"Doe\textsuperscript{1}, Jane and Roe, Mark†‡", "Doe, Jane and Roe, Mark"),
        ("Grover, Aditya and  and Ermon, Stefano", "Grover, Aditya and Ermon, Stefano"),
        ("and Doe, Jane and", "Doe, Jane"),
    ],
)
def test_names_lose_their_marks_and_empty_names(written, clean):
    assert clean_name_list(written) == clean


def test_an_empty_name_between_two_ands_is_no_author():
    (entry,) = parse_bibtex(
        "@article{a, title={T}, author={Grover, Aditya and  and Ermon, Stefano}}"
    ).entries
    assert entry.authors == ("Aditya Grover", "Stefano Ermon")


def test_the_venue_is_the_booktitle_when_the_journal_is_an_arxiv_preprint(imported):
    papers, _ = imported
    tides = papers["doe2024tides"]
    # The short name the file gives in abbr stays beside the long one; arXiv is a host.
    assert tides.venue == "Advances in Neural Information Processing Systems (NeurIPS)"
    assert tides.arxiv == "2401.00001"  # from the journal and the pdf link


def test_a_short_venue_already_in_the_long_one_is_not_repeated():
    (entry,), _ = _entries(
        "@inproceedings{a, title={T}, abstract={A.}, abbr={ICLR},"
        " booktitle={International Conference on Learning Representations (ICLR)}}"
    )
    assert entry.venue == "International Conference on Learning Representations (ICLR)"
    (entry,), _ = _entries("@misc{b, title={T}, abstract={A.}, venue={NeurIPS 2023}}")
    assert entry.venue == "NeurIPS 2023"
    (entry,), _ = _entries("@misc{c, title={T}, abstract={A.}, journal={bioRxiv}}")
    assert entry.venue is None


def _entries(text: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "one.bib"
        path.write_text(text, encoding="utf-8")
        return read_entries(path)


def test_code_links_and_identifiers_inside_links_are_read(imported):
    papers, _ = imported
    assert papers["doe2024tides"].code_url == "https://github.com/example/tides"
    assert papers["doe2023kelp"].code_url == "https://github.com/example/kelp"
    assert papers["doe2023kelp"].doi == "10.1073/pnas.0000001"  # in `link` only
    assert papers["doe2022sand"].doi == "10.1101/2022.01.01.000001"  # a bioRxiv PDF link


@pytest.mark.parametrize(
    ("link", "doi"),
    [
        ("https://doi.org/10.1038/s41467-019-09812-8", "10.1038/s41467-019-09812-8"),
        ("https://dl.acm.org/doi/pdf/10.1145/3442188.3445922", "10.1145/3442188.3445922"),
        ("https://www.pnas.org/doi/abs/10.1073/pnas.1608282113", "10.1073/pnas.1608282113"),
        ("https://biorxiv.org/content/10.1101/2020.01.01.123456v3", "10.1101/2020.01.01.123456"),
        ("http://www.sciencedirect.com/science/article/pii/S2451902219300667", None),
        ("https://arxiv.org/abs/2101.00001", None),
    ],
)
def test_a_doi_is_read_from_a_publishers_link(link, doi):
    assert doi_in(link) == doi


def test_a_link_copied_from_another_entry_makes_no_duplicate(imported):
    papers, plan = imported
    assert papers["roe2021plankton"].title == "Plankton Blooms Follow Salinity Fronts"
    assert (
        "roe2021plankton",
        "same arXiv id as doe2024tides but another title; kept both",
    ) in {(n.label, n.note) for n in plan.notes}


def test_an_entry_repeated_verbatim_is_merged_once_and_never_into_itself(imported):
    _, plan = imported
    assert [(m.label, m.into) for m in plan.merged] == [
        ("roe2020inlets (line 64)", "roe2020inlets (line 48)")
    ]
    assert all(m.label != m.into for m in plan.merged)


def test_into_a_folder_that_does_not_exist_creates_it_with_the_usual_permissions(run_cli, tmp_path):
    target = tmp_path / "new" / "corpus"
    result = run_cli("import", str(LAB_LIST), "--into", str(target))
    assert result.returncode == 0, result.stderr
    assert "Added 6 papers" in result.stdout
    assert "field 'year' given twice" in result.stdout
    written = target / "papers.toml"
    mask = os.umask(0o022)
    os.umask(mask)
    assert written.stat().st_mode & 0o777 == 0o666 & ~mask
    assert len(load_corpus(target)) == 6


def test_an_import_never_writes_inside_the_package(run_cli, tmp_path):
    import bot

    inside = Path(bot.__file__).resolve().parent / "imported-here"
    result = run_cli("import", str(LAB_LIST), "--into", str(inside))
    assert result.returncode == 2
    assert "PAPERBOT_CORPUS" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not inside.exists()
