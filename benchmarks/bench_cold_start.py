"""Cold start on a real corpus: from nothing to the first answer, in fresh processes.

    .venv/bin/python benchmarks/bench_cold_start.py --corpus ../shared/eval/scifact/corpus.jsonl

Each measurement runs in a new Python process (imports done before the clock starts) and times
loading the corpus file through to a retriever ready to answer (its facts catalogue and spelling
corrector included), then the first question through `answer_question`, one word misspelt:

- paperbot, no cache: load, clean, split, analyse, build both BM25 indexes;
- paperbot, cache written: the same, plus storing the index (the first start with a cache);
- paperbot, from the cache: load the corpus, read the stored index;
- reference: the same load, clean, split and analyse, then `rank_bm25.BM25Okapi` over the
  sentences (what the product built before its own index), and `bm25s` when installed.

Each is repeated (--runs, default 3) and the best and median are printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_WORKER = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from bot.corpus.papers import load_corpus
from bot.index.index_cache import load_retriever
from bot.answering.questions import answer_question
from bot.index.retriever import Retriever, RankingParams, build_parts
mode, corpus_path, cache = sys.argv[1], sys.argv[2], sys.argv[3]
if mode.startswith("reference"):
    from rank_bm25 import BM25Okapi
    from bot.text.analysis import Analyzer
    from bot.index.documents import prepare
    if mode == "reference-bm25s":
        import bm25s
started = time.perf_counter()
corpus = load_corpus(corpus_path)
if mode == "no-cache":
    retriever = load_retriever(corpus, cache_dir=None)
elif mode in ("cache-write", "cache-read"):
    retriever = load_retriever(corpus, cache_dir=Path(cache))
else:
    analyzer = Analyzer()
    sentences = [analyzer.terms(s) for p in map(prepare, corpus.papers) for s in p.sentences]
    if mode == "reference-rank_bm25":
        BM25Okapi(sentences)
    else:
        bm25s.BM25(method="robertson").index(sentences, show_progress=False)
ready = time.perf_counter()
if mode in ("no-cache", "cache-write", "cache-read"):
    answer_question(retriever, "what is the best treatmnet?")  # the path every front end calls
answered = time.perf_counter()
print(json.dumps({{"ready": ready - started, "first": answered - ready}}))
"""


def run(mode: str, corpus: Path, cache: Path) -> dict:
    code = _WORKER.format(root=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", code, mode, str(corpus), str(cache)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a corpus file or folder")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    modes = ["no-cache", "cache-write", "cache-read", "reference-rank_bm25"]
    try:
        import bm25s  # noqa: F401

        modes.append("reference-bm25s")
    except ImportError:
        pass
    results: dict[str, list[dict]] = {mode: [] for mode in modes}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.runs):
            for mode in modes:
                cache = Path(folder) / ("written" if mode == "cache-write" else "kept")
                if mode == "cache-write":
                    for old in cache.glob("*"):
                        old.unlink()
                if mode == "cache-read" and not any(cache.glob("*.npz")):
                    run("cache-write", args.corpus, cache)  # something to read
                results[mode].append(run(mode, args.corpus, cache))
    print(f"{'start':<22} {'ready best s':>12} {'ready median s':>15} {'first answer ms':>16}")
    for mode, runs in results.items():
        ready = [r["ready"] for r in runs]
        first = statistics.median(r["first"] for r in runs) * 1000
        shown = f"{first:>16.1f}" if not mode.startswith("reference") else f"{'-':>16}"
        print(f"{mode:<22} {min(ready):>12.3f} {statistics.median(ready):>15.3f} {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
