"""Answers open to votes: one vote per person per answer, closed after a day, a bounded number."""

import re

from bot.corpus.papers import Paper
from bot.discord_app.ballots import KEY_PATTERN, Ballot, Ballots, Outcome
from bot.feedback.store import Shown
from bot.index.answer import Answer, Hit
from bot.index.documents import prepare

ALICE, BOB = 1, 2


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _answer(question="what is byol?"):
    paper = prepare(Paper(id="byol", title="BYOL", abstract="One sentence. Two."))
    return Answer(question, hits=(Hit(1, paper, "One sentence.", 2.0, ("sentence",), ()),))


def test_a_vote_counts_with_the_question_and_the_snippets_shown():
    ballots = Ballots()
    key = ballots.open(_answer())
    assert re.fullmatch(KEY_PATTERN, key)
    cast = ballots.cast(key, ALICE)
    assert cast.outcome is Outcome.COUNTED
    assert cast.ballot == Ballot("what is byol?", (Shown("byol", "One sentence."),))


def test_one_person_counts_once_per_answer_whichever_button_they_click_again():
    ballots = Ballots()
    first, second = ballots.open(_answer()), ballots.open(_answer())
    assert ballots.cast(first, ALICE).outcome is Outcome.COUNTED
    assert ballots.cast(first, ALICE) == ballots.cast(first, ALICE)
    assert ballots.cast(first, ALICE).outcome is Outcome.REPEATED
    assert ballots.cast(first, BOB).outcome is Outcome.COUNTED  # others still count
    assert ballots.cast(second, ALICE).outcome is Outcome.COUNTED  # and so do other answers


def test_an_unknown_key_is_closed_as_after_a_restart():
    assert Ballots().cast("A" * 12, ALICE).outcome is Outcome.CLOSED


def test_voting_closes_after_max_age():
    clock = Clock()
    ballots = Ballots(max_age=60, clock=clock)
    old = ballots.open(_answer())
    clock.now += 30
    newer = ballots.open(_answer())
    clock.now += 31
    assert ballots.cast(old, ALICE).outcome is Outcome.CLOSED
    assert ballots.cast(newer, ALICE).outcome is Outcome.COUNTED
    assert len(ballots) == 1


def test_the_oldest_answers_close_once_capacity_is_reached():
    ballots = Ballots(capacity=3)
    keys = [ballots.open(_answer(f"question {n}")) for n in range(5)]
    assert len(ballots) == 3
    assert [ballots.cast(key, ALICE).outcome for key in keys] == [
        Outcome.CLOSED,
        Outcome.CLOSED,
        Outcome.COUNTED,
        Outcome.COUNTED,
        Outcome.COUNTED,
    ]
