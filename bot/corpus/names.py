"""People's names as they are written: one person under several spellings is one person.

A corpus may write one person as "Jane Q. R. Doe", "Jane Doe" and "J. Q. R. Doe", or as
"Oligschläger", "Oligschlager" and "Oligschlaeger". Two spellings are one person when their last
names agree (in ASCII, an umlaut written as "ae" or without its dots alike) and their given names
are compatible: each given name of the shorter matches one of the longer, in order, in full or by
its initial ("Jane" and "J."), and anything the shorter leaves out before its first is initials
("J. Zed Roe" and "Zed Roe"). Names are split by BibTeX's rules (bibtexparser's), with two
changes for names as people type them: a capitalised particle belongs to the last name ("Guy Van
den Broeck": "Van den Broeck"), and a name all in lower case has given names ("julia huntenburg").
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from anyascii import anyascii

# Words that join the last name when written before it, in any case ("Van den Broeck").
_PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "da",
        "di",
        "du",
        "del",
        "della",
        "dei",
        "la",
        "le",
        "ter",
        "ten",
        "dos",
        "das",
        "al",
        "el",
        "bin",
        "ibn",
        "st",
    ]
)
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
    # bibtexparser loads only when a corpus has names (it takes a while to import).
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    try:
        parts = parse_single_name_into_parts(name, strict=False)
        first, von, last = list(parts.first), list(parts.von), list(parts.last)
    except Exception:  # a name BibTeX's rules cannot split: its last word is the last name
        words = name.split()
        first, von, last = words[:-1], [], words[-1:]
    if not first and von and name == name.lower():
        # All in lower case, BibTeX reads every word but the last as a particle.
        while von and von[0].casefold() not in _PARTICLES:
            first.append(von.pop(0))
    while first and first[-1].casefold() in _PARTICLES and (len(first) > 1 or first[-1].islower()):
        von.insert(0, first.pop())
    given = tuple(g for g in _GIVEN_SPLIT.split(ascii_fold(" ".join(first))) if g)
    return NameParts(given, last_name_key(" ".join([*von, *last]).strip("{}")))


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


def _fullness(parts: NameParts, seen: int) -> tuple[int, int, int]:
    return (sum(len(g) > 1 for g in parts.given), len(parts.given), seen)


def group_spellings(names: Iterable[str]) -> list[tuple[str, ...]]:
    """The names grouped by person, each group's fullest spelling first. A spelling that could be
    two different people of the corpus ("J. Doe" with "Jane Doe" and "John Doe") stays apart."""
    counts = Counter(names)
    parts = {name: name_parts(name) for name in counts}
    by_last: dict[str, list[str]] = {}
    for name, split in parts.items():
        by_last.setdefault(without_spelled_umlauts(split.last), []).append(name)
    groups: list[tuple[str, ...]] = []
    for spellings in by_last.values():
        ordered = sorted(spellings, key=lambda n: _fullness(parts[n], counts[n]), reverse=True)
        groups.extend(_people_among(ordered, parts))
    return groups


def _people_among(ordered: list[str], parts: dict[str, NameParts]) -> list[tuple[str, ...]]:
    """Spellings of one last name, fullest first, grouped by person. Each is compared only with
    the people it could be: those whose fullest spelling starts with its initial, or that start
    with initials and then have its first given name ("J. Zed Roe" for "Zed Roe")."""
    people: list[list[str]] = []
    givens: list[set[tuple[str, ...]]] = []  # the distinct given names of each person
    by_initial: dict[str, list[int]] = {}
    by_later_name: dict[str, list[int]] = {}
    bare: list[int] = []  # people known by their last name alone
    for name in ordered:
        given = parts[name].given
        if given:
            near = {*by_initial.get(given[0][0], ()), *by_later_name.get(given[0], ()), *bare}
        else:
            near = set(range(len(people)))
        fits = [i for i in sorted(near) if all(given_compatible(given, g) for g in givens[i])]
        if len(fits) == 1:
            people[fits[0]].append(name)
            givens[fits[0]].add(given)
            continue
        index = len(people)
        people.append([name])
        givens.append({given})
        if not given:
            bare.append(index)
            continue
        by_initial.setdefault(given[0][0], []).append(index)
        if len(given[0]) == 1:
            for later in {g for g in given[1:] if len(g) > 1}:
                by_later_name.setdefault(later, []).append(index)
    return [tuple(person) for person in people]
