"""People and venues as people write and say them: one person under several spellings, venues
by their long names, acronyms, NLM abbreviations and years, on tests/data/lab_list.bib."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.facets import choose, find_author, parse
from bot.answering.questions import answer_question
from bot.corpus.importing import plan_import, read_entries
from bot.corpus.names import given_compatible, group_spellings, name_parts
from bot.corpus.papers import Corpus, load_corpus
from bot.corpus.venues import Venue, VenueTable, bundled_venues
from bot.index.retriever import Retriever
from bot.render.plain import render_answer

LAB_LIST = Path(__file__).parent / "data" / "lab_list.bib"
TIDES = "Tidal Sentences in Shallow Estuaries"
KELP = "Kelp Canopies Slow Coastal Currents"
SAND = "Sandbar Migration under Storm Waves"
PLANKTON = "Plankton Blooms Follow Salinity Fronts"
INLETS = "Salinity Fronts in Tidal Inlets"
MOUTHS = "Estuary Mouths and Their Sediments"


@pytest.fixture(scope="module")
def lab():
    entries, unreadable = read_entries(LAB_LIST)
    papers = tuple(added.paper for added in plan_import(entries, [], unreadable).added)
    return Retriever(Corpus(papers=papers))


def listed(lab, question: str) -> set[str]:
    answer = answer_question(lab, question)
    assert answer.kind == "papers", (question, answer.kind, answer.message)
    return {ranked.paper.title for ranked in answer.papers}


# --- names ---------------------------------------------------------------------------------------


def test_a_name_splits_into_given_names_and_a_last_name_with_its_particles():
    assert name_parts("Jane Q. R. Doe").given == ("jane", "q", "r")
    assert name_parts("Guy Van den Broeck").last == "van den broeck"
    assert name_parts("Kai-Wei Chang").given == ("kai", "wei")
    assert name_parts("Łukasz Kaiser").given == ("lukasz",)
    assert name_parts("Plato") == name_parts("Plato")  # one word: a last name
    assert name_parts("Plato").last == "plato"


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        (("jane",), ("jane", "q", "r"), True),
        (("j", "q", "r"), ("jane", "q", "r"), True),
        (("zed",), ("j", "zed"), True),
        (("jane",), ("john",), False),
        (("zed",), ("jane", "zed"), False),  # a full first name is not left out
        (("r", "c"), ("r", "cameron"), True),
    ],
)
def test_given_names_are_compatible_in_full_or_by_initial(one, other, same):
    assert given_compatible(one, other) is same


def test_several_spellings_of_one_person_are_one_group_fullest_first():
    groups = group_spellings(["Jane Doe", "J. Q. R. Doe", "Jane Q. R. Doe", "Mark Roe"])
    assert ("Jane Q. R. Doe", "Jane Doe", "J. Q. R. Doe") in groups
    assert ("Mark Roe",) in groups
    spelled = group_spellings(["Sabine Oligschläger", "S. Oligschlaeger", "Sabine Oligschlager"])
    assert len(spelled) == 1 and spelled[0][0] == "Sabine Oligschläger"


def test_a_spelling_that_could_be_two_people_stays_apart():
    groups = group_spellings(["Jane Doe", "John Doe", "J. Doe"])
    assert sorted(groups) == [("J. Doe",), ("Jane Doe",), ("John Doe",)]


@pytest.mark.parametrize(
    ("question", "titles", "said"),
    [
        ("papers by Jane Q. R. Doe", {TIDES, KELP, SAND}, "by Jane Q. R. Doe"),
        ("papers by J. Q. R. Doe", {TIDES, KELP, SAND}, "by Jane Q. R. Doe"),
        ("papers by Jane Doe", {TIDES, KELP, SAND}, "by Jane Q. R. Doe"),
        ("papers by Zed Roe", {PLANKTON}, "by J. Zed Roe"),
        ("Which papers did Van den Broeck co-author?", {TIDES}, "by Guy Van den Broeck"),
        ("list julia huntenburg's papers", {SAND}, "by julia m. huntenburg"),
        ("papers by Sabine Oligschlaeger", {KELP, SAND, PLANKTON}, "by Sabine Oligschläger"),
        ("papers by sabine oligschlager", {KELP, SAND, PLANKTON}, "by Sabine Oligschläger"),
        ("What did Oligschläger publish?", {KELP, SAND, PLANKTON}, "by Sabine Oligschläger"),
    ],
)
def test_a_person_is_found_under_every_spelling_with_no_name_left_as_topic(
    lab, question, titles, said
):
    answer = answer_question(lab, question)
    assert answer.kind == "papers", answer.message
    assert {ranked.paper.title for ranked in answer.papers} == titles
    assert answer.understood.topic is None
    assert render_answer(answer).splitlines()[0].endswith(f"{said}:")


def test_every_name_the_bot_prints_it_understands_and_the_papers_command_agrees(lab):
    catalogue = lab.catalogue()
    for name in {a for p in lab.papers for a in p.record.authors}:
        by_question = listed(lab, f"papers by {name}")
        by_command = {p.title for p in choose(catalogue, author=name).papers}
        assert by_question == by_command, name
        assert name in find_author(catalogue, name)


# --- venues ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "names"),
    [
        ("Advances in Neural Information Processing Systems", ("NeurIPS",)),
        ("NeurIPS Datasets and Benchmarks Track", ("NeurIPS",)),
        (
            "Proceedings of the 63rd Annual Meeting of the Association for Computational "
            "Linguistics (Volume 1: Long Papers)",
            ("ACL",),
        ),
        (
            "Findings of the Association for Computational Linguistics: EMNLP 2025",
            ("Findings of ACL", "EMNLP"),
        ),
        ("IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)", ("CVPR",)),
        ("Proc Natl Acad Sci U S A", ("PNAS",)),
        ("Cerebral Cortex", ("Cerebral Cortex",)),  # not the journal Cortex
        ("Cereb Cortex", ("Cerebral Cortex",)),
        ("Cortex", ("Cortex",)),
        ("Brain and Language", ("Brain and Language",)),  # not the journal Brain
        ("Journal of Ocean Tides", ()),
    ],
)
def test_a_venue_as_written_is_read_to_the_names_people_say(written, names):
    assert VenueTable.of().read(written) == names


def test_the_bundled_table_has_the_common_venues_with_unique_names():
    names = [venue.name for venue in bundled_venues()]
    assert len(names) == len(set(names))
    assert {"NeurIPS", "ICML", "ACL", "EMNLP", "CVPR", "PNAS", "Nature Communications"} <= set(
        names
    )


@pytest.mark.parametrize(
    ("question", "titles"),
    [
        ("EMNLP papers", {INLETS}),
        ("ACL 2019 papers", {MOUTHS}),
        ("papers at NeurIPS 2024", {TIDES}),
        ("Advances in Neural Information Processing Systems papers", {TIDES}),
        ("PNAS papers", {KELP}),
        ("Cerebral Cortex papers from 2022", {SAND}),
        ("Cortex papers", {PLANKTON}),
    ],
)
def test_venues_are_found_by_acronym_long_name_abbreviation_and_year(lab, question, titles):
    assert listed(lab, question) == titles


def test_no_papers_at_a_known_venue_and_an_honest_answer_for_an_unknown_one(lab):
    known = answer_question(lab, "ICML papers")
    assert known.kind == "none" and known.message == "No papers at ICML here."
    unknown = answer_question(lab, "papers at XYZQ")
    assert unknown.kind == "none"
    assert "not a venue I know" in unknown.message and "No papers at" not in unknown.message


@pytest.mark.parametrize(
    "question",
    [
        "Do plankton blooms stay far from the primary cortex?",
        "cite the brain sandbar paper",
        "what do we know about the nature of salinity fronts?",
    ],
)
def test_a_venue_name_used_as_an_ordinary_word_is_no_filter(lab, question):
    assert parse(question, lab.catalogue()).venues == ()


def test_a_repository_of_data_is_no_request_for_code(lab):
    catalogue = lab.catalogue()
    assert parse("Which repository holds the sediment maps?", catalogue).fact is None
    assert parse("where is the code repository of the kelp paper?", catalogue).fact == "code"
    assert parse("where is the repository of the kelp paper?", catalogue).fact == "code"


def test_a_question_about_something_else_finds_nothing_even_with_a_year(lab):
    answer = answer_question(lab, "Who won the 2022 World Cup?")
    assert answer.kind == "none" and not answer.hits


def test_a_corpus_extends_the_venue_table_in_its_own_file(tmp_path):
    (tmp_path / "papers.toml").write_text(
        """
[[venues]]
name = "OTS"
long = "Ocean Tides Symposium"
aliases = ["Symp Ocean Tides"]

[[papers]]
id = "tides"
title = "Tidal Sentences"
venue = "Proceedings of the 3rd Ocean Tides Symposium"
year = 2021
abstract = "Tides carry sentences."
""",
        encoding="utf-8",
    )
    corpus = load_corpus(tmp_path)
    assert corpus.venues == (Venue("OTS", "Ocean Tides Symposium", ("Symp Ocean Tides",)),)
    retriever = Retriever(corpus)
    assert listed(retriever, "OTS papers") == {"Tidal Sentences"}
    assert [p.title for p in choose(retriever.catalogue(), venue="OTS 2021").papers] == [
        "Tidal Sentences"
    ]


def test_autocomplete_offers_the_name_people_say_for_a_long_venue(lab):
    from bot.answering.facets import venue_choices

    offered = venue_choices(lab.catalogue(), "neur")
    assert "NeurIPS" in offered
    assert "Advances in Neural Information Processing Systems (NeurIPS)" in offered


def test_papers_without_venues_read_no_venue_in_a_question(tmp_path):
    (tmp_path / "papers.toml").write_text(
        '[[papers]]\nid = "a"\ntitle = "Cell Growth"\nabstract = "Cells grow."\n',
        encoding="utf-8",
    )
    retriever = Retriever(load_corpus(tmp_path))
    assert parse("Cell papers", retriever.catalogue()).venues == ()
    assert parse("NeurIPS papers", retriever.catalogue()).venues == ()


def test_a_name_that_looks_like_a_venue_is_a_name(tmp_path):
    (tmp_path / "papers.toml").write_text(
        """
[[papers]]
id = "a"
title = "Tidal Sentences"
authors = ["Colm McDonald", "Amy Krain Roy", "Tirso Rene Del Jesus Gonzalez Alam"]
venue = "Brain"
abstract = "Tides carry sentences."

[[papers]]
id = "b"
title = "Kelp Sentences"
authors = ["B Bernhardt"]
venue = "COLM"
abstract = "Kelp holds sentences."
""",
        encoding="utf-8",
    )
    retriever = Retriever(load_corpus(tmp_path))
    for name in ("Colm McDonald", "Amy Krain Roy", "Tirso Rene Del Jesus Gonzalez Alam"):
        assert listed(retriever, f"papers by {name}") == {"Tidal Sentences"}, name
    assert listed(retriever, "COLM papers") == {"Kelp Sentences"}
    # "by Bernhard" is not one letter off "B Bernhardt": there is no such person here.
    assert answer_question(retriever, "papers by Bernhard Sehm").kind == "none"
