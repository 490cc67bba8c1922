"""Where the bundled papers are: the checkout's `corpus/` folder, or the copy inside the package.

A checkout keeps the papers in the top-level `corpus/` so that they are easy to edit; a wheel
carries the same files as the package data `bot/bundled_corpus/` (see `pyproject.toml`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def bundled_corpus() -> Path:
    """The folder of the bundled corpus, in a checkout or in an installed package."""
    if (_CHECKOUT_CORPUS / "papers.toml").is_file():
        return _CHECKOUT_CORPUS
    # An installed wheel unpacks its package data as real files, so the path is stable.
    return Path(str(resources.files("bot") / "bundled_corpus"))


BUNDLED_CORPUS = bundled_corpus()
