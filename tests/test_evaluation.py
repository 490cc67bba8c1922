"""`paperbot eval` on small fixtures whose metrics are worked out by hand."""

import json
import math

import pytest

from bot.corpus.papers import Paper
from bot.evaluation.scoring import (
    BenchmarkQuery,
    BenchmarkSet,
    DevQuestion,
    DevSet,
    EvaluationInputError,
    FactQuestion,
    evaluate_benchmark,
    evaluate_dev,
    evaluate_facts,
    read_qrels,
    read_queries,
    read_sentence_lists,
    sentence_key,
)
from bot.index.answer import Answer, Hit, RankedPaper
from bot.index.documents import PaperText


def _paper(paper_id, title="T"):
    return PaperText.joined(Paper(id=paper_id, title=title, abstract="x"), title, ["x"])


def _answer(papers, sentences=()):
    """An answer ranking `papers` in order and showing `sentences` ((paper id, text) pairs)."""
    ranked = tuple(
        RankedPaper(rank=i, paper=_paper(p), score=10.0 - i) for i, p in enumerate(papers, 1)
    )
    hits = tuple(
        Hit(rank=i, paper=_paper(p), sentence=s, score=5.0 - i, matched_terms=(), highlights=())
        for i, (p, s) in enumerate(sentences, 1)
    )
    return Answer("q", hits=hits, papers=ranked)


def test_paper_metrics_match_hand_computed_values():
    # q1: the relevant paper is 2nd of 3; q2: both relevant papers, at ranks 1 and 3.
    answers = {
        "claim one": _answer(["x", "a", "y"]),
        "claim two": _answer(["b", "z", "c"]),
    }
    queries = [BenchmarkQuery("1", "claim one"), BenchmarkQuery("2", "claim two")]
    qrels = {"1": {"a": 1}, "2": {"b": 1, "c": 1}}
    report = evaluate_benchmark(answers.__getitem__, queries, qrels)
    ndcg_1 = 1 / math.log2(3)
    ndcg_2 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert report.ndcg_at_10 == pytest.approx((ndcg_1 + ndcg_2) / 2)
    assert report.mrr_at_10 == pytest.approx((1 / 2 + 1) / 2)
    assert report.recall_at_100 == pytest.approx(1.0)
    assert report.evidence_hit_at_1 is None


def test_a_relevant_paper_beyond_rank_ten_counts_for_recall_not_mrr():
    papers = [f"p{i}" for i in range(12)]
    report = evaluate_benchmark(
        lambda q: _answer(papers), [BenchmarkQuery("1", "q")], {"1": {"p11": 1}}
    )
    assert report.mrr_at_10 == 0.0
    assert report.ndcg_at_10 == 0.0
    assert report.recall_at_100 == 1.0


def test_an_empty_answer_scores_zero_instead_of_being_left_out():
    queries = [BenchmarkQuery("1", "found"), BenchmarkQuery("2", "nothing")]
    answers = {"found": _answer(["a"]), "nothing": Answer("nothing")}
    report = evaluate_benchmark(answers.__getitem__, queries, {"1": {"a": 1}, "2": {"b": 1}})
    assert report.queries == 2
    assert report.ndcg_at_10 == pytest.approx(0.5)


def test_evidence_hits_need_a_gold_sentence_of_a_gold_paper():
    sentences = {
        "a": ["Background here.", "The drug LOWERS risk.", "Other."],
        "b": ["The drug lowers risk."],
    }
    queries = [
        BenchmarkQuery("1", "top hit is evidence", {"a": (1,)}),
        BenchmarkQuery("2", "evidence at rank 2", {"a": (1,)}),
        BenchmarkQuery("3", "same words, wrong paper", {"a": (1,)}),
        BenchmarkQuery("4", "no evidence given"),
    ]
    answers = {
        "top hit is evidence": _answer(["a"], [("a", "The drug lowers risk!")]),
        "evidence at rank 2": _answer(["a"], [("a", "Other."), ("a", "The drug lowers risk.")]),
        "same words, wrong paper": _answer(["b"], [("b", "The drug lowers risk.")]),
        "no evidence given": _answer(["a"], [("a", "Other.")]),
    }
    qrels = {q.id: {"a": 1} for q in queries}
    report = evaluate_benchmark(answers.__getitem__, queries, qrels, sentences)
    assert report.evidence_queries == 3
    assert report.evidence_hit_at_1 == pytest.approx(1 / 3)
    assert report.evidence_hit_at_10 == pytest.approx(2 / 3)


def test_sentences_compare_on_words_only():
    assert sentence_key("The  drug, LOWERS risk!") == sentence_key("the drug lowers risk")
    assert sentence_key("ﬁne") == "fine"


def test_dev_questions_score_title_phrase_and_no_answer():
    title = "Faster WIND: Best-of-$N$"
    answers = {
        "good": Answer(
            "good",
            hits=(
                Hit(
                    1, _paper("w", "Faster WIND: Best-of-N"), "ranked by an attribute", 1.0, (), ()
                ),
            ),
        ),
        "wrong phrase": Answer(
            "wrong phrase",
            hits=(Hit(1, _paper("w", "Faster WIND: Best-of-N"), "other words", 1.0, (), ()),),
        ),
        "nothing": Answer("nothing"),
        "filler": Answer("filler", hits=(Hit(1, _paper("w"), "x", 1.0, (), ()),)),
    }
    # the corpus title is the source text; gold titles may carry the LaTeX too
    for hit_answer in ("good", "wrong phrase"):
        object.__setattr__(answers[hit_answer].hits[0].paper.record, "title", title)
    questions = [
        DevQuestion("d1", "good", (title,), "Ranked by"),
        DevQuestion("d2", "wrong phrase", (title,), "ranked by"),
        DevQuestion("o1", "nothing", (), None),
        DevQuestion("o2", "filler", (), None),
    ]
    report = evaluate_dev(answers.__getitem__, questions)
    assert (report.top1_title_hits, report.answerable) == (2, 2)
    assert (report.phrase_hits, report.with_phrase) == (1, 2)
    assert (report.no_answer_hits, report.unanswerable) == (1, 2)
    assert report.failures == ("d2", "o2")


def test_readers_take_beir_and_dev_formats(tmp_path):
    beir = tmp_path / "queries.jsonl"
    beir.write_text(
        json.dumps(
            {
                "_id": "7",
                "text": "A claim.",
                "metadata": {"42": [{"sentences": [2, 0], "label": "SUPPORT"}]},
            }
        )
        + "\n",
        encoding="utf-8",
    )
    assert read_queries(beir) == BenchmarkSet((BenchmarkQuery("7", "A claim.", {"42": (0, 2)}),))
    dev = tmp_path / "dev.jsonl"
    dev.write_text(
        json.dumps({"id": "d1", "question": "Q?", "titles": ["T"], "phrase": None}) + "\n"
    )
    assert read_queries(dev) == DevSet((DevQuestion("d1", "Q?", ("T",), None),))
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\n7\t42\t1\n7\t43\t0\n")
    assert read_qrels(qrels) == {"7": {"42": 1, "43": 0}}
    lists = tmp_path / "sentences.jsonl"
    lists.write_text(json.dumps({"doc_id": 42, "abstract": ["One.", "Two."]}) + "\n")
    assert read_sentence_lists(lists) == {"42": ["One.", "Two."]}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("q.jsonl", "", "no queries"),
        ("q.jsonl", "{nope\n", "q.jsonl:1: invalid JSON"),
        ("q.jsonl", '{"text": "no id"}\n', "q.jsonl:1: needs '_id' and 'text'"),
        (
            "r.tsv",
            "query-id\tcorpus-id\tscore\n1\t2\n",
            "r.tsv:2: expected query-id<TAB>corpus-id<TAB>score",
        ),
    ],
)
def test_bad_evaluation_files_name_the_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    reader = read_qrels if name.endswith(".tsv") else read_queries
    with pytest.raises(EvaluationInputError, match=message):
        reader(path)


def test_eval_command_on_a_small_benchmark(run_cli, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    docs = [
        (
            "d1",
            "Aspirin and heart attacks",
            "Aspirin lowers the risk of heart attacks. It thins blood.",
        ),
        (
            "d2",
            "Statins and cholesterol",
            "Statins lower cholesterol. Muscle pain is a side effect.",
        ),
        ("d3", "Sleep and memory", "Sleep consolidates memory. Naps help too."),
        ("d4", "Coffee and alertness", "Caffeine increases alertness. It wears off in hours."),
        ("d5", "Exercise and mood", "Running improves mood. Endorphins are released."),
    ]
    corpus.write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in docs)
    )
    queries = tmp_path / "queries.jsonl"
    claims = [
        (
            "1",
            "Aspirin reduces heart attack risk.",
            {"d1": [{"sentences": [0], "label": "SUPPORT"}]},
        ),
        ("2", "Statins cause muscle pain.", {"d2": [{"sentences": [1], "label": "SUPPORT"}]}),
    ]
    queries.write_text(
        "".join(json.dumps({"_id": i, "text": t, "metadata": m}) + "\n" for i, t, m in claims)
    )
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\n1\td1\t1\n2\td2\t1\n")
    sentences = tmp_path / "sentences.jsonl"
    sentences.write_text(
        "".join(json.dumps({"doc_id": i, "abstract": x.split(". ")}) + "\n" for i, _, x in docs)
    )
    args = ["eval", "--corpus", str(corpus), "--queries", str(queries), "--qrels", str(qrels)]
    result = run_cli(*args, "--sentences", str(sentences), "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["queries"] == 2 and figures["evidence_queries"] == 2
    assert figures["ndcg@10"] == 1.0 and figures["mrr@10"] == 1.0
    assert figures["evidence_hit@10"] == 1.0
    table = run_cli(*args).stdout
    assert "paper nDCG@10" in table and "1.000" in table
    missing = run_cli("eval", "--corpus", str(corpus), "--queries", str(queries))
    assert missing.returncode == 2 and "BEIR queries need --qrels FILE" in missing.stderr


def test_eval_command_on_dev_questions(run_cli, tmp_path):
    dev = tmp_path / "dev.jsonl"
    rows = [
        {
            "id": "a",
            "question": "What is BYOL?",
            "titles": [
                "The Mechanism of Prediction Head in Non-contrastive Self-supervised Learning"
            ],
            "phrase": "Bootstrap",
        },
        {"id": "b", "question": "how to bake bread", "titles": [], "phrase": None},
    ]
    dev.write_text("".join(json.dumps(r) + "\n" for r in rows))
    figures = json.loads(run_cli("eval", "--queries", str(dev), "--json").stdout)
    assert figures == {
        "questions": 2,
        "top1_title": 1.0,
        "phrase_top3": 1.0,
        "no_answer": 1.0,
        "failures": [],
    }


def test_eval_command_scores_conversations_on_their_last_turns(run_cli, tmp_path):
    talk = tmp_path / "talk.jsonl"
    rows = [
        {"id": "a1", "conversation": "a", "question": "what is GUM?"},
        {
            "id": "a2",
            "conversation": "a",
            "question": "who wrote it?",
            "expect": {"title": "What Matters In The Structured Pruning", "must": ["Yelong Shen"]},
        },
        {"id": "b1", "conversation": "b", "question": "What is BYOL?"},
        {
            "id": "b2",
            "conversation": "b",
            "question": "how to bake bread",
            "expect": {"none": True},
        },
        {"id": "c", "question": "who wrote it?", "expect": {"title": "Faster WIND"}},
        {"id": "d", "question": "what is BYOL?", "expect": {"phrase": "no such words"}},
    ]
    talk.write_text("".join(json.dumps(r) + "\n" for r in rows))
    figures = json.loads(run_cli("eval", "--queries", str(talk), "--json").stdout)
    assert figures["turns"] == 6 and figures["scored"] == 4 and figures["right"] == 2
    assert [f.split(":")[0] for f in figures["failures"]] == ["c", "d"]
    assert "lacks phrase 'no such words'" in figures["failures"][1]
    table = run_cli("eval", "--queries", str(talk)).stdout
    assert "answers right  2/4" in table


def test_fact_questions_are_scored_on_the_answer_text():
    questions = [
        FactQuestion("ok", "q1", ("Alpha",), ("Gamma",), "Beta"),
        FactQuestion("lacks", "q2", ("Delta",), (), None),
        FactQuestion("shows", "q3", (), ("gamma  paper",), None),
        FactQuestion("untitled", "q4", (), (), "Epsilon"),
    ]
    texts = {"q1": "alpha and BETA", "q2": "nothing", "q3": "the Gamma paper", "q4": "x"}
    report = evaluate_facts(texts.__getitem__, questions)
    assert report.to_json() == {
        "right": 1,
        "of": 4,
        "failed": [
            "lacks: lacks 'Delta'",
            "shows: shows 'gamma  paper'",
            "untitled: paper not named",
        ],
    }


def test_eval_command_on_fact_questions(run_cli, tmp_path):
    facts = tmp_path / "facts.jsonl"
    rows = [
        {
            "id": "f1",
            "question": "papers at ICML",
            "must": ["Toward Understanding the Feature Learning Process"],
            "must_not": ["Faster WIND"],
        },
        {"id": "f2", "question": "papers by Ada Lovelace", "must": ["Faster WIND"], "must_not": []},
        {
            "id": "f3",
            "question": "arXiv id of the WIND paper",
            "must": ["2410.20727"],
            "must_not": [],
            "title": "Faster WIND",
        },
    ]
    facts.write_text("".join(json.dumps(r) + "\n" for r in rows))
    figures = json.loads(run_cli("eval", "--queries", str(facts), "--json").stdout)
    assert figures == {"right": 2, "of": 3, "failed": ["f2: lacks 'Faster WIND'"]}
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x", "question": "q", "must": "not a list"}) + "\n")
    result = run_cli("eval", "--queries", str(bad))
    assert result.returncode == 2 and f"{bad}:1: needs 'question' text" in result.stderr
