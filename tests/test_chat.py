"""Chat: greetings, thanks, lists, summaries, comparisons, a paper to read, and "more"."""

from __future__ import annotations

import json

import pytest

from bot.answering.chat import TOPICS_LISTED, key_terms, read_chat
from bot.answering.conversation import Turn, answer_in_conversation, turn_of
from bot.answering.questions import answer_question
from bot.corpus.papers import Corpus, Paper
from bot.discord_app.more import answer_more_id
from bot.index.retriever import Retriever
from bot.render import discord_reply
from bot.render.plain import answer_json, render_answer

# Invented papers: each abstract opens with background and then says what the paper does.
PAPERS = (
    Paper(
        id="glaciers",
        title="Meltwater Channels Speed Up Alpine Glaciers",
        abstract=(
            "Mountain ice has thinned for decades. Field campaigns are costly and rare. "
            "Meltwater channels form under alpine glaciers each summer. "
            "We measure glacier speed with radar over five summers. "
            "Our results show that meltwater channels double the sliding speed in August. "
            "We release the radar archive."
        ),
        authors=("Ines Moreau", "Tomas Berg"),
        year=2022,
        venue="GlacierConf 2022",
    ),
    Paper(
        id="moraines",
        title="Dating Moraines with Lichen Growth",
        abstract=(
            "Moraines record where glaciers once stood. Dating them is slow. "
            "We date moraines from the growth of lichen on their boulders. "
            "Lichen dating agrees with radiocarbon ages within a decade. "
            "Alpine glaciers retreated fastest after 1850."
        ),
        authors=("Tomas Berg",),
        year=2020,
    ),
    Paper(
        id="avalanches",
        title="Predicting Avalanches from Snowpack Sensors",
        abstract=(
            "Avalanches kill hundreds of people every winter. Forecasts rely on manual pits. "
            "We predict avalanches from buried snowpack sensors with a gradient boosted model. "
            "The model warns a day ahead with few false alarms. "
            "Sensor drift in spring remains a problem."
        ),
        authors=("Ines Moreau",),
        year=2024,
    ),
)
OWNER = "Tomas Berg"


@pytest.fixture(scope="module")
def mountains() -> Retriever:
    return Retriever(Corpus(PAPERS, owner=OWNER))


def sentences_of(answer) -> list[str]:
    return [hit.sentence for hit in answer.hits]


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("hi", "hello"),
        ("Hello!", "hello"),
        ("hello, what can you do?", "hello"),
        ("hey paperbot, how does this work?", "hello"),
        ("help", "hello"),
        ("What can you do?", "hello"),
        ("thanks", "thanks"),
        ("Thank you so much!", "thanks"),
        ("great, thanks", "thanks"),
        ("ok", "ack"),
        ("got it.", "ack"),
        ("👍", "ack"),
        ("more", "more"),
        ("tell me more", "more"),
        ("?", "more"),
        ("list the papers", "papers"),
        ("What papers do you know?", "papers"),
        ("show me all the papers", "papers"),
        ("what topics do they cover?", "topics"),
        ("What are the papers about?", "topics"),
        ("summarize the lichen paper", "summary"),
        ("tl;dr of the lichen paper", "summary"),
        ("the gist of the lichen paper", "summary"),
        ("compare the lichen paper and the radar paper", "compare"),
        ("how does the lichen paper differ from the radar paper?", "compare"),
        ("what do the lichen paper and the radar paper have in common?", "compare"),
        ("compare the two glacier papers", "compare"),
        ("which paper should I read to understand avalanches?", "recommend"),
        ("any paper on snow?", "recommend"),
        ("I want to date a moraine, which of these papers should I read?", "recommend"),
        ("what can you help me with?", "hello"),
        ("ok, thank you", "thanks"),
        ("👍 thanks!", "thanks"),
        ("show more", "more"),
        ("what are the main topics?", "topics"),
        ("what is the lichen paper about?", "summary"),
        ("give me an overview of the radar paper", "summary"),
        ("how are the lichen paper and the radar paper different?", "compare"),
        ("what's the difference between the lichen paper and the radar paper?", "compare"),
        ("do you have anything on avalanches?", "recommend"),
        ("which paper should I read first?", "papers"),
        ("what's up", "hello"),
        ("what papers are in here?", "papers"),
        ("what subjects are covered?", "topics"),
        ("what are the research topics?", "topics"),
        ("I'm new to glaciers, where should I start?", "recommend"),
        ("where should I start on avalanches?", "recommend"),
        ("thanks, that helps!", "thanks"),
        ("can you elaborate?", "more"),
        ("more on that", "more"),
    ],
)
def test_chat_is_read_for_what_it_asks(message, intent):
    request = read_chat(message)
    assert request is not None and request.intent == intent


@pytest.mark.parametrize(
    "question",
    [
        "what is lichen dating?",
        "hello, how fast do alpine glaciers slide?",
        "who wrote the lichen paper?",
        "what is the difference between moraines and glaciers?",
        "what areas of the glacier slide fastest?",
        "what is lichen about?",
        "thanks to meltwater, do glaciers slide faster?",
        "more " * 200,
    ],
)
def test_questions_on_the_papers_are_not_chat(question):
    assert read_chat(question) is None


def test_a_greeting_says_whose_papers_how_many_and_three_questions_that_work(mountains):
    answer = answer_question(mountains, "hi")
    text = render_answer(answer)
    assert answer.kind == "chat"
    assert f"{OWNER}'s 3 papers" in text
    examples = [line[2:] for line in text.splitlines() if line.startswith("• ")]
    assert len(examples) == 3
    for example in examples:
        assert answer_question(mountains, example).kind not in ("none", "chat"), example


def test_thanks_in_a_conversation_is_acknowledged_not_searched(mountains):
    first = answer_in_conversation(mountains, "how fast do glaciers slide in August?")
    thanks = answer_in_conversation(mountains, "thanks!", [turn_of(first)])
    assert thanks.kind == "chat" and thanks.found
    assert "Nothing" not in render_answer(thanks) and "welcome" in render_answer(thanks)


@pytest.mark.parametrize("message", ["ok", "👍"])
def test_ok_or_an_emoji_gets_one_line_at_most(mountains, message):
    assert len(render_answer(answer_question(mountains, message)).splitlines()) <= 1


def test_list_the_papers_lists_every_paper(mountains):
    answer = answer_question(mountains, "list the papers")
    assert answer.kind == "papers"
    assert {r.paper.id for r in answer.papers} == {p.id for p in PAPERS}


def test_topics_are_each_papers_own_distinctive_words(mountains):
    answer = answer_question(mountains, "what topics do they cover?")
    assert answer.kind == "topics" and len(answer.papers) == len(PAPERS)
    text = render_answer(answer)
    for ranked in answer.papers:
        assert ranked.terms and ranked.paper.title in text
        own = (ranked.paper.title + " " + ranked.paper.abstract).lower()
        others = " ".join(p.abstract.lower() for p in PAPERS if p.id != ranked.paper.id)
        for term in ranked.terms:
            assert term.lower() in own
        assert any(term.lower() not in others for term in ranked.terms)
    assert json.loads(json.dumps(answer_json(answer)))["papers"][0]["terms"]


def test_key_terms_leave_out_words_most_papers_use(mountains):
    moraines = mountains.paper("moraines")
    assert moraines is not None
    assert "glaciers" not in [term.lower() for term in key_terms(mountains, moraines)]


def test_a_summary_is_what_the_paper_contributes_in_the_abstracts_order(mountains):
    answer = answer_question(mountains, "summarize the radar paper")
    assert answer.kind == "summary"
    assert [p.id for p in answer.shown_papers] == ["glaciers"]
    said = sentences_of(answer)
    abstract = PAPERS[0].abstract
    assert said == sorted(said, key=abstract.index)
    assert "Mountain ice has thinned for decades." not in said  # the opening background
    assert "We measure glacier speed with radar over five summers." in said
    assert "Our results show that meltwater channels double the sliding speed in August." in said
    assert PAPERS[0].title in render_answer(answer)


def test_summarize_it_summarises_the_conversations_paper(mountains):
    first = answer_in_conversation(mountains, "how old are the moraines by lichen dating?")
    answer = answer_in_conversation(mountains, "tl;dr of it", [turn_of(first)])
    assert answer.kind == "summary"
    assert [p.id for p in answer.shown_papers] == ["moraines"]


@pytest.mark.parametrize(
    "question",
    [
        "compare the lichen paper and the radar paper",
        "how does the lichen paper differ from the radar paper?",
        "what do the lichen paper and the radar paper have in common?",
    ],
)
def test_a_comparison_shows_both_papers_each_with_its_own_sentences(mountains, question):
    answer = answer_question(mountains, question)
    assert answer.kind == "comparison"
    assert {p.id for p in answer.shown_papers} == {"moraines", "glaciers"}
    for hit in answer.hits:
        assert hit.sentence in hit.paper.abstract
    text = render_answer(answer)
    assert PAPERS[0].title in text and PAPERS[1].title in text


def test_compare_the_two_papers_on_a_topic_takes_the_two_best_for_it(mountains):
    answer = answer_question(mountains, "compare the two glacier papers")
    assert answer.kind == "comparison"
    assert {p.id for p in answer.shown_papers} == {"moraines", "glaciers"}


def test_a_paper_to_read_is_one_paper_with_the_sentence_that_makes_it_so(mountains):
    answer = answer_question(mountains, "which paper should I read to understand avalanches?")
    assert answer.kind == "recommendation"
    assert [p.id for p in answer.shown_papers] == ["avalanches"]
    assert len(answer.hits) == 1 and "avalanches" in answer.hits[0].sentence.lower()
    text = render_answer(answer)
    assert PAPERS[2].title in text
    assert all(p.title not in text for p in PAPERS[:2])


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("I'm new to Alpine Glaciers, where should I start?", "Alpine Glaciers"),
        ("I want to date a Moraine, which of these papers should I read?", "date a Moraine"),
        ("any paper on snowpack sensors?", "snowpack sensors"),
    ],
)
def test_the_topic_to_read_on_is_kept_as_typed_without_the_asking(message, topic):
    request = read_chat(message)
    assert request is not None and request.first == topic


def test_a_paper_to_read_on_what_no_paper_covers_is_none(mountains):
    answer = answer_question(mountains, "any paper on sourdough?")
    assert answer.kind == "none" and "sourdough" in (answer.message or "")


@pytest.mark.parametrize("more", ["more", "tell me more", "?"])
def test_more_shows_the_next_passages_never_those_shown(mountains, more):
    turns: list[Turn] = []
    seen: set[str] = set()
    answer = answer_in_conversation(mountains, "glaciers", turns, top=2)
    while answer.kind == "passages":
        shown = set(sentences_of(answer))
        assert shown and not shown & seen
        seen |= shown
        turns.append(turn_of(answer))
        answer = answer_in_conversation(mountains, more, turns, top=2)
        turns.append(turn_of(answer))
        if answer.kind == "passages":
            assert answer.more_of == "glaciers"
    assert answer.kind == "chat" and len(seen) > 2


def test_more_goes_on_after_thanks_or_ok(mountains):
    first = answer_in_conversation(mountains, "glaciers", top=1)
    turns = [turn_of(first), turn_of(answer_in_conversation(mountains, "ok", [turn_of(first)]))]
    more = answer_in_conversation(mountains, "more", turns, top=1)
    assert more.kind == "passages" and sentences_of(more) != sentences_of(first)


def test_more_with_nothing_asked_before_says_to_ask_first(mountains):
    answer = answer_in_conversation(mountains, "more")
    assert answer.kind == "chat" and "question" in (answer.message or "")


def test_json_kind_names_the_new_kinds(mountains):
    kinds = {
        answer_json(answer_question(mountains, q))["kind"]
        for q in ("hi", "summarize the radar paper", "any paper on avalanches?")
    }
    assert kinds == {"chat", "summary", "recommendation"}


def test_discord_shows_chat_as_text_and_the_others_as_embeds(mountains):
    hello = discord_reply.answer_reply(answer_question(mountains, "hello"))
    assert hello.embed is None and f"{OWNER}" in hello.content
    topics = discord_reply.answer_reply(answer_question(mountains, "what topics do they cover?"))
    assert topics.embed is not None and "key terms" in topics.embed.description
    summary = answer_question(mountains, "summarize the radar paper")
    embed = discord_reply.answer_reply(summary).embed
    assert embed is not None and "What it contributes" in embed.description
    assert "We measure glacier speed" in embed.description


def test_discord_offers_no_more_button_under_chats_own_answers(mountains):
    summary = answer_question(mountains, "summarize the radar paper", top=1)
    assert answer_more_id(summary, 1) is None
    passages = answer_question(mountains, "glaciers", top=1)
    assert answer_more_id(passages, 1) is not None


def test_topics_of_a_long_list_name_the_first_few_and_how_many_there_are():
    many = Corpus(
        tuple(
            Paper(id=f"p{n}", title=f"Survey number {n} of rivers", abstract=f"We map river {n}.")
            for n in range(TOPICS_LISTED + 5)
        )
    )
    answer = answer_question(Retriever(many), "what topics do they cover?")
    assert len(answer.papers) == TOPICS_LISTED
    first_line = render_answer(answer).splitlines()[0]
    assert (
        first_line
        == f"The first {TOPICS_LISTED} of {TOPICS_LISTED + 5} papers, with their key terms:"
    )
