"""Venues as people say them: reading a venue as a file writes it to the names people use.

Files write "Advances in Neural Information Processing Systems", "Proceedings of the 63rd Annual
Meeting of the Association for Computational Linguistics" or "Proc Natl Acad Sci U S A"; people
say "NeurIPS", "ACL 2025", "PNAS". The bundled table (`venues.toml`, package data) lists the common
venues with their long names, acronyms and NLM abbreviations; a corpus adds its own `[[venues]]`.

A venue as written is read to every table venue whose name it is, whose long name or alias it
contains (the longest wins: "Cerebral Cortex" is not "Cortex"), or whose acronym stands in it
("Findings of the ACL: EMNLP 2025" is EMNLP's). A one-word name that is an ordinary word
("Brain", "Nature") counts only when it is the whole venue.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

from anyascii import anyascii

from bot.errors import PaperbotError

# Words around a venue's name that say nothing about which venue it is.
_NOISE = re.compile(
    r"\b(?:proceedings|proc\.?(?= of)|of the|in)\b(?= )|\b\d+(?:st|nd|rd|th)\b|\b(?:19|20)\d\d\b"
    r"|'\d\d\b"
)
_WORD = re.compile(r"[a-z0-9&*]+")


class VenueTableError(PaperbotError):
    """A [[venues]] table cannot be read; the message says where."""


@dataclass(frozen=True)
class Venue:
    name: str  # as people say it: "NeurIPS"
    long: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *((self.long,) if self.long else ()), *self.aliases)


def venue_words(text: str) -> tuple[str, ...]:
    """A venue name as lower-case ASCII words, without years, ordinals or 'Proceedings of the'."""
    folded = anyascii(text).casefold().replace("-", " ").replace("/", " ")
    return tuple(_WORD.findall(_NOISE.sub(" ", f" {folded} ")))


def is_acronym(text: str) -> bool:
    """'NeurIPS', 'CVPR', '3DV', 'eLife'... as written: two capitals, or a digit and a capital."""
    capitals = sum(ch.isupper() for ch in text)
    return " " not in text.strip() and (
        capitals >= 2 or (capitals >= 1 and any(ch.isdigit() for ch in text))
    )


def venues_from_records(records: object, where: str) -> tuple[Venue, ...]:
    """The [[venues]] tables of a TOML file (or the bundled table), checked."""
    if records is None:
        return ()
    if not isinstance(records, list):
        raise VenueTableError(f"{where}: 'venues' must be a list of [[venues]] tables")
    found = []
    for number, record in enumerate(records, start=1):
        name = record.get("name") if isinstance(record, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise VenueTableError(f"{where}, venue {number}: 'name' must be a non-empty string")
        long = record.get("long")
        aliases = record.get("aliases", [])
        if long is not None and not isinstance(long, str):
            raise VenueTableError(f"{where}, venue {name!r}: 'long' must be text")
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise VenueTableError(f"{where}, venue {name!r}: 'aliases' must be a list of text")
        found.append(Venue(name.strip(), (long or "").strip() or None, tuple(aliases)))
    return tuple(found)


@functools.cache
def bundled_venues() -> tuple[Venue, ...]:
    """The bundled table of common venues."""
    text = resources.files("bot.corpus").joinpath("venues.toml").read_text(encoding="utf-8")
    return venues_from_records(tomllib.loads(text).get("venues"), "bot/corpus/venues.toml")


@dataclass(frozen=True)
class VenueTable:
    """Every spelling of every venue, as words -> the venue's name; a corpus's own entries win."""

    spellings: Mapping[tuple[str, ...], str]
    # One-word spellings that are not acronyms ("Brain", "Neuron", "Bioinformatics"): a venue
    # only when they are the whole venue, never inside a longer one ("Brain and Language").
    words_only: frozenset[tuple[str, ...]]

    @classmethod
    def of(cls, own: Sequence[Venue] = ()) -> VenueTable:
        spellings: dict[tuple[str, ...], str] = {}
        words_only: set[tuple[str, ...]] = set()
        for venue in (*own, *bundled_venues()):
            for spelling in venue.spellings:
                words = venue_words(spelling)
                if not words or words in spellings:
                    continue
                spellings[words] = venue.name
                if len(words) == 1 and not is_acronym(spelling):
                    words_only.add(words)
        return cls(spellings, frozenset(words_only))

    def read(self, venue: str) -> tuple[str, ...]:
        """The table names of the venue written `venue` (several for 'Findings ...: EMNLP')."""
        words = venue_words(venue)
        if not words:
            return ()
        whole = self.spellings.get(words)
        spans: list[tuple[int, int, str]] = []
        for size in range(len(words), 0, -1):
            for start in range(len(words) - size + 1):
                piece = words[start : start + size]
                name = self.spellings.get(piece)
                if name is None or (size < len(words) and piece in self.words_only):
                    continue
                end = start + size
                if any(s <= start and end <= e for s, e, _ in spans):
                    continue  # inside a longer name: "Cortex" in "Cerebral Cortex"
                spans.append((start, end, name))
        names = [name for _, _, name in sorted(spans)]
        if whole is not None:
            names.insert(0, whole)
        return tuple(dict.fromkeys(names))
