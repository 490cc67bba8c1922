"""How `RankingParams` were chosen: a grid over SciFact's training split, checked by two folds.

    .venv/bin/python benchmarks/tune_ranking.py --scifact ../shared/eval/scifact

Every figure comes from the product's own path (`Retriever.ask` and `bot.evaluation.scoring`).
The index
parameters (BM25 k1 and b of the sentence and paper indexes, the title weight) are tried first,
with the default combination; then the combination (paper share, position weight, neighbour
share) over the best index; then the weight of a hyphenated word's joined form in questions.
Paper parameters and the question weighting are judged by paper nDCG@10, sentence parameters and
the combination by evidence hit@1 (hit@10 breaks ties).

The claims are split into two halves by id. For each stage the script prints every setting's
figures on both halves and on all claims, then the best setting chosen on one half as measured on
the other: if those agree, the choice is not an accident of the questions. A few minutes on two
cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
import time
from itertools import product
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.corpus.papers import load_corpus  # noqa: E402
from bot.evaluation import scoring as evaluation  # noqa: E402
from bot.index.retriever import RankingParams, Retriever, build_parts  # noqa: E402

SENTENCE_BM25 = [(0.9, 0.3), (1.2, 0.5), (1.5, 0.75)]
PAPER_BM25 = [(1.2, 0.6), (1.4, 0.7), (1.5, 0.75)]
TITLE_WEIGHTS = [1, 2, 3]
PAPER_SHARES = [1.0, 1.5, 2.0, 2.5]
POSITION_WEIGHTS = [0.0, 0.3, 0.5]
NEIGHBOUR_SHARES = [0.0, 0.2]
JOINED_FORM_WEIGHTS = [1.0, 0.5, 0.25, 0.0]


def half(query_id: str) -> int:
    return hashlib.sha256(query_id.encode()).digest()[0] % 2


def measure(retriever: Retriever, queries, qrels, sentences) -> dict[str, tuple[float, ...]]:
    """(nDCG@10, hit@1, hit@10) on half 0, half 1 and all claims."""
    figures = {}
    for name, chosen in (("A", 0), ("B", 1), ("all", None)):
        subset = [q for q in queries if chosen is None or half(q.id) == chosen]
        report = evaluation.evaluate_benchmark(
            lambda q: retriever.ask(q, top=10, papers=100), subset, qrels, sentences
        )
        figures[name] = (report.ndcg_at_10, report.evidence_hit_at_1, report.evidence_hit_at_10)
    return figures


def stage(title: str, rows: list[tuple[str, dict]], key) -> None:
    """One table of settings measured on the two halves and on all claims, and which setting
    each half would choose with what it gives on the other."""
    width = max([44, *(len(label) for label, _ in rows)])
    print(f"\n{title}")
    print(f"{'setting':<{width}} {'A':>20} {'B':>20} {'all':>20}")
    for label, figures in rows:
        cells = " ".join(f"{f[0]:.3f}/{f[1]:.3f}/{f[2]:.3f}".rjust(20) for f in figures.values())
        print(f"{label:<{width}} {cells}")
    for pick, other in (("A", "B"), ("B", "A")):
        label, figures = max(rows, key=lambda row: key(row[1][pick]))
        shown = "/".join(f"{value:.3f}" for value in figures[other])
        print(f"  best on {pick}: {label}; on {other} it gives {shown}")
    print("  (each cell: paper nDCG@10 / evidence hit@1 / evidence hit@10)")


def read_scifact(folder: Path, parser: argparse.ArgumentParser):
    """SciFact's corpus, training claims, their judgements and their evidence sentences."""
    corpus = load_corpus(folder / "corpus.jsonl")
    read = evaluation.read_queries(folder / "queries-train.jsonl")
    if not isinstance(read, evaluation.BenchmarkSet):
        parser.error("queries-train.jsonl holds no BEIR queries")
    qrels = evaluation.read_qrels(folder / "qrels" / "train.tsv")
    sentences = evaluation.read_sentence_lists(folder / "corpus_sentences.jsonl")
    return corpus, list(read.queries), qrels, sentences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, required=True, help="the SciFact folder")
    args = parser.parse_args(argv)
    corpus, queries, qrels, sentences = read_scifact(args.scifact, parser)
    defaults = RankingParams()
    started = time.perf_counter()

    rows = []
    for (sk1, sb), (pk1, pb), weight in product(SENTENCE_BM25, PAPER_BM25, TITLE_WEIGHTS):
        params = dataclasses.replace(
            defaults, sentence_k1=sk1, sentence_b=sb, paper_k1=pk1, paper_b=pb, title_weight=weight
        )
        label = f"sentence k1={sk1} b={sb}; paper k1={pk1} b={pb}; title x{weight}"
        rows.append((label, params, measure(Retriever(corpus, params), queries, qrels, sentences)))
    stage("Papers: BM25 and title weight", [(r[0], r[2]) for r in rows], key=lambda f: f[0])
    stage("Sentences: BM25", [(r[0], r[2]) for r in rows], key=lambda f: (f[1], f[2]))

    best_index = max(rows, key=lambda r: (r[2]["all"][0], r[2]["all"][1]))[1]
    parts = build_parts(corpus, best_index)
    rows = []
    for share, position, neighbour in product(PAPER_SHARES, POSITION_WEIGHTS, NEIGHBOUR_SHARES):
        params = dataclasses.replace(
            best_index, paper_share=share, position_weight=position, neighbour_share=neighbour
        )
        label = f"paper share {share}; position {position}; neighbour {neighbour}"
        retriever = Retriever(corpus, params, parts=parts)
        rows.append((label, measure(retriever, queries, qrels, sentences)))
    stage("Sentences: combination", rows, key=lambda f: (f[1], f[2]))

    rows = []
    for weight in JOINED_FORM_WEIGHTS:
        params = dataclasses.replace(defaults, joined_form_weight=weight)
        retriever = Retriever(corpus, params, parts=build_parts(corpus, params))
        rows.append((f"joined form weight {weight}", measure(retriever, queries, qrels, sentences)))
    stage("Questions: weight of a hyphenated word's joined form", rows, key=lambda f: f[0])

    print(f"\nDefaults in bot/retriever.py: {defaults}")
    figures = measure(Retriever(corpus, defaults), queries, qrels, sentences)
    print(
        "They give: "
        + ", ".join(f"{k} " + "/".join(f"{v:.3f}" for v in f) for k, f in figures.items())
    )
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
