"""paperbot's BM25 index against rank_bm25 and bm25s, side by side on the same tokens.

    python3 dev.py bench --scifact ../shared/eval/scifact/corpus.jsonl

(or, with the `bench` extra installed: .venv/bin/python benchmarks/bench_bm25.py --scifact ...)

For each corpus (synthetic ones of --sizes sentences, and SciFact's sentences when --scifact is
given) and each library, a fresh worker process builds the tokens and the queries (seeded, so every
library gets the very same ones), then measures:

- build: wall time to build the index from the token lists;
- query latency p50 / p99: wall time of one query's top 10, query by query;
- peak memory: the process's peak resident set size during build and queries, minus its resident
  set once the tokens and queries are loaded (Linux: the peak is reset there through
  /proc/self/clear_refs; elsewhere the lifetime peak is used, which can hide part of the usage);
- held memory: resident set after the build, minus the same baseline.

Each library is first imported and run on a tiny corpus (imports, lazy initialisation, JIT
compilation), outside the measurements. The token lists are moved out of the garbage collector's
reach (gc.freeze) before any library runs, so that no library is charged for walking them. Each
engine runs 10 untimed warm-up queries (other than the timed ones) first.

Engines: paperbot's `BM25Index.top` ("paperbot top", its pruned top-k path) and
`top_positive(index.scores(q), 10)` ("paperbot scores": dense scores, as the retriever uses
them), both on one build; the product's whole question path, `Retriever.ask` over the same
tokens grouped into papers of 8 sentences ("paperbot retriever": sentence and paper scores
combined, top 10, matching words marked; it holds the sentence texts too, so its memory is more
than the index's); `rank_bm25.BM25Okapi.get_scores` + the same top-k; and
`bm25s.BM25(method="robertson").retrieve`, with its default numpy backend ("bm25s") and with its
compiled numba backend ("bm25s-numba", when numba is installed), one query at a time. paperbot must
return the same top 10 as rank_bm25 (ids, and scores to 1e-9); the table says on how many of the
compared queries it did. bm25s has no epsilon floor and scores in float32, so for it the table
gives the overlap of its top 10 with rank_bm25's instead.

Synthetic corpora: each sentence has 15-35 tokens drawn from a Zipf distribution (exponent 1.07)
over 500,000 words. Queries have 3-10 terms, each drawn with Zipf weights (exponent 1.0) over the
corpus's vocabulary ranked by frequency: mostly common words, with a long tail of rare ones.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections import Counter
from itertools import chain
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LIBRARIES = ("paperbot", "paperbot-retriever", "rank_bm25", "bm25s", "bm25s-numba")
SENTENCES_PER_PAPER = 8  # the retriever's synthetic papers: this many consecutive sentences
RETRIEVER = "paperbot retriever"
DEFAULT_SIZES = (10_000, 200_000, 1_000_000)
SYNTHETIC_VOCABULARY = 500_000
SYNTHETIC_EXPONENT = 1.07
QUERY_EXPONENT = 1.0
WARMUP_QUERIES = 10  # extra queries, run first and not timed
TOP_K = 10


# -- corpora and queries ---------------------------------------------------------------------


def _zipf_cdf(count: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, count + 1, dtype=np.float64) ** exponent
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def synthetic_corpus(sentences: int, seed: int) -> tuple[list[list[str]], list[str]]:
    """`sentences` token lists and the vocabulary that occurs, most frequent first."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{rank}" for rank in range(SYNTHETIC_VOCABULARY)], dtype=object)
    cdf = _zipf_cdf(SYNTHETIC_VOCABULARY, SYNTHETIC_EXPONENT)
    lengths = rng.integers(15, 36, size=sentences)
    seen = np.zeros(SYNTHETIC_VOCABULARY, dtype=bool)
    documents: list[list[str]] = []
    for begin in range(0, sentences, 20_000):  # in chunks, so no large temporary array
        chunk_lengths = lengths[begin : begin + 20_000]
        ranks = np.searchsorted(cdf, rng.random(int(chunk_lengths.sum())), side="right")
        seen[ranks] = True
        flat = words[ranks].tolist()
        start = 0
        for end in np.cumsum(chunk_lengths).tolist():
            documents.append(flat[start:end])
            start = end
    # Rank order is frequency order in expectation.
    return documents, words[seen].tolist()


def scifact_corpus(path: str) -> tuple[list[list[str]], list[str]]:
    """SciFact's abstract sentences, analysed as the product does, and its vocabulary."""
    from bot.corpus.papers import load_corpus
    from bot.search.documents import prepare
    from bot.text.analysis import Analyzer

    analyzer = Analyzer()
    documents = [
        analyzer.terms(sentence)
        for paper in load_corpus(path).papers
        for sentence in prepare(paper).sentences
    ]
    counts = Counter(chain.from_iterable(documents))
    return documents, [term for term, _ in counts.most_common()]


def make_queries(vocabulary: list[str], count: int, seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed + 1)
    cdf = _zipf_cdf(len(vocabulary), QUERY_EXPONENT)
    queries = []
    for _ in range(count):
        ranks = np.searchsorted(cdf, rng.random(int(rng.integers(3, 11))), side="right")
        queries.append([vocabulary[rank] for rank in ranks.tolist()])
    return queries


def load(corpus: dict) -> tuple[list[list[str]], list[str]]:
    if corpus["kind"] == "scifact":
        return scifact_corpus(corpus["path"])
    return synthetic_corpus(corpus["sentences"], corpus["seed"])


# -- memory ----------------------------------------------------------------------------------


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def current_rss_kib() -> int:
    value = _status_kib("VmRSS")
    if value is None:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value


def peak_rss_kib() -> int:
    import resource

    value = _status_kib("VmHWM")
    return value if value is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# -- the libraries ---------------------------------------------------------------------------


def build_engines(library: str, documents: list[list[str]]) -> dict:
    """{mode name: function(query) -> top-10 [(doc, score)]} for one library's built index."""
    if library == "paperbot":
        from bot.search.bm25 import BM25Index, top_positive

        index = BM25Index(documents)
        return {
            "paperbot top": lambda q: index.top(q, TOP_K),
            "paperbot scores": lambda q: top_positive(index.scores(q), TOP_K),
        }
    if library == "paperbot-retriever":
        retriever = _retriever_over(documents)
        return {
            RETRIEVER: lambda q: [
                (hit.rank, hit.score) for hit in retriever.ask(" ".join(q), top=TOP_K).hits
            ]
        }
    if library == "rank_bm25":
        from rank_bm25 import BM25Okapi

        from bot.search.bm25 import top_positive

        okapi = BM25Okapi(documents)
        return {"rank_bm25": lambda q: top_positive(okapi.get_scores(q), TOP_K)}
    if library in ("bm25s", "bm25s-numba"):
        os.environ.setdefault("DISABLE_TQDM", "1")
        import logging

        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        backend = "numba" if library == "bm25s-numba" else "numpy"
        retriever = bm25s.BM25(k1=1.5, b=0.75, method="robertson", backend=backend)
        retriever.index(documents, show_progress=False)

        def search(query: list[str]) -> list[tuple[int, float]]:
            ids, scores = retriever.retrieve([query], k=TOP_K, show_progress=False)
            return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]

        return {library: search}
    raise ValueError(f"unknown library {library!r}")


def _retriever_over(documents: list[list[str]]):
    """The product's whole question path over these tokens: sentences grouped into papers.

    Each sentence's text is its tokens joined by spaces, which the analyzer turns back into the
    same tokens (for SciFact's stems nearly always); a question is its terms joined the same way.
    `ask` then analyses the question, scores sentences and papers, combines them, takes the top
    10 and marks the matching words of each hit, as it does for a real question.
    """
    from bot.corpus.papers import Corpus, Paper
    from bot.search.bm25 import BM25Index
    from bot.search.documents import PaperText, stacked_bounds
    from bot.search.retriever import IndexParts, RankingParams, Retriever

    params = RankingParams()
    papers, texts, paper_docs = [], [], []
    for start in range(0, len(documents), SENTENCES_PER_PAPER):
        group = documents[start : start + SENTENCES_PER_PAPER]
        joined = PaperText.joined(
            Paper(id="", title="", abstract=""), "", [" ".join(tokens) for tokens in group]
        )
        # The paper holds the very same abstract string: the text is held once, as before.
        paper = Paper(id=f"p{len(papers)}", title="", abstract=joined.abstract)
        papers.append(paper)
        texts.append(PaperText(paper, "", joined.abstract, joined.bounds))
        paper_docs.append(list(chain.from_iterable(group)))
    parts = IndexParts(
        papers=tuple(texts),
        sentence_bounds=stacked_bounds(texts),
        sentence_index=BM25Index(
            documents, k1=params.sentence_k1, b=params.sentence_b, epsilon=params.epsilon
        ),
        paper_index=BM25Index(paper_docs, k1=params.paper_k1, b=params.paper_b, idf="lucene"),
    )
    return Retriever(Corpus(tuple(papers)), params, parts=parts)


def worker(job: dict) -> dict:
    documents, vocabulary = load(job["corpus"])
    queries = make_queries(vocabulary, job["queries"] + WARMUP_QUERIES, job["corpus"]["seed"])
    queries, warmup = queries[: job["queries"]], queries[job["queries"] :]
    del vocabulary
    # Imports, lazy initialisation and JIT compilation are no part of an index: get them done
    # on a tiny corpus before measuring.
    tiny = [["a", "b"], ["b", "c"], ["c"]] * TOP_K
    for search in build_engines(job["library"], tiny).values():
        search(["b", "c"])
    gc.collect()
    gc.freeze()  # the token lists are no library's garbage: keep collections from walking them
    exact_peak = reset_peak()
    baseline = current_rss_kib()
    if not exact_peak:
        baseline = max(baseline, peak_rss_kib())
    started = time.perf_counter()
    engines = build_engines(job["library"], documents)
    build_seconds = time.perf_counter() - started
    gc.collect()
    held = current_rss_kib() - baseline
    modes = {}
    for mode, search in engines.items():
        timed = queries[: job["limit"]]
        for query in warmup:
            search(query)
        latencies, answers = [], []
        for query in timed:
            started = time.perf_counter()
            found = search(query)
            latencies.append(time.perf_counter() - started)
            if len(answers) < job["check"]:
                answers.append(found)
        modes[mode] = {
            "p50_ms": 1000 * float(np.percentile(latencies, 50)),
            "p99_ms": 1000 * float(np.percentile(latencies, 99)),
            "queries": len(latencies),
            "answers": answers,
        }
    return {
        "documents": len(documents),
        "tokens": sum(map(len, documents)),
        "build_s": build_seconds,
        "peak_mib": (peak_rss_kib() - baseline) / 1024,
        "held_mib": held / 1024,
        "exact_peak": exact_peak,
        "modes": modes,
    }


def run_worker(job: dict) -> dict:
    process = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(job)],
        capture_output=True,
        text=True,
        check=False,
    )
    if process.returncode != 0:
        raise SystemExit(
            f"worker {job['library']} on {job['corpus']['name']} failed:\n" + process.stderr
        )
    return json.loads(process.stdout.strip().splitlines()[-1])


# -- reporting -------------------------------------------------------------------------------


def _same_answers(mine: list, reference: list) -> int:
    """Queries on which both returned the same top-10 ids, scores equal to 1e-9 relative."""
    same = 0
    for a, b in zip(mine, reference, strict=False):
        if [d for d, _ in a] == [d for d, _ in b] and all(
            abs(x - y) <= 1e-9 * max(abs(x), abs(y)) for (_, x), (_, y) in zip(a, b, strict=True)
        ):
            same += 1
    return same


def _overlap(mine: list, reference: list) -> float:
    shares = [
        len({d for d, _ in a} & {d for d, _ in b}) / max(1, len(b))
        for a, b in zip(mine, reference, strict=False)
    ]
    return float(np.mean(shares)) if shares else float("nan")


def report(rows: list[dict], out: Path) -> None:
    header = (
        f"{'corpus':<10} {'sentences':>9} {'engine':<18} {'build s':>8} {'p50 ms':>9} "
        f"{'p99 ms':>9} {'queries':>7} {'peak MiB':>9} {'held MiB':>9}  top-10 vs rank_bm25"
    )
    print(header)
    print("-" * len(header))
    by_corpus: dict[str, dict[str, dict]] = {}
    for row in rows:
        by_corpus.setdefault(row["corpus"], {})[row["engine"]] = row
    for corpus, engines in by_corpus.items():
        reference = engines.get("rank_bm25")
        for engine, row in engines.items():
            check = ""
            if engine == RETRIEVER:
                check = "(its own ranking: sentences with their papers)"
            elif reference and engine != "rank_bm25":
                n = min(len(row["answers"]), len(reference["answers"]))
                if engine.startswith("paperbot"):
                    same = _same_answers(row["answers"], reference["answers"])
                    check = f"identical on {same}/{n}"
                else:
                    check = f"overlap {_overlap(row['answers'], reference['answers']):.0%}"
            print(
                f"{corpus:<10} {row['documents']:>9,} {engine:<18} {row['build_s']:>8.2f} "
                f"{row['p50_ms']:>9.3f} {row['p99_ms']:>9.3f} {row['queries']:>7} "
                f"{row['peak_mib']:>9.0f} {row['held_mib']:>9.0f}  {check}"
            )
    print(
        "(peak MiB: peak RSS during build and queries minus RSS with the tokens loaded;"
        " held MiB: RSS after the build minus the same)"
    )
    print()
    print("Ratios (other engine / paperbot; above 1 means paperbot is faster or smaller):")
    ratio_header = (
        f"{'corpus':<10} {'versus':<11} {'p50 top':>8} {'p99 top':>8} {'p50 scores':>10} "
        f"{'build':>8} {'peak mem':>9} {'p50 retriever':>14}"
    )
    print(ratio_header)
    print("-" * len(ratio_header))
    for corpus, engines in by_corpus.items():
        mine, dense = engines.get("paperbot top"), engines.get("paperbot scores")
        whole = engines.get(RETRIEVER)
        for other in ("bm25s", "bm25s-numba", "rank_bm25"):
            theirs = engines.get(other)
            if not (mine and dense and theirs):
                continue
            versus_whole = f"{theirs['p50_ms'] / whole['p50_ms']:>14.1f}" if whole else ""
            print(
                f"{corpus:<10} {other:<11} {theirs['p50_ms'] / mine['p50_ms']:>8.1f} "
                f"{theirs['p99_ms'] / mine['p99_ms']:>8.1f} "
                f"{theirs['p50_ms'] / dense['p50_ms']:>10.1f} "
                f"{theirs['build_s'] / mine['build_s']:>8.1f} "
                f"{theirs['peak_mib'] / max(mine['peak_mib'], 1e-9):>9.1f} {versus_whole}"
            )
    _targets(by_corpus)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    _plot(by_corpus, out / "latency.png")
    print(f"\nWrote {out / 'results.json'} and {out / 'latency.png'}.")


def _targets(by_corpus: dict[str, dict[str, dict]]) -> None:
    """The speed targets, as measured in this run."""
    print("\nTargets:")
    for name in ("200k", "1000k"):
        engines = by_corpus.get(name, {})
        for engine in ("paperbot top", RETRIEVER):
            mine = engines.get(engine)
            for other in ("bm25s", "bm25s-numba"):
                if mine and other in engines:
                    theirs = engines[other]["p50_ms"]
                    verdict = "met" if mine["p50_ms"] <= theirs else "NOT met"
                    print(
                        f"  {engine} p50 at {name} no slower than {other}: {verdict} "
                        f"({mine['p50_ms']:.3f} ms against {theirs:.3f} ms)"
                    )
    mine = by_corpus.get("1000k", {}).get("paperbot top")
    if mine:
        verdict = "met" if mine["peak_mib"] <= 1024 else "NOT met"
        print(f"  peak memory at 1000k within 1 GiB: {verdict} ({mine['peak_mib']:.0f} MiB)")


def _plot(by_corpus: dict[str, dict[str, dict]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7.5, 5))
    engines = sorted({engine for engines in by_corpus.values() for engine in engines})
    for engine in engines:
        line = None
        points = sorted(
            (rows[engine]["documents"], rows[engine]["p50_ms"], rows[engine]["p99_ms"])
            for name, rows in by_corpus.items()
            if engine in rows and name != "scifact"
        )
        if points:
            sizes, p50, p99 = zip(*points, strict=True)
            line = axes.plot(sizes, p50, marker="o", label=f"{engine} p50")[0]
            axes.plot(sizes, p99, linestyle=":", color=line.get_color(), label=f"{engine} p99")
        scifact = by_corpus.get("scifact", {}).get(engine)
        if scifact:
            axes.plot(
                scifact["documents"],
                scifact["p50_ms"],
                marker="*",
                markersize=12,
                linestyle="none",
                color=line.get_color() if line else None,
            )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("sentences in the corpus (stars: SciFact, p50)")
    axes.set_ylabel("latency of one top-10 query (ms)")
    axes.set_title("BM25 query latency against corpus size")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


# -- the command -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scifact", help="a BEIR corpus.jsonl to benchmark too (its sentences)")
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="synthetic corpus sizes in sentences, comma-separated (default: %(default)s)",
    )
    parser.add_argument("--queries", type=int, default=200, help="queries timed per engine")
    parser.add_argument(
        "--rank-bm25-queries",
        type=int,
        default=20,
        help="queries timed for rank_bm25 on corpora over 200,000 sentences (it is very slow)",
    )
    parser.add_argument("--libraries", default=",".join(LIBRARIES))
    parser.add_argument("--check", type=int, default=20, help="queries compared with rank_bm25")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0

    corpora = [
        {
            "name": f"{int(size) // 1000}k",
            "kind": "synthetic",
            "sentences": int(size),
            "seed": args.seed,
        }
        for size in args.sizes.split(",")
        if size
    ]
    if args.scifact:
        corpora.append(
            {"name": "scifact", "kind": "scifact", "path": args.scifact, "seed": args.seed}
        )
    libraries = [name for name in args.libraries.split(",") if name]
    if "bm25s-numba" in libraries and importlib.util.find_spec("numba") is None:
        libraries.remove("bm25s-numba")
        print("numba is not installed: skipping bm25s-numba", flush=True)
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start", flush=True)
    rows = []
    for corpus in corpora:
        for library in libraries:
            limit = args.queries
            if library == "rank_bm25" and corpus.get("sentences", 0) > 200_000:
                limit = min(limit, args.rank_bm25_queries)
            job = {
                "corpus": corpus,
                "library": library,
                "queries": args.queries,
                "limit": limit,
                "check": args.check,
            }
            started = time.perf_counter()
            result = run_worker(job)
            print(
                f"  {corpus['name']:>8} {library:<10} done in "
                f"{time.perf_counter() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            if not result["exact_peak"]:
                print("  (peak memory: lifetime peak, could not reset it)", file=sys.stderr)
            for mode, timing in result["modes"].items():
                rows.append(
                    {
                        "corpus": corpus["name"],
                        "engine": mode,
                        **{k: v for k, v in result.items() if k != "modes"},
                        **timing,
                    }
                )
    print(f"load average {os.getloadavg()[0]:.2f} at the end\n")
    report(rows, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
