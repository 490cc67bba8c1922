"""People's names as they are written: one person under several spellings is one person.

A corpus may write one person as "Jane Q. R. Doe", "Jane Doe" and "J. Q. R. Doe", or as
"Oligschläger", "Oligschlager" and "Oligschlaeger". Two spellings are one person when their last
names agree (in ASCII, an umlaut written as "ae" or without its dots alike) and their given names
are compatible: each given name of the shorter matches one of the longer, in order, in full or by
its initial ("Jane" and "J."), and anything the shorter leaves out before its first is initials
("J. Zed Roe" and "Zed Roe"). nameparser splits a name into given names and a last name with its
particles ("Guy Van den Broeck": "Van den Broeck").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from anyascii import anyascii
from nameparser import HumanName

_GIVEN_SPLIT = re.compile(r"[\s.\-‐]+")
_LETTERS = re.compile(r"[^a-z' ]+")
# German umlauts written out ("ae" for "ä") inside a name: the same last name as the one with
# the umlaut, written without its dots ("Oligschlaeger", "Oligschlager"); never at a name's end
# ("Doe" is not "Do").
_UMLAUT_SPELLED = re.compile(r"(?<=[a-z])([aou])e(?=[a-z])")


@dataclass(frozen=True)
class NameParts:
    given: tuple[str, ...]  # lower-case ASCII given names and initials: ("jane", "q", "r")
    last: str  # lower-case ASCII last name with its particles: "van den broeck"


def ascii_fold(text: str) -> str:
    """Lower-case ASCII: 'Łukasz Schölkopf' -> 'lukasz scholkopf'."""
    return anyascii(text).casefold()


def last_name_key(last: str) -> str:
    """A last name in lower-case ASCII words: 'Oligschläger' -> 'oligschlager'."""
    return " ".join(_LETTERS.sub(" ", ascii_fold(last).replace("-", " ")).split())


def without_spelled_umlauts(key: str) -> str:
    """'oligschlaeger' -> 'oligschlager': the key under which spellings of umlauts meet."""
    return _UMLAUT_SPELLED.sub(r"\1", key)


@functools.lru_cache(maxsize=65536)
def name_parts(name: str) -> NameParts:
    """'Jane Q. R. Doe' -> (jane, q, r) and 'doe'; a one-word name is a last name."""
    parsed = HumanName(name)
    last = parsed.last.strip()
    given_text = " ".join(part for part in (parsed.first, parsed.middle) if part)
    if not last:  # one word ("Plato"), or nameparser read it all as a title
        words = name.split()
        last, given_text = (words[-1], " ".join(words[:-1])) if words else ("", "")
    given = tuple(g for g in _GIVEN_SPLIT.split(ascii_fold(given_text)) if g)
    return NameParts(given, last_name_key(last))


def _same_given(one: str, other: str) -> bool:
    if one == other:
        return True
    if len(one) == 1 or len(other) == 1:
        return one[0] == other[0]
    return False


def given_compatible(shorter: Sequence[str], longer: Sequence[str]) -> bool:
    """Whether the given names `shorter` can be `longer` written shorter (see the docstring)."""
    if len(shorter) > len(longer):
        shorter, longer = longer, shorter
    if not shorter:
        return True
    at = 0
    for number, name in enumerate(shorter):
        while at < len(longer) and not _same_given(name, longer[at]):
            if number == 0 and len(longer[at]) > 1:
                return False  # a full first name left out: "Zed Roe" is not "Jane Zed Roe"
            at += 1
        if at == len(longer):
            return False
        at += 1
    return True


def same_person(one: NameParts, other: NameParts) -> bool:
    return without_spelled_umlauts(one.last) == without_spelled_umlauts(
        other.last
    ) and given_compatible(one.given, other.given)


def _fullness(parts: NameParts, seen: int) -> tuple[int, int, int]:
    return (sum(len(g) > 1 for g in parts.given), len(parts.given), seen)


def group_spellings(names: Iterable[str]) -> list[tuple[str, ...]]:
    """The names grouped by person, each group's fullest spelling first. A spelling that could be
    two different people of the corpus ("J. Doe" with "Jane Doe" and "John Doe") stays apart."""
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    by_last: dict[str, list[str]] = {}
    for name in counts:
        by_last.setdefault(without_spelled_umlauts(name_parts(name).last), []).append(name)
    groups: list[tuple[str, ...]] = []
    for spellings in by_last.values():
        ordered = sorted(spellings, key=lambda n: _fullness(name_parts(n), counts[n]), reverse=True)
        people: list[list[str]] = []
        for name in ordered:
            parts = name_parts(name)
            fits = [
                group
                for group in people
                if all(same_person(parts, name_parts(member)) for member in group)
            ]
            if len(fits) == 1:
                fits[0].append(name)
            else:
                people.append([name])
        groups.extend(tuple(group) for group in people)
    return groups
