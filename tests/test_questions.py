"""Questions about the papers themselves: the facets found in them, and the answers they get.

Most tests run on tests/data/facts_corpus.toml, invented papers whose people, venues and years
exercise the rules (accents, a shared last name, a journal, a paper without venue); a few run on
the bundled papers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.facets import YearRange, author_choices, choose, parse, venue_choices
from bot.answering.questions import answer_question, two_topics
from bot.corpus.papers import load_corpus
from bot.index.retriever import Retriever
from bot.render.plain import answer_json, render_answer

FACTS_CORPUS = Path(__file__).parent / "data" / "facts_corpus.toml"
TIDAL = "Tidal Gradients in Shallow Estuaries"
KELP = "Kelp Canopies Slow Coastal Currents"
SANDBAR = "Sandbar Migration under Storm Waves"
PLANKTON = "Plankton Blooms Follow Salinity Fronts"
ALL = (TIDAL, KELP, SANDBAR, PLANKTON)


@pytest.fixture(scope="module")
def facts():
    return Retriever(load_corpus(FACTS_CORPUS))


def titles(answer) -> list[str]:
    return [ranked.paper.title for ranked in answer.papers]


def listed(facts, question: str) -> set[str]:
    answer = answer_question(facts, question)
    assert answer.kind == "papers", (question, answer.kind, answer.message)
    text = render_answer(answer)
    for title in ALL:  # the text shows exactly the papers listed
        assert (title in text) == (title in titles(answer)), (question, title)
    assert len(titles(answer)) == len(set(titles(answer)))
    return set(titles(answer))


# --- people ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "papers by Åsa Lindqvist",
        "papers by asa lindqvist",
        "PAPERS BY ÅSA LINDQVIST",
        "what did Asa Lindqvist work on?",
        "Lindqvist's papers",
        "papers by lindqvist",
        "papers co-authored by Åsa Lindkvist",  # a close misspelling
        "who is Åsa Lindqvist?",
    ],
)
def test_a_person_by_full_name_last_name_any_case_accents_or_a_misspelling(facts, question):
    assert listed(facts, question) == {TIDAL, SANDBAR, PLANKTON}


def test_a_last_name_shared_by_two_people_lists_the_papers_of_either(facts):
    answer = answer_question(facts, "papers by Okafor")
    assert set(titles(answer)) == {TIDAL, KELP, PLANKTON}
    assert "by Lena Okafor or Priya Okafor" in render_answer(answer)


def test_a_first_name_after_by_or_with_a_possessive_names_the_person(facts):
    assert listed(facts, "papers by mateo") == {TIDAL, KELP}
    assert listed(facts, "Jonas's papers") == {SANDBAR}


def test_a_misspelt_last_name_is_found(facts):
    assert listed(facts, "papers by Quirogaa") == {TIDAL, KELP}


def test_two_people_list_only_their_papers_together(facts):
    assert listed(facts, "papers by Åsa Lindqvist with Lena Okafor") == {TIDAL, PLANKTON}


def test_a_person_with_a_topic_lists_only_their_papers_about_it(facts):
    answer = answer_question(facts, "Åsa Lindqvist's papers on plankton blooms")
    assert titles(answer) == [PLANKTON]
    assert answer.understood.topic == "plankton blooms"
    assert render_answer(answer).startswith("1 paper by Åsa Lindqvist, about “plankton blooms”:")


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("papers by Geoffrey Hinton", "No papers by Geoffrey Hinton here."),
        ("Yann LeCun's papers", "No papers by Yann LeCun here."),
        ("what did Hinton work on?", "No papers by Hinton here."),
        ("papers by geoffrey hinton", "No papers by Geoffrey Hinton here."),
    ],
)
def test_a_person_not_in_the_papers_is_said_so_never_a_list_of_others(facts, question, message):
    answer = answer_question(facts, question)
    assert answer.kind == "none" and answer.papers == () and answer.hits == ()
    text = render_answer(answer)
    assert text == message
    assert not any(title in text for title in ALL)


def test_a_filter_and_a_topic_that_match_nothing_say_so(facts):
    answer = answer_question(facts, "Jonas Berglund's papers on kelp")
    assert answer.kind == "none"
    assert render_answer(answer) == "None of the papers by Jonas Berglund is about “kelp”."


# --- years ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("papers from 2023", {SANDBAR, PLANKTON}),
        ("papers in 2019", {TIDAL}),
        ("2021 papers", {KELP}),
        ("papers since 2021", {KELP, SANDBAR, PLANKTON}),
        ("papers published in 2021 or later", {KELP, SANDBAR, PLANKTON}),
        ("papers after 2021", {SANDBAR, PLANKTON}),
        ("papers before 2021", {TIDAL}),
        ("papers from 2021 or earlier", {TIDAL, KELP}),
        ("papers between 2019 and 2021", {TIDAL, KELP}),
        ("the latest papers", {SANDBAR, PLANKTON}),
        ("the oldest paper", {TIDAL}),
        ("Lindqvist's latest paper", {SANDBAR, PLANKTON}),
    ],
)
def test_years(facts, question, expected):
    assert listed(facts, question) == expected


def test_a_year_with_no_papers_says_so(facts):
    answer = answer_question(facts, "papers from 2020")
    assert answer.kind == "none" and render_answer(answer) == "No papers from 2020 here."


def test_year_ranges_are_described_as_understood():
    assert YearRange(2021, None).describe() == "2021 or later"
    assert YearRange(None, 2020).describe() == "before 2021"
    assert YearRange(2019, 2019).describe() == "2019"
    assert 2020 in YearRange(2019, 2021) and 2022 not in YearRange(2019, 2021)


def test_a_content_question_with_a_year_is_not_a_filter(facts):
    answer = answer_question(facts, "Who won the world cup in 2019?")
    assert answer.kind == "none" and answer.message is None


# --- venues ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("OceanConf papers", {TIDAL, PLANKTON}),
        ("papers at oceanconf", {TIDAL, PLANKTON}),
        ("what was at OceanConf 2023?", {PLANKTON}),
        ("papers at OceanConf in 2019", {TIDAL}),
    ],
)
def test_venues_with_and_without_a_year(facts, question, expected):
    assert listed(facts, question) == expected


def test_a_venue_the_papers_never_name_is_said_so(facts):
    answer = answer_question(facts, "was anything at CVPR?")
    assert answer.kind == "none" and render_answer(answer) == "No papers at CVPR here."


# --- counts and one paper's facts -----------------------------------------------------------------


def test_how_many_papers(facts):
    answer = answer_question(facts, "how many papers are there?")
    assert answer.kind == "papers" and len(answer.papers) == 4
    assert render_answer(answer).startswith("4 papers here:")
    by = answer_question(facts, "how many papers by Lena Okafor?")
    assert render_answer(by).startswith("2 papers by Lena Okafor:")


def test_who_wrote_a_paper_named_by_its_topic_gives_every_author(facts):
    answer = answer_question(facts, "who wrote the tidal gradients paper?")
    assert answer.kind == "paper" and titles(answer) == [TIDAL]
    assert "Authors: Åsa Lindqvist, Mateo Quiroga, Lena Okafor" in render_answer(answer)
    assert "et al." not in render_answer(answer)


def test_a_paper_named_by_a_fact(facts):
    answer = answer_question(facts, "where is the code of the OceanConf 2019 paper?")
    assert titles(answer) == [TIDAL]
    assert "Code: https://example.org/code/tidal" in render_answer(answer)


def test_a_paper_named_by_a_title_word(facts):
    answer = answer_question(facts, "arXiv link for the Sandbar paper")
    assert titles(answer) == [SANDBAR]
    assert "arXiv: https://arxiv.org/abs/2304.00003" in render_answer(answer)


def test_when_and_where_a_paper_appeared(facts):
    text = render_answer(answer_question(facts, "which venue published the kelp paper?"))
    assert text.startswith(KELP) and "Published: Journal of Invented Oceans, 2021" in text
    text = render_answer(answer_question(facts, "when was the sandbar paper published?"))
    assert "Published: 2023" in text and "An arXiv preprint: arXiv:2304.00003" in text


def test_a_missing_link_is_said_missing_never_invented(facts):
    text = render_answer(answer_question(facts, "what is the DOI of the kelp paper?"))
    assert "The corpus gives no DOI link for it." in text and "doi.org" not in text


def test_cite_a_paper_in_bibtex_or_apa(facts):
    bibtex = render_answer(answer_question(facts, "cite the kelp paper"))
    assert (
        "@article{quiroga2021kelp," in bibtex and "journal = {Journal of Invented Oceans}" in bibtex
    )
    apa = render_answer(answer_question(facts, "cite the sandbar paper in APA style"))
    assert "Lindqvist, Å., & Berglund, J. (2023). Sandbar Migration under Storm Waves." in apa


def test_the_paper_a_conversation_is_about_answers_a_fact_that_names_none(facts):
    answer = answer_question(facts, "who wrote the paper?", about=["kelp-canopies"])
    assert answer.kind == "paper" and titles(answer) == [KELP]
    assert "Authors: Mateo Quiroga, Priya Okafor" in render_answer(answer)


# --- content questions stay content questions -----------------------------------------------------


def test_content_questions_are_answered_with_passages(facts):
    answer = answer_question(facts, "how do sandbars move in storms?")
    plain = facts.ask("how do sandbars move in storms?")
    assert answer.kind == "passages"
    assert [(h.paper.id, h.sentence) for h in answer.hits] == [
        (h.paper.id, h.sentence) for h in plain.hits
    ]
    assert answer.papers == plain.papers


def test_two_topics_show_the_best_passages_of_each(facts):
    assert two_topics("kelp canopies vs plankton blooms?") == ("kelp canopies", "plankton blooms")
    assert two_topics("the difference between sandbars and tides") == ("sandbars", "tides")
    assert two_topics("how do sandbars move?") is None
    answer = answer_question(facts, "kelp canopies versus plankton blooms", top=2)
    assert {hit.paper.title for hit in answer.hits} == {KELP, PLANKTON}


def test_related_papers_are_only_those_not_shown_and_close_to_the_best(facts):
    answer = answer_question(facts, "salinity fronts", top=1)
    shown = {hit.paper.id for hit in answer.hits}
    best = answer.papers[0].score
    assert all(r.paper.id not in shown and r.score >= 0.5 * best for r in answer.related)
    text = render_answer(answer)
    if answer.related:
        assert text.splitlines()[-1].startswith("Related papers: ")
    else:
        assert "Related papers" not in text


def test_the_json_answer_has_its_kind_its_text_and_exactly_the_matching_papers(facts):
    answer = answer_question(facts, "papers by Mateo Quiroga")
    data = answer_json(answer, "q1")
    assert data["kind"] == "papers" and data["text"] == render_answer(answer)
    assert [p["title"] for p in data["papers"]] == [TIDAL, KELP] and data["hits"] == []
    assert answer_json(answer_question(facts, "how do sandbars move?"))["kind"] == "passages"


def test_links_go_with_every_paper_shown(facts):
    text = render_answer(answer_question(facts, "OceanConf papers"))
    for link in (
        "https://arxiv.org/abs/1901.00001",
        "https://doi.org/10.5555/tidal.2019.1",
        "https://example.org/tidal-gradients",
        "https://example.org/code/tidal",
    ):
        assert link in text
    passages = render_answer(answer_question(facts, "how do kelp canopies slow currents?"))
    assert "arXiv: https://arxiv.org/abs/2103.00002" in passages


# --- filters chosen one by one (/papers, paperbot papers) -----------------------------------------


def test_choose_by_author_venue_and_year(facts):
    catalogue = facts.catalogue()
    assert {p.title for p in choose(catalogue, author="lindqvist").papers} == {
        TIDAL,
        SANDBAR,
        PLANKTON,
    }
    chosen = choose(catalogue, author="Åsa Lindqvist", venue="OceanConf", year=2023)
    assert [p.title for p in chosen.papers] == [PLANKTON]
    assert chosen.described == "by Åsa Lindqvist, at OceanConf, from 2023"
    assert [p.title for p in choose(catalogue, venue="oceanconf 2019").papers] == [TIDAL]
    nobody = choose(catalogue, author="Geoffrey Hinton")
    assert nobody.papers == () and nobody.described == "by Geoffrey Hinton"


def test_autocomplete_of_authors_and_venues(facts):
    catalogue = facts.catalogue()
    assert author_choices(catalogue, "")[0] == "Åsa Lindqvist"  # the most papers first
    assert author_choices(catalogue, "okaf") == ["Lena Okafor", "Priya Okafor"]
    assert author_choices(catalogue, "asa") == ["Åsa Lindqvist"]
    assert venue_choices(catalogue, "") == [
        "OceanConf",
        "Journal of Invented Oceans",
        "OceanConf 2019",
        "OceanConf 2023",
    ]
    assert venue_choices(catalogue, "2023") == ["OceanConf 2023"]


# --- the bundled papers ---------------------------------------------------------------------------


def test_the_bundled_papers_facts_come_from_the_corpus(retriever):
    answer = answer_question(retriever, "papers at AAAI")
    assert [p.id for p in answer.shown_papers] == ["disentanglement-necessity"]
    wind = render_answer(answer_question(retriever, "arXiv link for the WIND paper"))
    assert "https://arxiv.org/abs/2410.20727" in wind
    assert render_answer(answer_question(retriever, "how many papers are there?")).startswith(
        "6 papers here:"
    )


def test_parse_keeps_the_topic_and_leaves_out_the_facts(facts):
    facets = parse(
        "Which papers did Lena Okafor write since 2020 on salinity fronts?", facts.catalogue()
    )
    assert facets.authors == ("Lena Okafor",)
    assert facets.years == YearRange(2020, None)
    assert facets.topic == "salinity fronts"
