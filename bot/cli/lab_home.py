"""`paperbot init`: a lab's own folder for its papers and settings, outside the checkout and the
installed package (an upgrade replaces those; this folder stays)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bot.errors import PaperbotError
from bot.settings import env_example

DEFAULT_HOME = Path("~/paperbot")  # where `paperbot init` puts it when no folder is named
CORPUS_FOLDER = "papers"  # the corpus: every .toml and .jsonl file in it

SAMPLE_PAPERS = """\
# The papers paperbot answers questions about: every .toml and .jsonl file in this folder.
#
# One [[papers]] block per paper. Required: id (a short stable name), title, abstract.
# Optional: authors (a list), year, venue, url, code_url, doi, arxiv (an id such as 2101.00001).
# `paperbot import refs.bib --into {folder}` adds papers from BibTeX (Zotero, Google Scholar,
# DBLP); `paperbot check` tells whether the files read well.

# Whose list this is, as the bot says it ("Ada Lovelace's list"); optional.
# owner = "Ada Lovelace"

# A sample to show the fields: replace it with your first paper (or delete it once you have one).
[[papers]]
id = "sample-paper"
title = '''A Sample Paper: Replace This Block With One of Yours'''
authors = ["First Author", "Second Author"]
year = 2024
venue = "A Venue 2024"
# url = "https://example.org/the-paper"
# doi = "10.0000/example"
# arxiv = "2401.00001"
# code_url = "https://example.org/the-code"
# Abstracts are TOML literal strings ('''...'''): backslashes and LaTeX need no escaping.
abstract = '''
This sample stands in for a paper of yours. Each sentence of an abstract is searched on its own,
and the best sentences answer a question, under the paper they come from.'''
"""


class LabHomeError(PaperbotError):
    """The folder cannot be made into a lab's home without overwriting something."""


@dataclass(frozen=True)
class LabHome:
    folder: Path
    env_file: Path
    corpus: Path

    def next_steps(self) -> list[str]:
        """The three steps after `paperbot init`, as lines to print."""
        return [
            f"1. Put your papers in {self.corpus}/: edit papers.toml there, or run",
            f"   paperbot import refs.bib --into {self.corpus}",
            f"2. cd {self.folder} && paperbot check   (then `paperbot` opens the console on them)",
            f"3. For Discord: put the bot token in {self.env_file} (DISCORD_TOKEN=...), then",
            "   paperbot check --online && paperbot serve",
        ]


def create_lab_home(folder: Path) -> LabHome:
    """`folder` with a `.env` from the example (its corpus set to `folder/papers`, readable by
    its owner only) and `papers/papers.toml` holding a commented sample paper. Refuses, changing
    nothing, when either is there already."""
    folder = folder.expanduser().resolve()
    home = LabHome(folder, folder / ".env", folder / CORPUS_FOLDER)
    for existing in (home.env_file, home.corpus):
        if existing.exists():
            raise LabHomeError(f"{existing} exists already: nothing was changed")
    if folder.exists() and not folder.is_dir():
        raise LabHomeError(f"{folder} is a file, not a folder")
    try:
        home.corpus.mkdir(parents=True)
        papers = home.corpus / "papers.toml"
        papers.write_text(SAMPLE_PAPERS.format(folder=home.corpus), encoding="utf-8")
        _write_private(home.env_file, _env_text(home.corpus))
    except OSError as exc:
        raise LabHomeError(f"{folder}: {exc.strerror or exc}") from None
    return home


def _env_text(corpus: Path) -> str:
    """The example settings with the corpus key set to the lab's papers."""
    lines = env_example().splitlines()
    key = "PAPERBOT_CORPUS="
    return "\n".join(f"{key}{corpus}" if line == key else line for line in lines) + "\n"


def _write_private(path: Path, text: str) -> None:
    """`text` in a new file that only its owner can read: it will hold the bot token."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
