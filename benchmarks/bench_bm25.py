"""paperbot's whole question path against rank_bm25 and bm25s, in one run.

    python3 dev.py bench --scifact ../shared/eval/scifact/corpus.jsonl

(or, with the `bench` extra installed: .venv/bin/python benchmarks/bench_bm25.py --scifact ...)

For each corpus (synthetic ones of --sizes sentences, and SciFact when --scifact is given), each
in fresh worker processes:

- paperbot ask: the path every front end calls, `answer_question` in conversations
  (`answer_in_conversation`, as `paperbot ask --batch` runs it: the facts a question names,
  the spelling check, the passage search, follow-ups; here conversations of
  CONVERSATION_TURNS questions), top 3 passages with their highlights and the 10 related papers
  (rendering excluded), its index first built and
  written to the index cache by one process ("build", "build peak"), then read from the cache by
  another, as a restart does ("held": resident memory after loading, above what the process
  held with the corpus loaded, and how much of it is the process's own rather than pages mapped
  from the cache file; again after the questions). Timed with numba's compiled loop where
  installed ("paperbot ask") and with numpy alone ("paperbot ask (numpy)"); both must give the
  same answers.
- rank_bm25 (`BM25Okapi.get_scores` + top 10, the definition of the score), bm25s with its numpy
  backend and bm25s-numba with its compiled one (`retrieve`, k=10): the bare top 10 over the same
  sentences' terms, built from the token lists; build time, peak and held memory as before.
- start-up (every corpus): `paperbot ask --corpus FILE QUESTION` as a user runs it, a fresh
  process timed from outside (wall time from its start to its exit, and its peak resident
  memory, from the operating system's accounting of the finished child), the index cache
  written; the median of STARTUP_RUNS, beside `python -c pass` and bm25s (its index saved by
  bm25s and loaded memory-mapped, then one top 10) run the same way in turn. The question is the
  first one timed, one word misspelt (its two middle letters swapped), so the first answer goes
  through the spelling corrector too. Also in-process, the parts of one start: parsing the
  corpus file, the retriever read from the cache, the first answer.
- `paperbot ask --batch` (200k): the CLI on the corpus written as a JSON Lines file, cache
  ready; the marginal cost of one more question, JSON printed, is the difference between the
  median times of 2,100 and 100 questions (three runs each), per question.

Latency p50 / p99 is wall time of one question, question by question, after 10 warm-up questions
(not timed). Each library is first run on a tiny corpus (imports, JIT compilation), outside the
measurements. The same questions go to every engine: synthetic ones are 3-10 terms drawn with
Zipf weights (exponent 1.0) over the corpus's vocabulary by frequency; SciFact's are its claims
(the queries*.jsonl beside its corpus), the bare engines getting the terms the product's analyzer
makes of them. bm25s has no epsilon floor and scores in float32, so the report gives the overlap
of its top 10 with rank_bm25's.

Synthetic corpora: each sentence has 15-35 tokens drawn from a Zipf distribution (exponent 1.07)
over 500,000 words; the product gets them as papers of 8 sentences (the words joined, each
sentence capitalised and ended with a full stop), titled "Paper N", written as a JSON Lines
corpus file that every paperbot worker and command reads.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from itertools import chain
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LIBRARIES = ("paperbot", "rank_bm25", "bm25s", "bm25s-numba")
SENTENCES_PER_PAPER = 8  # the synthetic papers: this many consecutive sentences
ASK = "paperbot ask"
ASK_NUMPY = "paperbot ask (numpy)"
NUMBA = "bm25s-numba"
DEFAULT_SIZES = (200_000, 1_000_000)
SYNTHETIC_VOCABULARY = 500_000
SYNTHETIC_EXPONENT = 1.07
QUERY_EXPONENT = 1.0
WARMUP_QUERIES = 10  # extra queries, run first and not timed
TOP_K = 10  # the bare engines' top k
ASK_TOP, ASK_PAPERS = 3, 10  # what an answer shows: passages, and related papers
STARTUP_RUNS = 7
CONVERSATION_TURNS = 3  # the timed questions are asked in conversations of this many
STARTUP_TARGETS = {"scifact": (0.4, None), "1000k": (5.0, 700)}  # seconds, MiB (None: none)
BATCH_SIZE = "200k"  # where `paperbot ask --batch` is timed
BATCH_QUESTIONS = (100, 2100)  # its marginal cost: the difference of two runs, per question


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
    from bot.index.documents import prepare
    from bot.text.analysis import Analyzer

    analyzer = Analyzer()
    documents = [
        analyzer.terms(sentence)
        for paper in load_corpus(path).papers
        for sentence in prepare(paper).sentences
    ]
    counts = Counter(chain.from_iterable(documents))
    return documents, [term for term, _ in counts.most_common()]


def scifact_claims(corpus_path: str) -> list[str]:
    """The claims of the queries file beside SciFact's corpus (BEIR layout), in order."""
    folder = Path(corpus_path).parent
    claims = []
    for path in sorted(folder.glob("queries*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                claims.append(json.loads(line)["text"])
    if not claims:
        raise SystemExit(f"no queries*.jsonl beside {corpus_path}")
    return claims


def questions(corpus: dict, vocabulary: list[str], count: int) -> list[tuple[str, list[str]]]:
    """(question text, its terms): the same questions for every engine. SciFact: its claims
    (the engines get the terms the product's analyzer makes of them); synthetic: Zipf-drawn
    terms, asked as those words."""
    if corpus["kind"] == "scifact":
        from bot.text.analysis import Analyzer

        analyzer = Analyzer()
        claims = scifact_claims(corpus["path"])[:count]
        return [(claim, analyzer.terms(claim)) for claim in claims]
    return [(" ".join(q), q) for q in make_queries(vocabulary, count, corpus["seed"])]


def paper_corpus(corpus: dict, documents: list[list[str]] | None = None):
    """The corpus the product answers from: SciFact's own file, or the synthetic sentences as
    papers of SENTENCES_PER_PAPER, each sentence its words joined, capitalised, with a full stop
    (the product's sentence splitter finds them again; its analyzer gives back the words)."""
    from bot.corpus.papers import Corpus, Paper, load_corpus

    if corpus["kind"] == "scifact":
        return load_corpus(corpus["path"])
    if corpus.get("file") and documents is None:
        return load_corpus(corpus["file"])
    if documents is None:
        documents, _ = synthetic_corpus(corpus["sentences"], corpus["seed"])
    papers = []
    for start in range(0, len(documents), SENTENCES_PER_PAPER):
        group = documents[start : start + SENTENCES_PER_PAPER]
        abstract = " ".join(" ".join(words).capitalize() + "." for words in group)
        number = len(papers)
        papers.append(Paper(id=f"p{number}", title=f"Paper {number}", abstract=abstract))
    return Corpus(tuple(papers))


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


def anon_rss_kib() -> int:
    """Resident memory that is the process's own (not pages of mapped files)."""
    value = _status_kib("RssAnon")
    return value if value is not None else current_rss_kib()


# -- the workers (each in a fresh process) ---------------------------------------------------


def _timed(search, asked: list, warmup: list) -> tuple[dict, list]:
    for question in warmup:
        search(question)
    latencies, answers = [], []
    for question in asked:
        started = time.perf_counter()
        answers.append(search(question))
        latencies.append(time.perf_counter() - started)
    return {
        "p50_ms": 1000 * float(np.percentile(latencies, 50)),
        "p99_ms": 1000 * float(np.percentile(latencies, 99)),
        "queries": len(latencies),
    }, answers


def engine_worker(job: dict) -> dict:
    """A bare engine: build over the tokens, then its top 10, query by query."""
    documents, vocabulary = load(job["corpus"])
    asked = questions(job["corpus"], vocabulary, job["queries"] + WARMUP_QUERIES)
    del vocabulary
    terms = [q for _, q in asked]
    timed, warmup = terms[: job["limit"]], terms[job["queries"] :]
    # Imports, lazy initialisation and JIT compilation are no part of an index.
    tiny = [["a", "b"], ["b", "c"], ["c"]] * TOP_K
    build_engine(job["library"], tiny)(["b", "c"])
    gc.collect()
    gc.freeze()  # the token lists are no library's garbage: keep collections from walking them
    exact_peak = reset_peak()
    baseline = current_rss_kib()
    started = time.perf_counter()
    search = build_engine(job["library"], documents)
    build_seconds = time.perf_counter() - started
    gc.collect()
    held = current_rss_kib() - baseline
    if job.get("save"):
        search.engine.save(job["save"])  # type: ignore[attr-defined]
    timing, answers = _timed(search, timed, warmup)
    return {
        "documents": len(documents),
        "build_s": build_seconds,
        "peak_mib": (peak_rss_kib() - baseline) / 1024,
        "held_mib": held / 1024,
        "exact_peak": exact_peak,
        "modes": {job["library"]: {**timing, "answers": answers[: job["check"]]}},
    }


def build_engine(library: str, documents: list[list[str]]):
    """function(terms) -> top-10 [(doc, score)] of one library's index over `documents`."""
    if library == "rank_bm25":
        from rank_bm25 import BM25Okapi

        from bot.index.bm25 import top_positive

        okapi = BM25Okapi(documents)
        return lambda q: top_positive(okapi.get_scores(q), TOP_K)
    if library in ("bm25s", NUMBA):
        os.environ.setdefault("DISABLE_TQDM", "1")
        import logging

        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        backend = "numba" if library == NUMBA else "numpy"
        retriever = bm25s.BM25(k1=1.5, b=0.75, method="robertson", backend=backend)
        retriever.index(documents, show_progress=False)

        def search(query: list[str]) -> list[tuple[int, float]]:
            ids, scores = retriever.retrieve([query], k=TOP_K, show_progress=False)
            return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]

        search.engine = retriever  # type: ignore[attr-defined]
        return search
    raise ValueError(f"unknown library {library!r}")


def paperbot_build_worker(job: dict) -> dict:
    """The product's first build: analysis, both indexes, the index cache written."""
    from bot.index.index_cache import load_retriever

    corpus = paper_corpus(job["corpus"])
    gc.collect()
    exact_peak = reset_peak()
    baseline = current_rss_kib()
    started = time.perf_counter()
    retriever = load_retriever(corpus, cache_dir=Path(job["cache"]))
    build_seconds = time.perf_counter() - started
    return {
        "build_s": build_seconds,
        "peak_mib": (peak_rss_kib() - baseline) / 1024,
        "exact_peak": exact_peak,
        "documents": retriever.stats.sentences,
    }


def paperbot_worker(job: dict) -> dict:
    """The product as it starts: the index read from the cache, then whole questions."""
    from bot.index import kernels
    from bot.index.index_cache import load_retriever

    corpus = paper_corpus(job["corpus"])
    vocabulary = None
    if job["corpus"]["kind"] == "synthetic":
        _, vocabulary = synthetic_corpus(job["corpus"]["sentences"], job["corpus"]["seed"])
    asked = questions(job["corpus"], vocabulary or [], job["queries"] + WARMUP_QUERIES)
    del vocabulary
    texts = [text for text, _ in asked]
    timed, warmup = texts[: job["limit"]], texts[job["queries"] :]
    first = misspelt(texts[0]) if job["corpus"]["kind"] == "scifact" else texts[0]
    gc.collect()
    baseline, baseline_anon = current_rss_kib(), anon_rss_kib()
    started = time.perf_counter()
    retriever = load_retriever(corpus, cache_dir=Path(job["cache"]))
    load_seconds = time.perf_counter() - started
    gc.collect()
    held, held_anon = current_rss_kib() - baseline, anon_rss_kib() - baseline_anon

    from bot.answering.conversation import answer_in_conversation, turn_of

    turns: list = []

    def ask(question: str) -> list:
        """One question as `paperbot ask --batch` answers it, in a conversation of
        CONVERSATION_TURNS questions (the earlier turns are its follow-up context)."""
        if len(turns) == CONVERSATION_TURNS:
            turns.clear()
        answer = answer_in_conversation(retriever, question, turns, top=ASK_TOP, papers=ASK_PAPERS)
        turns.append(turn_of(answer))
        return [(h.paper.id, h.sentence, h.score) for h in answer.hits] + [
            (p.paper.id, p.score) for p in answer.papers
        ]

    modes = {}
    compiled_timing, compiled = _timed(ask, timed, warmup)
    if kernels.compiled_kernels() is not None:
        modes[ASK] = compiled_timing
    kernels.COMPILED_MIN_POSTINGS = 10**18  # numpy only
    turns.clear()
    numpy_timing, plain = _timed(ask, timed, warmup)
    modes[ASK_NUMPY] = numpy_timing
    modes.setdefault(ASK, numpy_timing)
    gc.collect()
    from bot.text.analysis import Analyzer

    return {
        "first_question": [first, Analyzer().terms(first)],
        "documents": retriever.stats.sentences,
        "load_s": load_seconds,
        "held_mib": held / 1024,
        "held_anon_mib": held_anon / 1024,
        "held_after_mib": (current_rss_kib() - baseline) / 1024,
        "held_after_anon_mib": (anon_rss_kib() - baseline_anon) / 1024,
        "same_answers": sum(a == b for a, b in zip(compiled, plain, strict=True)),
        "modes": modes,
    }


def startup_worker(job: dict) -> dict:
    """Seconds from nothing loaded (modules imported) to the first answer, from the cache."""
    from bot.answering.questions import answer_question
    from bot.corpus.papers import load_corpus
    from bot.index.index_cache import load_retriever

    started = time.perf_counter()
    corpus = load_corpus(corpus_file(job["corpus"]))
    loaded = time.perf_counter()
    retriever = load_retriever(corpus, cache_dir=Path(job["cache"]))
    ready = time.perf_counter()
    answer = answer_question(retriever, job["question"], top=ASK_TOP, papers=ASK_PAPERS)
    answered = time.perf_counter()
    assert answer.hits
    return {
        "corpus_s": loaded - started,
        "retriever_s": ready - loaded,
        "answer_s": answered - ready,
        "total_s": answered - started,
    }


def corpus_file(corpus: dict) -> str:
    return corpus["path"] if corpus["kind"] == "scifact" else corpus["file"]


def write_corpus_file(corpus: dict, path: Path) -> None:
    """The synthetic corpus as a JSON Lines corpus file, the product's own input."""
    papers = paper_corpus(corpus, synthetic_corpus(corpus["sentences"], corpus["seed"])[0])
    with path.open("w", encoding="utf-8") as out:
        for paper in papers.papers:
            record = {"id": paper.id, "title": paper.title, "abstract": paper.abstract}
            out.write(json.dumps(record) + "\n")


def misspelt(question: str) -> str:
    """`question` with the two middle letters of its longest word swapped."""
    word = max(question.split(), key=len)
    middle = len(word) // 2
    typo = word[: middle - 1] + word[middle] + word[middle - 1] + word[middle + 1 :]
    return question.replace(word, typo, 1)


def _fresh_process(command: list[str], environment: dict) -> tuple[float, float]:
    """(wall seconds, peak resident MiB) of `command` as a new process, timed from outside.

    The peak comes from `/usr/bin/time -v` (GNU time), whose child starts from its small
    process: a child forked from this one would count this process's memory as its own."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        timed = ["/usr/bin/time", "-v", "-o", report.name, *command]
        started = time.perf_counter()
        done = subprocess.run(
            timed, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{command} failed ({done.returncode}):\n{done.stderr.decode()}")
        fields = dict(line.strip().rsplit(": ", 1) for line in report if ": " in line)
    return wall, int(fields["Maximum resident set size (kbytes)"]) / 1024


_BM25S_START = """
import sys, bm25s
retriever = bm25s.BM25.load(sys.argv[1], mmap=True)
retriever.retrieve([sys.argv[2:]], k=10, show_progress=False)
"""


def startup_runs(corpus: dict, cache: str, bm25s_index: str | None, asked: tuple) -> dict:
    """`paperbot ask` as a user starts it, `python -c pass` and bm25s, in fresh processes, in
    turn (a warm-up run of each first, not counted): wall seconds and peak MiB of each run."""
    question, terms = asked
    environment = {**os.environ, "PAPERBOT_INDEX_CACHE": cache, "DISABLE_TQDM": "1"}
    paperbot = str(Path(sys.executable).parent / "paperbot")
    commands = {
        "paperbot ask": [paperbot, "ask", "--corpus", corpus_file(corpus), question],
        "python -c pass": [sys.executable, "-c", "pass"],
    }
    if bm25s_index:
        commands["bm25s load + top 10"] = [sys.executable, "-c", _BM25S_START, bm25s_index, *terms]
    runs: dict[str, list] = {name: [] for name in commands}
    for _ in range(STARTUP_RUNS + 1):
        for name, command in commands.items():
            runs[name].append(_fresh_process(command, environment))
    return {"question": question, "runs": {name: found[1:] for name, found in runs.items()}}


def batch_runs(corpus: dict, cache: str, folder: Path, runs: int = 3) -> dict:
    """`paperbot ask --batch` on the corpus's JSON Lines file: the marginal cost of one more
    question (JSON included) is the difference of two batch sizes, per question."""
    _, vocabulary = load(corpus)
    path = corpus_file(corpus)
    asked = questions(corpus, vocabulary, max(BATCH_QUESTIONS))
    environment = {**os.environ, "PAPERBOT_INDEX_CACHE": cache}
    paperbot = str(Path(sys.executable).parent / "paperbot")

    def run(count: int) -> float:
        batch = folder / f"questions-{count}.jsonl"
        batch.write_text(
            "".join(
                json.dumps({"id": n, "question": q}) + "\n"
                for n, (q, _) in enumerate(asked[:count])
            ),
            encoding="utf-8",
        )
        command = [paperbot, "ask", "--corpus", str(path), "--batch", str(batch)]
        started = time.perf_counter()
        subprocess.run(command, env=environment, check=True, capture_output=True)
        return time.perf_counter() - started

    run(1)  # reads the index cache (written by the build worker, from the same file)
    few, many = BATCH_QUESTIONS
    times = {count: sorted(run(count) for _ in range(runs)) for count in (few, many)}
    medians = {count: values[len(values) // 2] for count, values in times.items()}
    return {
        "marginal_ms": 1000 * (medians[many] - medians[few]) / (many - few),
        "seconds": {str(count): values for count, values in times.items()},
    }


WORKERS = {
    "engine": engine_worker,
    "paperbot-build": paperbot_build_worker,
    "paperbot": paperbot_worker,
    "startup": startup_worker,
}


def run_worker(job: dict) -> dict:
    process = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(job)],
        capture_output=True,
        text=True,
        check=False,
    )
    if process.returncode != 0:
        raise SystemExit(f"worker {job} failed:\n" + process.stderr)
    return json.loads(process.stdout.strip().splitlines()[-1])


# -- reporting -------------------------------------------------------------------------------


def _overlap(mine: list, reference: list) -> float:
    shares = [
        len({d for d, _ in a} & {d for d, _ in b}) / max(1, len(b))
        for a, b in zip(mine, reference, strict=False)
    ]
    return float(np.mean(shares)) if shares else float("nan")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def report(results: dict, out: Path) -> list[str]:
    """Prints the table, the ratios and the targets; returns the lines printed."""
    lines: list[str] = []
    say = lines.append
    engines = [ASK, ASK_NUMPY, "rank_bm25", "bm25s", NUMBA]
    say("p50 / p99 latency in ms: paperbot ask = answer_question in conversations, as `paperbot")
    say("ask --batch` runs it (top 3 passages with highlights and 10 related papers, rendering")
    say("excluded); the others = their bare top 10.")
    say("")
    say("| corpus | " + " | ".join(engines) + " | paperbot ask p50 / bm25s-numba p50 |")
    say("| --- " * (len(engines) + 2) + "|")
    for name, corpus in results["corpora"].items():
        rows = corpus["modes"]
        cells = [
            f"{_ms(rows[e]['p50_ms'])} / {_ms(rows[e]['p99_ms'])}" if e in rows else "–"
            for e in engines
        ]
        ratio = (
            f"{rows[ASK]['p50_ms'] / rows[NUMBA]['p50_ms']:.2f}x"
            if ASK in rows and NUMBA in rows
            else "–"
        )
        size = f"{name} ({corpus['documents']:,} sentences)"
        say(f"| {size} | " + " | ".join(cells) + f" | {ratio} |")
    say("")
    for name, corpus in results["corpora"].items():
        paperbot = corpus.get("paperbot")
        if paperbot:
            say(
                f"{name}: paperbot build {corpus['build']['build_s']:.1f} s, build peak "
                f"{corpus['build']['peak_mib']:,.0f} MiB; from the cache: loaded in "
                f"{paperbot['load_s']:.2f} s, held {paperbot['held_mib']:,.0f} MiB "
                f"({paperbot['held_anon_mib']:,.0f} MiB of it the process's own, the rest "
                "mapped from the cache file), after the questions "
                f"{paperbot['held_after_mib']:,.0f} MiB "
                f"({paperbot['held_after_anon_mib']:,.0f} own); compiled and numpy answers "
                f"identical on {paperbot['same_answers']}/{corpus['modes'][ASK_NUMPY]['queries']}"
            )
        for library in ("rank_bm25", "bm25s", NUMBA):
            row = corpus["engines"].get(library)
            if row:
                overlap = ""
                reference = corpus["engines"].get("rank_bm25")
                if library != "rank_bm25" and reference:
                    share = _overlap(row["answers"], reference["answers"])
                    overlap = f", top-10 overlap with rank_bm25 {share:.0%}"
                say(
                    f"{name}: {library} build {row['build_s']:.1f} s, peak {row['peak_mib']:,.0f}"
                    f" MiB, held {row['held_mib']:,.0f} MiB{overlap}"
                )
    say("")
    say(
        "Start-up as a user waits: `paperbot ask --corpus FILE QUESTION`, a fresh process timed "
        "from outside, index cache written; median (min-max) wall seconds and peak MiB of "
        f"{STARTUP_RUNS} runs, in turn with the others:"
    )
    say("")
    say("| corpus | command | wall s | peak MiB | wall / python -c pass |")
    say("| --- | --- | --- | --- | --- |")
    for name, corpus in results["corpora"].items():
        if "startup" not in corpus:
            continue
        runs = corpus["startup"]["runs"]
        bare = _median([wall for wall, _ in runs["python -c pass"]])
        for command, found in runs.items():
            walls, peaks = sorted(w for w, _ in found), sorted(m for _, m in found)
            say(
                f"| {name} | {command} | {_median(walls):.3f} ({walls[0]:.3f}-{walls[-1]:.3f}) "
                f"| {_median(peaks):,.0f} | {_median(walls) / bare:.1f}x |"
            )
    startup = results.get("startup")
    if startup:
        totals = sorted(run["total_s"] for run in startup)
        median = totals[len(totals) // 2]
        parts = sorted(startup, key=lambda run: run["total_s"])[len(startup) // 2]
        say(
            f"start-up on SciFact from the index cache, {len(totals)} fresh processes (modules "
            f"imported): to the first answer best {totals[0]:.3f} s, median {median:.3f} s "
            f"(median run: corpus file {parts['corpus_s']:.3f} s, retriever "
            f"{parts['retriever_s']:.3f} s, answer {parts['answer_s']:.4f} s)"
        )
    batch = results.get("batch")
    numba_batch = results["corpora"].get(BATCH_SIZE, {}).get("modes", {}).get(NUMBA)
    if batch:
        versus = (
            f" = {batch['marginal_ms'] / numba_batch['p50_ms']:.2f}x bm25s-numba's p50"
            if (numba_batch)
            else ""
        )
        say(
            f"paperbot ask --batch at {BATCH_SIZE}: {batch['marginal_ms']:.3f} ms per extra "
            f"question (JSON included){versus}; runs of {BATCH_QUESTIONS} questions took "
            f"{batch['seconds']}"
        )
    say("")
    say("Targets:")
    targets = [("1000k", 1.0), ("200k", 1.5)]
    for name, most in targets:
        rows = results["corpora"].get(name, {}).get("modes", {})
        if ASK in rows and NUMBA in rows:
            ratio = rows[ASK]["p50_ms"] / rows[NUMBA]["p50_ms"]
            verdict = "met" if ratio <= most else "NOT met"
            say(f"  ask p50 at {name} at most {most}x bm25s-numba: {verdict} ({ratio:.2f}x)")
    if batch and numba_batch:
        ratio = batch["marginal_ms"] / numba_batch["p50_ms"]
        verdict = "met" if ratio <= 2 else "NOT met"
        say(f"  ask --batch marginal at {BATCH_SIZE} at most 2x bm25s-numba: {verdict}")
        say(f"    ({ratio:.2f}x)")
    paperbot = results["corpora"].get("1000k", {}).get("paperbot")
    if paperbot:
        held = max(paperbot["held_mib"], paperbot["held_after_mib"])
        verdict = "met" if held <= 700 else "NOT met"
        say(f"  memory held at 1000k at most 700 MiB: {verdict} ({held:,.0f} MiB)")
    for name, (seconds, mib) in STARTUP_TARGETS.items():
        runs = results["corpora"].get(name, {}).get("startup", {}).get("runs")
        if not runs:
            continue
        wall = _median([w for w, _ in runs["paperbot ask"]])
        peak = max(m for _, m in runs["paperbot ask"])
        verdict = "met" if wall <= seconds and (mib is None or peak <= mib) else "NOT met"
        memory = f" and peak memory at most {mib} MiB (largest {peak:,.0f})" if mib else ""
        say(
            f"  paperbot ask on {name}, fresh process, at most {seconds} s wall (median "
            f"{wall:.3f}){memory}: {verdict}"
        )
    for line in lines:
        print(line)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    _plot(results, out / "latency.png")
    print(f"\nWrote {out / 'results.json'} and {out / 'latency.png'}.")
    return lines


def _plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7.5, 5))
    corpora = results["corpora"]
    engines = sorted({engine for corpus in corpora.values() for engine in corpus["modes"]})
    for engine in engines:
        points = sorted(
            (
                corpus["documents"],
                corpus["modes"][engine]["p50_ms"],
                corpus["modes"][engine]["p99_ms"],
            )
            for name, corpus in corpora.items()
            if engine in corpus["modes"] and name != "scifact"
        )
        line = None
        if points:
            sizes, p50, p99 = zip(*points, strict=True)
            line = axes.plot(sizes, p50, marker="o", label=f"{engine} p50")[0]
            axes.plot(sizes, p99, linestyle=":", color=line.get_color(), label=f"{engine} p99")
        scifact = corpora.get("scifact", {}).get("modes", {}).get(engine)
        if scifact:
            axes.plot(
                corpora["scifact"]["documents"],
                scifact["p50_ms"],
                marker="*",
                markersize=12,
                linestyle="none",
                color=line.get_color() if line else None,
            )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("sentences in the corpus (stars: SciFact, p50)")
    axes.set_ylabel("latency of one question (ms)")
    axes.set_title("paperbot's whole answer against bare BM25 top-10 engines")
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
    parser.add_argument("--queries", type=int, default=200, help="questions timed per engine")
    parser.add_argument(
        "--rank-bm25-queries",
        type=int,
        default=20,
        help="questions timed for rank_bm25 on corpora over 200,000 sentences (it is very slow)",
    )
    parser.add_argument("--libraries", default=",".join(LIBRARIES))
    parser.add_argument("--check", type=int, default=20, help="top 10s compared with rank_bm25")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument(
        "--report", type=Path, help="print the report of an earlier run's results.json, run nothing"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.report:
        report(json.loads(args.report.read_text(encoding="utf-8")), args.out)
        return 0
    if args.worker:
        job = json.loads(args.worker)
        print(json.dumps(WORKERS[job["kind"]](job)))
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
    if NUMBA in libraries and importlib.util.find_spec("numba") is None:
        libraries.remove(NUMBA)
        print(
            "numba is not installed: skipping bm25s-numba and paperbot's compiled loop", flush=True
        )
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start", flush=True)
    results: dict = {"corpora": {}}

    def progress(what: str, started: float) -> None:
        print(
            f"  {what} done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True
        )

    with tempfile.TemporaryDirectory(prefix="paperbot-bench-") as scratch:
        for corpus in corpora:
            entry = results["corpora"][corpus["name"]] = {"modes": {}, "engines": {}}
            cache = str(Path(scratch) / corpus["name"])
            bm25s_index = None
            if corpus["kind"] == "synthetic":
                corpus["file"] = str(Path(scratch) / f"{corpus['name']}.jsonl")
                write_corpus_file(corpus, Path(corpus["file"]))
            for library in libraries:
                limit = args.queries
                if library == "rank_bm25" and corpus.get("sentences", 0) > 200_000:
                    limit = min(limit, args.rank_bm25_queries)
                base = {
                    "corpus": corpus,
                    "queries": args.queries,
                    "limit": limit,
                    "check": args.check,
                }
                started = time.perf_counter()
                if library == "paperbot":
                    entry["build"] = run_worker({**base, "kind": "paperbot-build", "cache": cache})
                    result = run_worker({**base, "kind": "paperbot", "cache": cache})
                    entry["paperbot"] = {k: v for k, v in result.items() if k != "modes"}
                    if corpus["kind"] == "scifact":
                        job = {
                            **base,
                            "kind": "startup",
                            "cache": cache,
                            "question": result["first_question"][0],
                        }
                        results["startup"] = [run_worker(job) for _ in range(STARTUP_RUNS)]
                    if corpus["name"] == BATCH_SIZE:
                        with tempfile.TemporaryDirectory(dir=scratch) as folder:
                            results["batch"] = batch_runs(corpus, cache, Path(folder))
                else:
                    job = {**base, "kind": "engine", "library": library}
                    if library == "bm25s":
                        bm25s_index = job["save"] = str(Path(scratch) / f"{corpus['name']}-bm25s")
                    result = run_worker(job)
                    entry["engines"][library] = {k: v for k, v in result.items() if k != "modes"}
                    entry["engines"][library]["answers"] = result["modes"][library]["answers"]
                entry["documents"] = result["documents"]
                for mode, timing in result["modes"].items():
                    entry["modes"][mode] = {k: v for k, v in timing.items() if k != "answers"}
                progress(f"{corpus['name']:>8} {library}", started)
            if "paperbot" in entry:
                started = time.perf_counter()
                first = tuple(entry["paperbot"]["first_question"])
                entry["startup"] = startup_runs(corpus, cache, bm25s_index, first)
                progress(f"{corpus['name']:>8} start-up", started)
    print(f"load average {os.getloadavg()[0]:.2f} at the end\n")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    report(results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
