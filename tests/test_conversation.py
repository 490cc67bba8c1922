"""Follow-up questions: what a question in a conversation is about, and the memory of turns."""

from __future__ import annotations

import pytest

from bot.answering.conversation import (
    FollowUp,
    Turn,
    answer_in_conversation,
    focus_of,
    more_passages,
    points_back,
    resolve,
    turn_of,
)
from bot.answering.conversation_memory import Conversations
from bot.corpus.papers import Corpus, Paper
from bot.index.retriever import Retriever

# A small corpus of its own: every paper shares the generic words (model, learning, results),
# and each has a topic no other paper mentions.
PAPERS = (
    Paper(
        id="folding",
        title="Protein Folding with Attention",
        abstract=(
            "We study protein folding with attention models. Our learning method predicts "
            "residue contacts from sequences. The results show that contact maps improve "
            "structure accuracy. We assume sequences come from one protein family."
        ),
        authors=("Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"),
        year=2021,
        venue="ICML 2021",
        arxiv="2101.00001",
    ),
    Paper(
        id="pruning",
        title="Pruning Sparse Language Models",
        abstract=(
            "We prune language models to sparse subnetworks. Our learning method removes heads "
            "with low saliency. The results show that magnitude pruning keeps accuracy at half "
            "the size. Saliency scores are cheap to compute."
        ),
        authors=("Barbara Liskov",),
        year=2023,
    ),
    Paper(
        id="weather",
        title="Forecasting Rainfall from Radar",
        abstract=(
            "We forecast rainfall from radar images with a convolutional model. Our learning "
            "method nowcasts storms an hour ahead. The results show fewer false alarms than "
            "optical flow baselines."
        ),
        authors=("Katherine Johnson",),
        year=2024,
    ),
)


@pytest.fixture(scope="module")
def small() -> Retriever:
    return Retriever(Corpus(PAPERS))


def after(small: Retriever, question: str) -> tuple[Turn, ...]:
    return (turn_of(answer_in_conversation(small, question)),)


@pytest.mark.parametrize(
    "question",
    [
        "who wrote it?",
        "What do they assume?",
        "is this paper on arXiv?",
        "where was that one published",
        "Who are the authors?",
        "what is the main result?",
        "where is the code?",
        "what did the paper find",
        "what are the limitations?",
        "What assumptions are made?",
    ],
)
def test_a_question_pointing_back_or_without_a_topic_follows_up(small, question):
    turns = after(small, "how are residue contacts predicted?")
    assert turns[0].focus == ("folding",)
    assert resolve(small, question, turns).about == ("folding",)


def test_generic_words_of_this_corpus_are_no_topic(small):
    # "learning method" and "results" are in every paper here: they narrow nothing down.
    turns = after(small, "what does saliency measure?")
    assert resolve(small, "and the learning method results?", turns).about == ("pruning",)


@pytest.mark.parametrize(
    "question", ["what about the rainfall paper?", "how about the radar one?", "radar storms"]
)
def test_a_question_naming_another_paper_switches_to_it(small, question):
    turns = after(small, "how are residue contacts predicted?")
    follow_up = resolve(small, question, turns)
    assert follow_up == FollowUp(question, (), follow_up.note)
    answer = answer_in_conversation(small, question, turns)
    assert answer.hits[0].paper.id == "weather" and answer.following == ()


def test_a_pronoun_with_another_papers_topic_switches_when_the_followed_paper_lacks_it(small):
    turns = after(small, "how are residue contacts predicted?")
    assert resolve(small, "do they prune saliency heads?", turns).about == ()
    assert resolve(small, "do they predict contacts?", turns).about == ("folding",)


@pytest.mark.parametrize(
    "question", ["which papers are from 2023?", "how many papers are there?", "list all the papers"]
)
def test_a_question_about_the_papers_in_general_stands_alone(small, question):
    turns = after(small, "how are residue contacts predicted?")
    assert resolve(small, question, turns).about == ()
    assert resolve(small, "what are their papers about?", turns).about == ("folding",)


def test_a_topic_inside_the_followed_paper_stays_with_it(small):
    turns = after(small, "how are residue contacts predicted?")
    assert resolve(small, "protein family sequences", turns).about == ("folding",)


@pytest.mark.parametrize("question", ["Who won the 2022 world cup?", "best pizza in naples"])
def test_a_question_the_papers_cannot_answer_stays_unanswered(small, question):
    turns = after(small, "how are residue contacts predicted?")
    assert resolve(small, question, turns).about == ()
    assert not answer_in_conversation(small, question, turns).found


def test_without_a_previous_answer_every_question_stands_alone(small):
    assert resolve(small, "who wrote it?", ()) == FollowUp("who wrote it?")
    nothing = (turn_of(answer_in_conversation(small, "who won the world cup?")),)
    assert nothing[0].focus == ()
    assert resolve(small, "who wrote it?", nothing).about == ()


def test_a_follow_up_follows_the_latest_answer_not_the_first(small):
    turns = after(small, "how are residue contacts predicted?")
    turns += (turn_of(answer_in_conversation(small, "what does saliency measure?", turns)),)
    assert [turn.focus for turn in turns] == [("folding",), ("pruning",)]
    assert resolve(small, "who wrote it?", turns).about == ("pruning",)


def test_an_unanswered_turn_keeps_the_earlier_context(small):
    turns = after(small, "what does saliency measure?")
    turns += (turn_of(answer_in_conversation(small, "who won the world cup?", turns)),)
    assert resolve(small, "who wrote it?", turns).about == ("pruning",)


def test_a_follow_up_searches_only_its_papers_and_names_them(small):
    turns = after(small, "what does saliency measure?")
    answer = answer_in_conversation(small, "what do the results show?", turns)
    assert [paper.id for paper in answer.following] == ["pruning"]
    assert answer.hits and {hit.paper.id for hit in answer.hits} == {"pruning"}
    assert {ranked.paper.id for ranked in answer.papers} == {"pruning"}
    alone = answer_in_conversation(small, "what do the results show?")
    assert {hit.paper.id for hit in alone.hits} != {"pruning"}


def test_a_follow_up_that_matches_no_sentence_still_names_its_paper(small):
    turns = after(small, "how are residue contacts predicted?")
    answer = answer_in_conversation(small, "who wrote it?", turns)
    assert not answer.hits
    assert [ranked.paper.id for ranked in answer.papers] == ["folding"]
    assert turn_of(answer).focus == ("folding",)


def test_only_restricts_hits_and_papers(small):
    answer = small.ask("learning method results", top=5, only={"weather", "pruning"})
    assert answer.hits and {hit.paper.id for hit in answer.hits} <= {"weather", "pruning"}
    assert {ranked.paper.id for ranked in answer.papers} == {"weather", "pruning"}
    assert not small.ask("learning method results", only=()).found
    assert small.ask("protein folding", only={"weather"}).hits == ()


def test_more_passages_continue_where_the_answer_stopped(small):
    first = small.ask("learning method results show", top=2)
    more = more_passages(small, "learning method results show", shown=2, top=2)
    everything = small.ask("learning method results show", top=4)
    assert [h.sentence for h in more.hits] == [h.sentence for h in everything.hits[2:4]]
    assert [h.rank for h in more.hits] == [3, 4]
    assert not {h.sentence for h in first.hits} & {h.sentence for h in more.hits}
    kept = more_passages(small, "learning method results", about=["pruning"], shown=1, top=2)
    assert kept.hits and {hit.paper.id for hit in kept.hits} == {"pruning"}


def test_the_focus_is_the_top_paper_and_papers_nearly_as_good(small):
    answer = small.ask("protein folding attention", top=3)
    assert focus_of(answer) == ("folding",)
    assert focus_of(small.ask("who won the world cup")) == ()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("who wrote it?", True),
        ("What are their results", True),
        ("is that paper on arXiv", True),
        ("and this one?", True),
        ("what about that?", True),
        ("what is protein folding?", False),
        ("which paper shows that pruning keeps accuracy", False),
        ("what about the pruning paper?", False),
    ],
)
def test_pointing_back(question, expected):
    assert points_back(question) is expected


# --- Memory -----------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_conversations_are_per_key_and_keep_their_last_turns():
    memory = Conversations(turns_kept=2)
    alice, bob = (1, 10), (2, 10)
    for number in range(3):
        memory.add(alice, Turn(f"q{number}", ("a",)))
    memory.add(bob, Turn("theirs", ("b",)))
    assert [turn.question for turn in memory.turns(alice)] == ["q1", "q2"]
    assert [turn.question for turn in memory.turns(bob)] == ["theirs"]
    assert memory.turns((1, 11)) == ()


def test_a_conversation_ends_some_time_after_its_last_turn():
    clock = Clock()
    memory = Conversations(max_age=60, clock=clock)
    memory.add("k", Turn("q", ("a",)))
    clock.now = 50
    memory.add("k", Turn("q2", ("a",)))
    clock.now = 100  # 50 s after the last turn: still going
    assert len(memory.turns("k")) == 2
    clock.now = 111
    assert memory.turns("k") == () and len(memory) == 0


def test_the_oldest_conversations_are_forgotten_beyond_capacity():
    memory = Conversations(capacity=2)
    memory.add("a", Turn("q", ()))
    memory.add("b", Turn("q", ()))
    memory.add("a", Turn("again", ()))  # "a" is now the most recent
    memory.add("c", Turn("q", ()))
    assert memory.turns("b") == () and len(memory.turns("a")) == 2 and len(memory) == 2


def test_a_conversation_can_end():
    memory = Conversations()
    memory.add("k", Turn("old", ("a",)))
    memory.add("other", Turn("theirs", ("b",)))
    memory.end("k")
    assert memory.turns("k") == () and len(memory.turns("other")) == 1


def test_asking_for_an_identifier_follows_up_on_the_previous_paper(small):
    turns = after(small, "how do you prune language models?")
    follow_up = resolve(small, "and the arxiv id?", turns)
    assert follow_up.about == ("pruning",)


def test_a_pronoun_question_stays_when_its_words_name_no_other_paper_by_title(small):
    # "storms" is in the weather paper's abstract, not in any title: "they" still means the
    # previous answer's paper.
    turns = after(small, "how do you prune language models?")
    assert resolve(small, "what do they say about storms?", turns).about == ("pruning",)
    # A title word of another paper switches to it.
    assert resolve(small, "and what about their rainfall radar?", turns).about == ()


def test_a_follow_up_no_sentence_answers_shows_its_papers_main_sentences(small):
    turns = after(small, "how do you prune language models?")
    answer = answer_in_conversation(small, "what do they say about storms?", turns)
    assert [paper.id for paper in answer.following] == ["pruning"]
    assert answer.hits and {hit.paper.id for hit in answer.hits} == {"pruning"}
    assert answer.question == "what do they say about storms?" and answer.searched_for is None
