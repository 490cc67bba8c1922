"""The facts catalogue: a corpus's authors, venues and years arranged to be found in questions.

Built once with the index from the papers alone (and the venue table), and kept in the index
cache, so a first question reads it and builds nothing. Plain strings, tuples and dicts only:
the cache stores it field by field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.corpus.names import (
    ascii_fold,
    group_spellings,
    name_parts,
    without_spelled_umlauts,
)
from bot.corpus.papers import Paper
from bot.corpus.venues import Venue, VenueTable, is_acronym, venue_words
from bot.index.documents import PaperText
from bot.text.normalise import fold
from bot.text.spelling import english_words, words_of

TOKEN = re.compile(r"[^\W_]+(?:['’\-‐][^\W_]+)*")
YEAR = r"((?:19|20)\d\d)"
_VENUE_YEAR = re.compile(r"\s*'?\b(?:19|20)?\d\d\b\s*")


@dataclass(frozen=True)
class Token:
    text: str  # as typed
    word: str  # folded, without a possessive 's
    start: int
    end: int
    possessive: bool

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


def tokens(question: str) -> list[Token]:
    found = []
    for match in TOKEN.finditer(question):
        text = match.group()
        word = fold(text).replace("’", "'")
        possessive = word.endswith("'s")
        if possessive:
            word = word[:-2]
        found.append(Token(text, word, match.start(), match.end(), possessive))
    return found


def paper_year(paper: Paper) -> int | None:
    """The paper's year, or the year in its venue ("NeurIPS 2022")."""
    if paper.year is not None:
        return paper.year
    match = re.search(YEAR, paper.venue or "")
    return int(match.group(1)) if match else None


def venue_series(venue: str) -> str:
    """'NeurIPS 2022' -> 'NeurIPS': a venue's name without its year."""
    return " ".join(_VENUE_YEAR.sub(" ", venue).split()) or venue


@dataclass(frozen=True)
class Catalogue:
    """The corpus's metadata, arranged to be found in questions: plain strings, derived from the
    papers (and the venue table) alone."""

    papers: tuple[PaperText, ...]
    authors: dict[str, str]  # name as question words ("jane q r doe") -> name as written
    last_names: dict[str, tuple[str, ...]]  # last-name key ("van den broeck") -> names as written
    first_names: dict[str, tuple[str, ...]]  # folded first name -> full names
    venues: dict[str, str]  # folded venue name (without year) -> as written
    has_years: bool
    vocabulary: frozenset[str] = field(repr=False)
    # Each name as written -> every spelling of that person, the fullest first.
    people: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    # Each name as written -> its given names and last-name key (see bot.corpus.names).
    name_parts: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict, repr=False)
    # Every known name of a venue, as words -> the name the bot says ("neurips" -> "NeurIPS").
    venue_names: dict[tuple[str, ...], str] = field(default_factory=dict, repr=False)
    # A venue's name -> the venues as the papers write them that are that venue.
    venue_papers: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    # One-word venue names that are ordinary words ("brain", "nature"): filters only when
    # written as a name.
    ordinary_venue_words: frozenset[str] = field(default=frozenset(), repr=False)
    name_words: frozenset[str] = field(default=frozenset(), repr=False)  # "krain", "colm"

    @classmethod
    def of(
        cls,
        papers: Sequence[PaperText],
        own_venues: Sequence[Venue] = (),
        vocabulary: frozenset[str] | None = None,
    ) -> Catalogue:
        """The catalogue of `papers`, with the corpus's own venues beside the bundled table;
        `vocabulary`, when given, is their words (`words_of` their titles and abstracts),
        already collected with the index."""
        authors: dict[str, str] = {}
        last: dict[str, list[str]] = {}
        first: dict[str, list[str]] = {}
        venues: dict[str, str] = {}
        written: list[str] = []
        for text in papers:
            written.extend(text.record.authors)
            if text.record.venue:
                series = venue_series(text.record.venue)
                venues.setdefault(fold(series), series)
        parts: dict[str, tuple[tuple[str, ...], str]] = {}
        for name in dict.fromkeys(written):
            key = name_key(name)
            if not key:
                continue
            authors.setdefault(key, name)
            authors.setdefault(ascii_fold(" ".join(key.split())), name)
            split = name_parts(name)
            parts[name] = (split.given, split.last)
            surnames = {split.last, split.last.split()[-1]} if split.last else set()
            surnames |= {without_spelled_umlauts(surname) for surname in surnames}
            for surname in surnames | {key.split()[-1]}:
                last.setdefault(surname, []).append(name)
            if len(key.split()) > 1:
                first.setdefault(key.split()[0], []).append(name)
        people = {name: group for group in group_spellings(written) for name in group}
        words = vocabulary
        if words is None:
            words = frozenset(w for p in papers for w in words_of(f"{p.title} {p.abstract}"))
        table = VenueTable.of(own_venues)
        venue_papers: dict[str, list[str]] = {}
        for venue in sorted({p.record.venue for p in papers if p.record.venue}):
            for name in (*table.read(venue), venue_series(venue)):
                venue_papers.setdefault(name, []).append(venue)
        venue_names = dict(table.spellings)
        for series in venues.values():
            venue_names.setdefault(venue_words(series), series)
        ordinary = frozenset(
            key[0]
            for key, name in venue_names.items()
            if len(key) == 1
            and not is_acronym(name)
            and (key[0] in english_words() or key[0] in words)
        )
        return cls(
            papers=tuple(papers),
            authors=authors,
            last_names={k: tuple(dict.fromkeys(v)) for k, v in last.items()},
            first_names={k: tuple(v) for k, v in first.items()},
            venues=venues,
            has_years=any(paper_year(p.record) is not None for p in papers),
            vocabulary=words,
            people=people,
            name_parts=parts,
            venue_names=venue_names,
            venue_papers={k: tuple(v) for k, v in venue_papers.items()},
            ordinary_venue_words=ordinary,
            name_words=frozenset(word for key in authors for word in key.split()),
        )

    def papers_by(self, name: str) -> list[PaperText]:
        return [p for p in self.papers if name in p.record.authors]


def name_key(name: str) -> str:
    """A name as the words of a question: 'Jane Q. R. Doe' -> 'jane q r doe'."""
    return " ".join(t.word for t in tokens(name))
