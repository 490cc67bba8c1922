"""Measuring answer quality: BEIR-style benchmarks (SciFact) and the dev-question format.

Paper ranking is scored with trec_eval's own definitions (pytrec_eval): nDCG@10, Recall@100 and
MRR@10 (reciprocal rank over the first ten papers). Snippets are scored against gold evidence
sentences: a snippet counts when it is one of the gold evidence sentences of a gold paper,
compared on normalised text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from bot.corpus.jsonlines import json_objects, read_utf8
from bot.errors import PaperbotError
from bot.index.answer import Answer
from bot.text.cleaning import latex_to_text
from bot.text.normalise import WORD_CHARACTERS, normalise


class EvaluationInputError(PaperbotError):
    """An evaluation file cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class BenchmarkQuery:
    id: str
    text: str
    evidence: dict[str, tuple[int, ...]] = field(
        default_factory=dict
    )  # paper id -> sentence numbers


@dataclass(frozen=True)
class DevQuestion:
    id: str
    question: str
    titles: tuple[str, ...]
    phrase: str | None


@dataclass(frozen=True)
class Expectation:
    """What a scored turn's answer must be: its top paper, words in its text, or no answer."""

    title: str | None = None  # the top paper's title contains this
    phrase: str | None = None  # the answer's text contains this
    must: tuple[str, ...] = ()  # the answer's text contains each of these
    none: bool = False  # the papers have no answer


@dataclass(frozen=True)
class ConversationTurn:
    """One question of a conversation file; turns of one `conversation` are asked in order."""

    id: str
    conversation: str | None  # None: the question stands alone
    question: str
    expect: Expectation | None = None


@dataclass(frozen=True)
class ConversationReport:
    turns: int
    scored: int
    right: int
    failures: tuple[str, ...]  # "id: why"

    def to_json(self) -> dict[str, object]:
        return {
            "turns": self.turns,
            "scored": self.scored,
            "right": self.right,
            "failures": list(self.failures),
        }

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("turns asked", str(self.turns)),
            ("answers right", f"{self.right}/{self.scored}"),
            ("failures", "; ".join(self.failures) or "none"),
        ]


@dataclass(frozen=True)
class FactQuestion:
    """A question about the papers themselves, scored on the answer's text."""

    id: str
    question: str
    must: tuple[str, ...]  # strings the answer's text contains
    must_not: tuple[str, ...]  # titles it must not show
    title: str | None  # the paper it must name


@dataclass(frozen=True)
class FactReport:
    questions: int
    right: int
    failures: tuple[str, ...]  # "id: why"

    def to_json(self) -> dict[str, object]:
        return {"right": self.right, "of": self.questions, "failed": list(self.failures)}

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("questions", str(self.questions)),
            ("answered right", f"{self.right}/{self.questions}"),
            ("failures", "; ".join(self.failures) or "none"),
        ]


@dataclass(frozen=True)
class BenchmarkReport:
    queries: int
    ndcg_at_10: float
    recall_at_100: float
    mrr_at_10: float
    evidence_queries: int = 0
    evidence_hit_at_1: float | None = None
    evidence_hit_at_10: float | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "queries": self.queries,
            "ndcg@10": self.ndcg_at_10,
            "recall@100": self.recall_at_100,
            "mrr@10": self.mrr_at_10,
            "evidence_queries": self.evidence_queries,
            "evidence_hit@1": self.evidence_hit_at_1,
            "evidence_hit@10": self.evidence_hit_at_10,
        }

    def rows(self) -> list[tuple[str, str]]:
        rows = [
            ("queries", str(self.queries)),
            ("paper nDCG@10", f"{self.ndcg_at_10:.3f}"),
            ("paper Recall@100", f"{self.recall_at_100:.3f}"),
            ("paper MRR@10", f"{self.mrr_at_10:.3f}"),
        ]
        if self.evidence_hit_at_1 is not None:
            rows += [
                ("queries with evidence", str(self.evidence_queries)),
                ("evidence hit@1", f"{self.evidence_hit_at_1:.3f}"),
                ("evidence hit@10", f"{self.evidence_hit_at_10:.3f}"),
            ]
        return rows


@dataclass(frozen=True)
class DevReport:
    questions: int
    answerable: int
    top1_title_hits: int
    with_phrase: int
    phrase_hits: int
    unanswerable: int
    no_answer_hits: int
    failures: tuple[str, ...]

    @staticmethod
    def _rate(hits: int, total: int) -> float | None:
        return hits / total if total else None

    def to_json(self) -> dict[str, object]:
        return {
            "questions": self.questions,
            "top1_title": self._rate(self.top1_title_hits, self.answerable),
            "phrase_top3": self._rate(self.phrase_hits, self.with_phrase),
            "no_answer": self._rate(self.no_answer_hits, self.unanswerable),
            "failures": list(self.failures),
        }

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("questions", str(self.questions)),
            ("top-1 title right", f"{self.top1_title_hits}/{self.answerable}"),
            ("phrase in top 3", f"{self.phrase_hits}/{self.with_phrase}"),
            ("no-answer right", f"{self.no_answer_hits}/{self.unanswerable}"),
            ("failures", ", ".join(self.failures) or "none"),
        ]


Ask = Callable[[str], Answer]
_Item = TypeVar("_Item")


def sentence_key(text: str) -> str:
    """Text compared on words only: case, accents' forms, punctuation and spacing ignored."""
    return normalise(text, compatibility=True, words=WORD_CHARACTERS)


def _json_lines(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    return json_objects(read_utf8(path, EvaluationInputError), path, EvaluationInputError)


@dataclass(frozen=True)
class DevSet:
    """Dev questions: the titles expected on top, and a phrase in the answer."""

    questions: tuple[DevQuestion, ...]


@dataclass(frozen=True)
class FactSet:
    """Questions about the papers' facts: words the answer must show and must not."""

    questions: tuple[FactQuestion, ...]


@dataclass(frozen=True)
class ConversationSet:
    """Conversations: turns asked in order, some with what their answer must be."""

    turns: tuple[ConversationTurn, ...]


@dataclass(frozen=True)
class BenchmarkSet:
    """BEIR queries, scored against qrels."""

    queries: tuple[BenchmarkQuery, ...]


# What a queries file holds: one kind of query, told by its records.
QuerySet = DevSet | FactSet | ConversationSet | BenchmarkSet


def read_queries(path: Path) -> QuerySet:
    """BEIR queries (`_id`, `text`, optional SciFact `metadata`), dev questions (`titles`), fact
    questions (`must`, `must_not`, `title`) or conversations (`conversation`, and `expect` on the
    turns to score): the format is told by the file's records."""
    records = list(_json_lines(path))
    if not records:
        raise EvaluationInputError(f"{path}: no queries")
    if any("conversation" in record or "expect" in record for _, record in records):
        return ConversationSet(tuple(_conversation_turn(path, n, r) for n, r in records))
    if all("titles" in record for _, record in records):
        return DevSet(tuple(_dev_question(path, n, r) for n, r in records))
    if all("must" in record for _, record in records):
        return FactSet(tuple(_fact_question(path, n, r) for n, r in records))
    return BenchmarkSet(tuple(_benchmark_query(path, n, r) for n, r in records))


def _fact_question(path: Path, number: int, record: dict[str, Any]) -> FactQuestion:
    question = record.get("question")
    must, must_not = record.get("must"), record.get("must_not", [])
    title = record.get("title")
    if (
        not isinstance(question, str)
        or not _strings(must)
        or not _strings(must_not)
        or not (title is None or isinstance(title, str))
    ):
        raise EvaluationInputError(
            f"{path}:{number}: needs 'question' text, 'must' and 'must_not' lists of text, "
            "and 'title' text or nothing"
        )
    # Checked by _strings above; the casts tell mypy, which cannot narrow through it.
    return FactQuestion(
        str(record.get("id", number)),
        question,
        tuple(cast("list[str]", must)),
        tuple(cast("list[str]", must_not)),
        title or None,
    )


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def evaluate_facts(
    answer_text: Callable[[str], str], questions: Sequence[FactQuestion]
) -> FactReport:
    """Each answer's text must contain every `must`, no `must_not` and the `title` (compared
    without case or repeated spaces)."""

    right = 0
    failures: list[str] = []
    for question in questions:
        text = normalise(answer_text(question.question))
        why = [f"lacks {m!r}" for m in question.must if normalise(m) not in text]
        why += [f"shows {m[:30]!r}" for m in question.must_not if normalise(m) in text]
        if question.title and normalise(question.title) not in text:
            why.append("paper not named")
        if why:
            failures.append(f"{question.id}: " + "; ".join(why))
        else:
            right += 1
    return FactReport(len(questions), right, tuple(failures))


def _dev_question(path: Path, number: int, record: dict[str, Any]) -> DevQuestion:
    titles = record.get("titles")
    question = record.get("question")
    if not isinstance(question, str) or not isinstance(titles, list):
        raise EvaluationInputError(f"{path}:{number}: needs 'question' text and a 'titles' list")
    phrase = record.get("phrase")
    return DevQuestion(str(record.get("id", number)), question, tuple(titles), phrase or None)


def _conversation_turn(path: Path, number: int, record: dict[str, Any]) -> ConversationTurn:
    question = record.get("question", record.get("text"))
    if not isinstance(question, str):
        raise EvaluationInputError(f"{path}:{number}: needs 'question' text")
    conversation = record.get("conversation")
    expect = record.get("expect")
    if expect is not None and not isinstance(expect, dict):
        raise EvaluationInputError(f"{path}:{number}: 'expect' must be an object")
    expectation = None
    if expect is not None:
        must = expect.get("must", [])
        if not isinstance(must, list) or not all(isinstance(m, str) for m in must):
            raise EvaluationInputError(f"{path}:{number}: 'must' must be a list of strings")
        expectation = Expectation(
            title=expect.get("title") or None,
            phrase=expect.get("phrase") or None,
            must=tuple(must),
            none=bool(expect.get("none")),
        )
    return ConversationTurn(
        id=str(record.get("id", number)),
        conversation=None if conversation is None else str(conversation),
        question=question,
        expect=expectation,
    )


def _benchmark_query(path: Path, number: int, record: dict[str, Any]) -> BenchmarkQuery:
    query_id = record.get("_id", record.get("id"))
    text = record.get("text", record.get("question"))
    if query_id is None or not isinstance(text, str):
        raise EvaluationInputError(f"{path}:{number}: needs '_id' and 'text'")
    evidence: dict[str, tuple[int, ...]] = {}
    metadata = record.get("metadata") or {}
    if isinstance(metadata, dict):
        for paper_id, sets in metadata.items():
            if isinstance(sets, list):
                numbers = {
                    i for item in sets if isinstance(item, dict) for i in item.get("sentences", [])
                }
                evidence[str(paper_id)] = tuple(sorted(numbers))
    return BenchmarkQuery(str(query_id), text, evidence)


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """A BEIR qrels TSV (query-id, corpus-id, score) with a header line."""
    lines = read_utf8(path, EvaluationInputError).splitlines()
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(lines, start=1):
        fields = line.split("\t")
        if number == 1 and not fields[-1].strip().lstrip("-").isdigit():
            continue  # the header
        if not line.strip():
            continue
        if len(fields) != 3 or not fields[2].strip().lstrip("-").isdigit():
            raise EvaluationInputError(
                f"{path}:{number}: expected query-id<TAB>corpus-id<TAB>score"
            )
        qrels.setdefault(fields[0].strip(), {})[fields[1].strip()] = int(fields[2])
    if not qrels:
        raise EvaluationInputError(f"{path}: no judgements")
    return qrels


def read_sentence_lists(path: Path) -> dict[str, list[str]]:
    """SciFact's sentence lists: `{"doc_id", "abstract": [sentence, ...]}` per line."""
    lists: dict[str, list[str]] = {}
    for number, record in _json_lines(path):
        sentences = record.get("abstract", record.get("sentences"))
        doc_id = record.get("doc_id", record.get("_id", record.get("id")))
        if doc_id is None or not isinstance(sentences, list):
            raise EvaluationInputError(f"{path}:{number}: needs 'doc_id' and an 'abstract' list")
        lists[str(doc_id)] = [str(s) for s in sentences]
    return lists


def evaluate_benchmark(
    ask: Ask,
    queries: Sequence[BenchmarkQuery],
    qrels: dict[str, dict[str, int]],
    sentence_lists: dict[str, list[str]] | None = None,
    progress: Callable[[Sequence[BenchmarkQuery]], Iterable[BenchmarkQuery]] = lambda items: items,
) -> BenchmarkReport:
    """Ask each judged query once; score its paper ranking and, given gold sentences, snippets."""
    import pytrec_eval  # the trec_eval definitions of the measures

    judged = [q for q in queries if q.id in qrels]
    if not judged:
        raise EvaluationInputError("no query has relevance judgements in the qrels file")
    run: dict[str, dict[str, float]] = {}
    top10: dict[str, dict[str, float]] = {}
    evidence_at_1 = evidence_at_10 = evidence_queries = 0
    for query in progress(judged):
        answer = ask(query.text)
        ranking = {ranked.paper.id: ranked.score for ranked in answer.papers[:100]}
        run[query.id] = ranking
        top10[query.id] = {ranked.paper.id: ranked.score for ranked in answer.papers[:10]}
        gold = _gold_sentences(query, sentence_lists) if sentence_lists is not None else None
        if gold:
            evidence_queries += 1
            found = [(hit.paper.id, sentence_key(hit.sentence)) in gold for hit in answer.hits[:10]]
            evidence_at_1 += bool(found[:1] and found[0])
            evidence_at_10 += any(found)
    judged_qrels = {q.id: qrels[q.id] for q in judged}
    per_query = pytrec_eval.RelevanceEvaluator(
        judged_qrels, {"ndcg_cut.10", "recall.100"}
    ).evaluate(_with_every_query(run, judged_qrels))
    reciprocal = pytrec_eval.RelevanceEvaluator(judged_qrels, {"recip_rank"}).evaluate(
        _with_every_query(top10, judged_qrels)
    )

    def mean(values: Iterable[float]) -> float:
        values = list(values)
        return sum(values) / len(values)

    has_evidence = sentence_lists is not None and evidence_queries > 0
    return BenchmarkReport(
        queries=len(judged),
        ndcg_at_10=mean(m["ndcg_cut_10"] for m in per_query.values()),
        recall_at_100=mean(m["recall_100"] for m in per_query.values()),
        mrr_at_10=mean(m["recip_rank"] for m in reciprocal.values()),
        evidence_queries=evidence_queries,
        evidence_hit_at_1=evidence_at_1 / evidence_queries if has_evidence else None,
        evidence_hit_at_10=evidence_at_10 / evidence_queries if has_evidence else None,
    )


def _with_every_query(
    run: dict[str, dict[str, float]], qrels: dict[str, dict[str, int]]
) -> dict[str, dict[str, float]]:
    # trec_eval leaves out a query with no retrieved paper; it must count as a zero instead.
    missing_paper = "\x00none"
    return {qid: run.get(qid) or {missing_paper: 0.0} for qid in qrels}


def _gold_sentences(
    query: BenchmarkQuery, sentence_lists: dict[str, list[str]]
) -> set[tuple[str, str]]:
    gold = set()
    for paper_id, numbers in query.evidence.items():
        sentences = sentence_lists.get(paper_id, [])
        for number in numbers:
            if 0 <= number < len(sentences):
                gold.add((paper_id, sentence_key(latex_to_text(sentences[number]))))
    return gold


def evaluate_dev(ask: Ask, questions: Sequence[DevQuestion]) -> DevReport:
    """Top-1 title, phrase in the top 3 sentences, and "no answer" where the corpus has none."""
    answerable = top1 = with_phrase = phrase_hits = unanswerable = no_answer = 0
    failures: list[str] = []
    for question in questions:
        answer = ask(question.question)
        if not question.titles:
            unanswerable += 1
            ok = not answer.hits
            no_answer += ok
        else:
            answerable += 1
            gold = {_title_key(title) for title in question.titles}
            title_ok = bool(answer.hits) and _title_key(answer.hits[0].paper.record.title) in gold
            top1 += title_ok
            phrase_ok = True
            if question.phrase:
                with_phrase += 1
                wanted = question.phrase.casefold()
                phrase_ok = any(wanted in hit.sentence.casefold() for hit in answer.hits[:3])
                phrase_hits += phrase_ok
            ok = title_ok and phrase_ok
        if not ok:
            failures.append(question.id)
    return DevReport(
        questions=len(questions),
        answerable=answerable,
        top1_title_hits=top1,
        with_phrase=with_phrase,
        phrase_hits=phrase_hits,
        unanswerable=unanswerable,
        no_answer_hits=no_answer,
        failures=tuple(failures),
    )


def _title_key(title: str) -> str:
    return sentence_key(latex_to_text(title))


def progress_bar(items: Sequence[_Item]) -> Iterable[_Item]:
    """A progress bar on stderr when it is a terminal (tqdm leaves pipes and logs clean)."""
    from tqdm import tqdm

    return tqdm(items, desc="questions", unit="q", disable=None, leave=False)


def render_table(rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


AskInConversation = Callable[[str, Sequence[Answer]], Answer]


def evaluate_conversations(
    ask: AskInConversation, turns: Sequence[ConversationTurn], text: Callable[[Answer], str]
) -> ConversationReport:
    """Ask every turn in file order, each with the earlier answers of its conversation, and
    score the turns that carry an expectation (`text` is the answer as a person reads it)."""
    earlier: dict[str, list[Answer]] = {}
    scored = right = 0
    failures: list[str] = []
    for turn in turns:
        history = earlier.setdefault(turn.conversation, []) if turn.conversation else []
        answer = ask(turn.question, tuple(history))
        history.append(answer)
        if turn.expect is None:
            continue
        scored += 1
        why = _unmet(turn.expect, answer, text(answer))
        if why:
            failures.append(f"{turn.id}: {'; '.join(why)}")
        else:
            right += 1
    return ConversationReport(len(turns), scored, right, tuple(failures))


def _unmet(expect: Expectation, answer: Answer, text: str) -> list[str]:
    """What `answer` fails of `expect` (compared without case and runs of spaces)."""
    shown = normalise(text)
    why = [f"lacks {wanted!r}" for wanted in expect.must if normalise(wanted) not in shown]
    if expect.phrase and normalise(expect.phrase) not in shown:
        why.append(f"lacks phrase {expect.phrase!r}")
    if expect.title:
        top = answer.hits[0].paper if answer.hits else None
        top = top or (answer.papers[0].paper if answer.papers else None)
        top_title = top.record.title if top else ""
        if normalise(expect.title) not in normalise(top_title):
            why.append(f"top is {top_title[:40]!r}")
    if expect.none and (answer.hits or answer.papers):
        why.append("answered a question the papers cannot")
    return why
