"""The optional semantic stage: sentences and papers found by what they mean as well as by words.

Off by default (`PAPERBOT_SEMANTIC`), and only with the `semantic` extra installed: nothing here
imports fastembed or onnxruntime until a model is loaded. On, every sentence and every paper's
title is embedded once when the index is built (a paper's vector is the mean of its title's and
its sentences'), by a small sentence model run by
fastembed (all-MiniLM-L6-v2 unless `PAPERBOT_SEMANTIC_MODEL` names another, by name or by
folder). The vectors are kept as float16 in a file beside the index cache and mapped from it.

A question is embedded too, and its answer fuses two rankings at two levels. Each ranking is
scaled to [0, 1] over its own `candidates` best (BM25 by its best score; the cosine similarity
from the last candidate's to the best), and the two are summed over the union of both lists:

- a paper's fused score: BM25's paper score plus `paper_weight` times its similarity (that of
  its closest sentence: a paper answers when one of its sentences does, and the mean of a long
  abstract's vectors blurs that one);
- a sentence's: BM25's combined score with its paper's fused score in place of its paper's BM25
  score: its own BM25 score (position and neighbours included), plus `sentence_weight` times its
  own similarity, plus `paper_share` times its paper's fused score (scaled by the best).

Fusing at both levels is what helps: the paper that means the question lifts its sentences, as
BM25's paper score already does for words. A question too few of whose words occur in the
papers, which BM25 alone refuses, is answered by meaning alone when some sentence is at least
`min_similarity` close to it; otherwise nothing fits, as before.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.errors import PaperbotError

if TYPE_CHECKING:
    from bot.index.documents import PaperText

log = logging.getLogger(__name__)

FORMAT_VERSION = 1  # of the vectors file; a change rebuilds it
INSTALL_HINT = "pip install 'paperbot[semantic]'"
# Texts per call of the model: large enough to keep the model busy, small enough for the bar.
_BATCH = 64
# The question's similarity with every sentence is computed this many rows at a time, each
# block widened from float16 to float32 on the way (numpy has no fast float16 product).
_BLOCK_ROWS = 16_384


class SemanticUnavailable(PaperbotError):
    """The semantic stage is on but cannot run: its extra is missing or its model cannot load."""


@dataclass(frozen=True)
class SemanticParams:
    """How the two rankings are fused. Chosen on SciFact's training claims, checked by two folds
    (`benchmarks/bench_semantic.py` reproduces the choice)."""

    candidates: int = 100  # of each ranking, at each level
    # On SciFact the paper level gains (nDCG@10 +0.04 on 800 of its papers); a sentence's own
    # similarity costs evidence hit@1 at every weight tried (weight 0.1: 0.521, none: 0.535);
    # the fused paper score in place of BM25's own paper share is what lifts hit@1, more with
    # the paper's closest sentence as its similarity (0.543 on both halves alike; BM25 alone
    # 0.513). Share 2 keeps every dev question of the bundled papers right; share 1 lost two.
    paper_weight: float = 1.0
    sentence_weight: float = 0.0
    paper_share: float = 2.0
    # A paper's similarity: this share of its closest sentence's, the rest its own vector's.
    best_sentence_share: float = 1.0
    # A question whose words the papers mostly lack is answered only by a sentence this close.
    min_similarity: float = 0.45
    # How a similarity is scaled: from the last candidate's to the best ("range"), or over the
    # best alone ("best", as BM25's scores are).
    scaling: str = "best"
    # Whether a sentence's BM25 score keeps BM25's own paper share; if not, the fused paper score
    # (times `paper_share`) stands in for it.
    keep_bm25_paper_share: bool = False


@dataclass(frozen=True)
class Fused:
    """A fused ranking: papers (paper number, score) and sentences (sentence number, score),
    best first."""

    papers: list[tuple[int, float]]
    sentences: list[tuple[int, float]]


def is_installed() -> bool:
    return importlib.util.find_spec("fastembed") is not None


class SentenceModel:
    """A sentence model run by fastembed: loaded by name (fastembed downloads it once into
    `cache_dir`) or from a folder (a model.onnx, or onnx/model.onnx, and its tokenizer files).
    Safe to call from several threads."""

    def __init__(self, model: str, cache_dir: Path | None = None) -> None:
        if not is_installed():
            raise SemanticUnavailable(f"the semantic stage needs its extra: {INSTALL_HINT}")
        self.name = model
        folder = Path(model).expanduser()
        looks_like_path = folder.is_absolute() or model.startswith((".", "~")) or "\\" in model
        if folder.is_dir():
            self._embedding = _from_folder(folder)
            self.identity = _folder_identity(folder)
        elif looks_like_path:
            raise SemanticUnavailable(f"semantic model folder {model} does not exist")
        else:
            self._embedding = _by_name(model, cache_dir)
            self.identity = model
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], *, progress: str | None = None) -> np.ndarray:
        """Unit-length float32 rows, one per text. `progress`: a bar's label (on a terminal)."""
        # Texts of like length together: each batch is padded only to its longest.
        order = sorted(range(len(texts)), key=lambda number: len(texts[number]))
        vectors: np.ndarray | None = None
        with self._lock, _bar(len(texts), progress) as bar:
            for start in range(0, len(order), _BATCH):
                batch = [texts[number] for number in order[start : start + _BATCH]]
                rows = np.asarray(list(self._embedding.embed(batch, batch_size=_BATCH)))
                if vectors is None:
                    vectors = np.empty((len(texts), rows.shape[1]), dtype=np.float32)
                vectors[order[start : start + len(batch)]] = rows
                bar.update(len(batch))
        if vectors is None:
            return np.zeros((0, 0), dtype=np.float32)
        return _unit(vectors)


def _bar(total: int, label: str | None) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit=" texts", disable=None if label else True)


def _by_name(model: str, cache_dir: Path | None) -> Any:
    from fastembed import TextEmbedding

    try:
        return TextEmbedding(model, cache_dir=str(cache_dir) if cache_dir else None)
    except ValueError as exc:
        raise SemanticUnavailable(f"fastembed does not know the model {model!r}") from exc
    except Exception as exc:  # fastembed's download raises whatever its HTTP client does
        raise SemanticUnavailable(
            f"cannot download the semantic model {model!r} ({exc.__class__.__name__}); "
            "on a machine without a network, set PAPERBOT_SEMANTIC_MODEL to a folder holding it"
        ) from exc


def _from_folder(folder: Path) -> Any:
    """A folder's model, as fastembed loads one by name but from the folder's files: pooled as
    its sentence-transformers pooling config says (the mean when there is none), normalised."""
    from fastembed import TextEmbedding
    from fastembed.common.model_description import ModelSource, PoolingType

    model_file = "model.onnx" if (folder / "model.onnx").is_file() else "onnx/model.onnx"
    if not (folder / model_file).is_file() or not (folder / "tokenizer.json").is_file():
        raise SemanticUnavailable(
            f"semantic model folder {folder} needs model.onnx (or onnx/model.onnx) and "
            "tokenizer.json"
        )
    pooling_config = _json(folder / "1_Pooling" / "config.json")
    pooling = PoolingType.CLS if pooling_config.get("pooling_mode_cls_token") else PoolingType.MEAN
    name = f"paperbot-folder/{hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]}"
    known = {description["model"] for description in TextEmbedding.list_supported_models()}
    if name not in known:
        TextEmbedding.add_custom_model(
            model=name,
            pooling=pooling,
            normalization=True,
            sources=ModelSource(hf=name),  # never fetched: the files come from the folder
            dim=int(_json(folder / "config.json").get("hidden_size", 0)),
            model_file=model_file,
        )
    try:
        return TextEmbedding(name, specific_model_path=str(folder))
    except Exception as exc:  # onnxruntime's and tokenizers' errors have no common base
        raise SemanticUnavailable(f"cannot load the semantic model in {folder}: {exc}") from exc


def _json(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _folder_identity(folder: Path) -> str:
    """The folder and its files' sizes and times: a replaced model gets new vectors."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    stamps = [f"{p.relative_to(folder)}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files]
    return f"{folder.resolve()}\n" + "\n".join(stamps)


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: np.ndarray = vectors / np.maximum(norms, 1e-12)
    return unit


@dataclass(frozen=True)
class Vectors:
    """Every sentence's and every paper's vector, float16, unit length (read-only)."""

    sentences: np.ndarray  # (sentences, dimensions), in the index's sentence order
    papers: np.ndarray  # (papers, dimensions)

    def to_arrays(self, key: str) -> dict[str, np.ndarray]:
        return {
            "key": np.frombuffer(key.encode(), dtype=np.uint8),
            "sentences": self.sentences,
            "papers": self.papers,
        }

    @classmethod
    def from_arrays(
        cls, arrays: dict[str, np.ndarray], key: str, sentences: int, papers: int
    ) -> Vectors:
        """The vectors stored by `to_arrays`; ValueError where they are not these."""
        stored_key = arrays["key"]
        if stored_key.dtype != np.uint8 or stored_key.tobytes() != key.encode():
            raise ValueError("stale")
        sentence_vectors, paper_vectors = arrays["sentences"], arrays["papers"]
        for array, rows in ((sentence_vectors, sentences), (paper_vectors, papers)):
            if array.dtype != np.float16 or array.ndim != 2 or array.shape[0] != rows:
                raise ValueError("damaged")
        if sentence_vectors.shape[1] != paper_vectors.shape[1]:
            raise ValueError("damaged")
        return cls(sentence_vectors, paper_vectors)


def vectors_key(model: SentenceModel, papers: Sequence[PaperText]) -> str:
    """A fingerprint of everything the vectors depend on: the model and the texts embedded."""
    digest = hashlib.sha256(f"{FORMAT_VERSION}\n{model.identity}".encode())
    for paper in papers:
        digest.update(b"\x00" + paper.title.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00" + paper.abstract.encode("utf-8", "surrogatepass"))
        digest.update(paper.bounds.tobytes())
    return digest.hexdigest()


def embed_papers(model: SentenceModel, papers: Sequence[PaperText]) -> Vectors:
    """Every sentence and title of `papers` embedded (with a progress bar on a terminal); a
    paper's vector is the mean of its title's and its sentences' (the abstract whole would cost
    as much again to embed, and the model reads only its first few hundred words)."""
    sentences = [sentence for paper in papers for sentence in paper.sentences]
    sentence_vectors = model.embed(sentences, progress="embedding sentences")
    title_vectors = model.embed([paper.title for paper in papers], progress="embedding titles")
    dimensions = max(sentence_vectors.shape[1], title_vectors.shape[1])
    sentence_vectors = sentence_vectors.reshape(len(sentences), dimensions)
    title_vectors = title_vectors.reshape(len(papers), dimensions)
    counts = np.array([paper.sentence_count for paper in papers], dtype=np.int64)
    sums = title_vectors.astype(np.float64)
    owners = np.repeat(np.arange(len(papers)), counts)
    np.add.at(sums, owners, sentence_vectors)
    paper_vectors = _unit(sums / (counts[:, None] + 1))
    return Vectors(
        _read_only(sentence_vectors.astype(np.float16)),
        _read_only(paper_vectors.astype(np.float16)),
    )


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


class SemanticStage:
    """A corpus's vectors and the model that embeds its questions: fuses BM25 with meaning."""

    def __init__(
        self, model: SentenceModel, vectors: Vectors, params: SemanticParams | None = None
    ) -> None:
        self.model = model
        self.vectors = vectors
        self.params = params or SemanticParams()

    def similarities(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        """The question's cosine similarity with every paper and with every sentence."""
        query = self.model.embed([question])[0]
        papers = self.vectors.papers.astype(np.float32) @ query
        rows = self.vectors.sentences
        sentences = np.empty(len(rows), dtype=np.float32)
        for start in range(0, len(rows), _BLOCK_ROWS):
            block = rows[start : start + _BLOCK_ROWS].astype(np.float32)
            np.matmul(block, query, out=sentences[start : start + len(block)])
        return papers, sentences

    def fuse(
        self,
        question: str,
        paper_scores: np.ndarray,
        sentence_hits: Sequence[tuple[int, float]],
        sentence_paper: np.ndarray,
        allowed: np.ndarray | None,
        *,
        by_words: bool,
        bm25_paper_share: float = 0.0,
    ) -> Fused | None:
        """BM25's paper scores (every paper) and best sentences fused with the question's
        similarities; None where the question fits nothing. `by_words`: whether BM25 found the
        question's words in the papers (if not, only a close enough sentence answers);
        `bm25_paper_share`: what each unit of a paper's BM25 score adds to its sentences'."""
        params = self.params
        paper_similarity, sentence_similarity = self.similarities(question)
        if allowed is not None:
            paper_similarity[~allowed] = -np.inf
            sentence_similarity[~allowed[sentence_paper]] = -np.inf
        if not by_words and not sentence_similarity.max(initial=-np.inf) >= params.min_similarity:
            return None
        if params.best_sentence_share > 0:
            paper_similarity = _with_best_sentence(
                paper_similarity, sentence_similarity, sentence_paper, params.best_sentence_share
            )
        wanted = params.candidates
        by_paper = _best(paper_scores, wanted, positive=True)
        from_last = params.scaling == "range"
        by_paper_meaning = _best(paper_similarity, wanted)
        papers = _fused(by_paper, by_paper_meaning, params.paper_weight, from_last=from_last)
        paper_fused = np.zeros(len(paper_scores))
        if papers:
            best_paper = papers[0][1]
            for number, score in papers:
                paper_fused[number] = score / best_paper if best_paper > 0 else 0.0
        by_meaning = _best(sentence_similarity, wanted)
        if not params.keep_bm25_paper_share:
            share = bm25_paper_share
            own = [(n, s - share * paper_scores[sentence_paper[n]]) for n, s in sentence_hits]
            sentence_hits = _ranked((n, s) for n, s in own if s > 0)
        sentences = _fused(
            list(sentence_hits), by_meaning, params.sentence_weight, from_last=from_last
        )
        lifted = [
            (number, score + params.paper_share * paper_fused[sentence_paper[number]])
            for number, score in sentences
        ]
        return Fused(papers, _ranked(lifted))


def _with_best_sentence(
    paper_similarity: np.ndarray,
    sentence_similarity: np.ndarray,
    sentence_paper: np.ndarray,
    share: float,
) -> np.ndarray:
    """Each paper's similarity mixed with its closest sentence's: `share` of the latter (a
    paper without sentences keeps its own)."""
    closest = np.full(len(paper_similarity), -np.inf, dtype=np.float32)
    np.maximum.at(closest, sentence_paper, sentence_similarity)
    mixed = paper_similarity.copy()
    has = np.isfinite(closest)  # not for papers left out (-inf) or without sentences
    mixed[has] = (1 - share) * paper_similarity[has] + share * closest[has]
    return mixed


def _best(scores: np.ndarray, count: int, *, positive: bool = False) -> list[tuple[int, float]]:
    """The `count` best (number, score), best first (ties: the lower number), finite only."""
    valid = np.flatnonzero(scores > 0) if positive else np.flatnonzero(np.isfinite(scores))
    if len(valid) > count:
        valid = valid[np.argpartition(-scores[valid], count - 1)[:count]]
    return _ranked((int(i), float(scores[i])) for i in valid)


def _ranked(items: Iterable[tuple[int, float]]) -> list[tuple[int, float]]:
    return sorted(items, key=lambda item: (-item[1], item[0]))


def _scaled(ranking: Sequence[tuple[int, float]], *, from_last: bool) -> dict[int, float]:
    """Each candidate's score in [0, 1]: over the best (BM25's, which starts at zero), or from
    the last candidate's to the best (similarities, whose zero means nothing)."""
    if not ranking:
        return {}
    top, low = ranking[0][1], (ranking[-1][1] if from_last else 0.0)
    span = top - low
    return {number: (score - low) / span if span > 0 else 1.0 for number, score in ranking}


def _fused(
    by_words: Sequence[tuple[int, float]],
    by_meaning: Sequence[tuple[int, float]],
    weight: float,
    *,
    from_last: bool = True,
) -> list[tuple[int, float]]:
    """The scaled scores summed over the union of both candidate lists, best first."""
    words = _scaled(by_words, from_last=False)
    meaning = _scaled(by_meaning, from_last=from_last)
    union = words.keys() | meaning.keys()
    return _ranked((n, words.get(n, 0.0) + weight * meaning.get(n, 0.0)) for n in union)


def load_vectors(
    model: SentenceModel,
    papers: Sequence[PaperText],
    path: Path | None,
    read: Callable[[Path], dict[str, np.ndarray]],
    write: Callable[[Path, dict[str, np.ndarray]], None],
) -> Vectors:
    """The vectors of `papers`, read from `path` when it holds this model's vectors of these
    texts, else embedded (and written there). `read` and `write`: the index cache's files."""
    key = vectors_key(model, papers)
    sentences = sum(paper.sentence_count for paper in papers)
    if path is not None:
        try:
            return Vectors.from_arrays(read(path), key, sentences, len(papers))
        except (FileNotFoundError, NotADirectoryError):
            pass
        except (OSError, ValueError, KeyError, EOFError) as exc:
            log.info("Semantic vectors %s unusable (%s); embedding again.", path, exc)
        except Exception as exc:  # a damaged zip: zipfile's and struct's errors
            log.warning("Semantic vectors %s unreadable (%s); embedding again.", path, exc)
    vectors = embed_papers(model, papers)
    if path is not None:
        write(path, vectors.to_arrays(key))
    return vectors
