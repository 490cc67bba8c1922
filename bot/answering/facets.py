"""The facts a question names about the papers themselves: people, venues, years, one paper's fact.

Everything is matched against the corpus's own metadata (its authors, venues and years), by fixed
rules, so an answer can say what it understood: "papers by Yuanzhi Li from 2023 on". Names match
in any case, without their accents, by last name alone, and with a small misspelling; a year only
counts when the papers have years, a venue only when they have venues. What is left once the
facts are taken out is the question's topic ("Yuanzhi Li's papers on self-supervised learning").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import Levenshtein

from bot.corpus.names import (
    ascii_fold,
    given_compatible,
    last_name_key,
    without_spelled_umlauts,
)
from bot.corpus.papers import Paper
from bot.corpus.venues import venue_words
from bot.index.answer import CitationStyle, Fact
from bot.index.catalogue import (
    YEAR as _YEAR,
)
from bot.index.catalogue import (
    Catalogue,
    Token,
    paper_year,
    tokens,
    venue_series,
)
from bot.index.documents import PaperText
from bot.text.normalise import fold
from bot.text.spelling import english_words
from bot.text.stopwords import ENGLISH_STOPWORDS

# Words that frame a question about papers rather than name its topic.
FRAME_WORDS = frozenset(
    """paper papers publication publications work works worked working article articles list
    show give tell find every everything anything something write wrote written writing
    co-author co-authored co-authors coauthor coauthored coauthors author authored authors
    publish published appear appeared appears present presented accepted bot know knows many
    venue venues conference conferences journal link links url urls arxiv doi code cite
    citation bibtex year years later earlier older newer since latest newest oldest earliest
    recent please research researcher researchers people person involved together also known
    one ones entry reference apa style format page pdf repository repo github source
    implementation released release come came out whose""".split()  # noqa: SIM905
)
LIST_WORDS = frozenset(
    """paper papers publication publications works work worked article articles list wrote
    written write co-author co-authored coauthored authored published appeared anything
    everything""".split()  # noqa: SIM905
)
PERSON_CUES = frozenset({"by", "with", "and", "did", "does", "from"})

_FACTS: tuple[tuple[Fact, re.Pattern[str]], ...] = (
    ("cite", re.compile(r"\b(cite|citing|citation|bibtex|bib entry|apa)\b")),
    ("arxiv", re.compile(r"\barxiv\b")),
    ("doi", re.compile(r"\bdoi\b")),
    ("code", re.compile(r"\b(source code|code|github|gitlab|implementation)\b")),
    # A repository is a code link unless the question is about data ("which repository
    # shares statistical maps?", "a data repository").
    (
        "code",
        re.compile(
            r"^(?!.*\b(data|datasets?|database|maps?|images?|scans?|archive|samples?)\b)"
            r".*\b(repository|repo)\b"
        ),
    ),
    (
        "authors",
        re.compile(
            r"\bwho\b.*\b(wrote|write|writes|written|authored|authors?|co-?authors?)\b"
            r"|\b(authors?|co-?authors?|author list) (of|for|on)\b|\bwritten by whom\b"
        ),
    ),
    (
        "venue",
        re.compile(
            r"\b(venue|conference|journal|proceedings)\b"
            r"|\bwhere\b.*\b(published|appear|appeared|presented|accepted)\b"
        ),
    ),
    (
        "year",
        re.compile(
            r"\bwhen\b.*\b(published|written|released|appear|appeared|out)\b"
            r"|\b(what|which) year\b"
        ),
    ),
    ("link", re.compile(r"\b(links?|url|pdf|where can i (read|find))\b")),
)
# "the WIND paper", "this paper", "the paper on X": the question is about one paper.
_ONE_PAPER = re.compile(
    r"\b(the|this|that|its?)\b(?:\s+[\w\-'’]+){0,6}?\s+paper\b|\bpaper (on|about)\b"
)
_COUNT = re.compile(
    r"\bhow many (papers|publications|articles)\b|\bnumber of (papers|publications|articles)\b"
)
_WHO_IS = re.compile(r"\bwho(?: is|'s|’s)\b")


@dataclass(frozen=True)
class YearRange:
    """Years from `first` to `last`, both included; None leaves that end open."""

    first: int | None
    last: int | None

    def __contains__(self, year: object) -> bool:
        if not isinstance(year, int):
            return False
        return (self.first is None or year >= self.first) and (
            self.last is None or year <= self.last
        )

    def describe(self) -> str:
        if self.first == self.last:
            return str(self.first)
        if self.last is None:
            return f"{self.first} or later"
        if self.first is None:
            return f"before {self.last + 1}"
        return f"{self.first} to {self.last}"


@dataclass(frozen=True)
class Facets:
    """What a question names: the filters, the fact asked, and the topic left over."""

    authors: tuple[str, ...] = ()  # corpus names
    # Each person named, as the corpus names they may be ("Okafor": Lena or Priya Okafor).
    author_groups: tuple[tuple[str, ...], ...] = ()
    unknown_people: tuple[str, ...] = ()  # names asked for that no paper has
    people: tuple[str, ...] = ()  # each person named, as the bot says them ("Jane Q. R. Doe")
    venues: tuple[str, ...] = ()
    venue_strings: frozenset[str] = frozenset()  # the venues as written that `venues` are
    unknown_venues: tuple[str, ...] = ()
    years: YearRange | None = None
    order: Literal["latest", "oldest"] | None = None
    fact: Fact | None = None
    citation_style: CitationStyle = "bibtex"
    count: bool = False
    who_is: bool = False
    one_paper: bool = False  # "the ... paper", "this paper"
    wants_list: bool = False  # a word that asks for papers ("papers", "wrote", "published")
    person_cue: bool = False
    topic: str = ""  # the question's own words once the facts are taken out

    @property
    def filters(self) -> bool:
        return bool(self.authors or self.venues or self.years or self.order)

    def matches(self, paper: Paper) -> bool:
        """Whether `paper` passes every filter (every person named; any venue named)."""
        if any(not set(group) & set(paper.authors) for group in self.author_groups):
            return False
        if self.venues and paper.venue not in self.venue_strings:
            return False
        return self.years is None or paper_year(paper) in self.years


def parse(question: str, catalogue: Catalogue) -> Facets:
    """The facets of `question` against `catalogue` (see the module docstring)."""
    words = tokens(question)
    used: set[int] = set()  # token positions that named a fact
    folded = " ".join(fold(question).replace("’", "'").split())

    years, order = _years(question, words, used) if catalogue.has_years else (None, None)
    venues, unknown_venues = _venues(words, catalogue, used)
    wants_list = any(t.word in LIST_WORDS for t in words)
    groups, unknown_people, person_cue = _people(words, catalogue, used, wants_list)
    authors = list(dict.fromkeys(name for group in groups for name in group))

    fact: Fact | None = None
    for name, pattern in _FACTS:
        if pattern.search(folded):
            fact = name
            break
    topic = " ".join(
        t.text
        for i, t in enumerate(words)
        if i not in used
        and t.word not in ENGLISH_STOPWORDS
        and t.word not in FRAME_WORDS
        and not t.word.isdigit()
    )
    return Facets(
        authors=tuple(authors),
        author_groups=tuple(groups),
        unknown_people=tuple(unknown_people),
        people=tuple(describe_people(catalogue, group) for group in groups),
        venues=tuple(venues),
        venue_strings=frozenset(v for name in venues for v in catalogue.venue_papers.get(name, ())),
        unknown_venues=tuple(unknown_venues),
        years=years,
        order=order,
        fact=fact,
        citation_style="apa" if re.search(r"\bapa\b", folded) else "bibtex",
        count=bool(_COUNT.search(folded)),
        who_is=bool(_WHO_IS.search(folded)),
        one_paper=bool(_ONE_PAPER.search(folded)),
        wants_list=wants_list,
        person_cue=person_cue,
        topic=topic,
    )


# --- years --------------------------------------------------------------------------------------

_YEAR_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"\bbetween {_YEAR} and {_YEAR}\b"), "range"),
    (re.compile(rf"\b(?:from )?{_YEAR} ?(?:-|–|to|until) ?{_YEAR}\b"), "range"),
    (re.compile(rf"\b(?:in |from )?{_YEAR},? or (?:later|after|newer|since)\b"), "from"),
    (re.compile(rf"\b(?:in |from )?{_YEAR},? (?:and|or) (?:later|after|newer|since)\b"), "from"),
    (re.compile(rf"\b(?:in |from )?{_YEAR},? (?:or|and) (?:earlier|before|older)\b"), "to"),
    (re.compile(rf"\b(?:since|starting (?:in|from)) {_YEAR}\b"), "from"),
    (re.compile(rf"\bfrom {_YEAR} on(?:wards?)?\b"), "from"),
    (re.compile(rf"\bafter {_YEAR}\b"), "after"),
    (re.compile(rf"\bbefore {_YEAR}\b"), "before"),
    (re.compile(rf"\b(?:until|up to|through|till) {_YEAR}\b"), "to"),
    (re.compile(rf"\b{_YEAR}\b"), "in"),
)
_LATEST = re.compile(r"\b(latest|newest|most recent|recent)\b")
_OLDEST = re.compile(r"\b(oldest|earliest)\b")


def _years(
    question: str, words: Sequence[Token], used: set[int]
) -> tuple[YearRange | None, Literal["latest", "oldest"] | None]:
    text = question.casefold()
    years: YearRange | None = None
    for pattern, rule in _YEAR_RULES:
        match = pattern.search(text)
        if not match:
            continue
        first = int(match.group(1))
        if rule == "range":
            years = YearRange(first, int(match.group(2)))
        elif rule == "from":
            years = YearRange(first, None)
        elif rule == "after":
            years = YearRange(first + 1, None)
        elif rule == "before":
            years = YearRange(None, first - 1)
        elif rule == "to":
            years = YearRange(None, first)
        else:
            years = YearRange(first, first)
        _use_span(words, match.start(), match.end(), used)
        break
    order: Literal["latest", "oldest"] | None = None
    for pattern, name in ((_LATEST, "latest"), (_OLDEST, "oldest")):
        if match := pattern.search(text):
            order = name  # type: ignore[assignment]
            _use_span(words, match.start(), match.end(), used)
            break
    return years, order


def _use_span(words: Sequence[Token], start: int, end: int, used: set[int]) -> None:
    used.update(i for i, t in enumerate(words) if t.start < end and start < t.end)


# --- venues -------------------------------------------------------------------------------------


_LONGEST_VENUE = 8  # words: "Proceedings of the National Academy of Sciences"
_VENUE_CUES_BEFORE = frozenset({"at", "in", "to", "from", "for"})
_VENUE_CUES_AFTER = frozenset(
    {"paper", "papers", "article", "articles", "publication", "publications"}
)


def _venues(
    words: Sequence[Token], catalogue: Catalogue, used: set[int]
) -> tuple[list[str], list[str]]:
    """The venues the question names: by any name the table or the papers give them, longest
    first ("Cerebral Cortex" before "Cortex"), an ordinary word only when written as a name."""
    known: list[str] = []
    unknown: list[str] = []
    if not catalogue.venues:
        return known, unknown  # papers without venues: "Cell" or "ACL" in a question is a word
    for i, window in _free_windows(words, used, _LONGEST_VENUE, 1):
        if any(_part_of_a_name(t, catalogue) for t in window):
            continue
        key = venue_words(" ".join(t.text for t in window))
        name = catalogue.venue_names.get(key) if key else None
        if name is None or not _said_as_venue(words, i, len(window), key, catalogue):
            continue
        used.update(range(i, i + len(window)))
        if name not in known:
            known.append(name)
    for i, token in enumerate(words):
        if i in used:
            continue
        name = None
        if len(token.word) >= 5 and token.capitalised and not _part_of_a_name(token, catalogue):
            close = [
                v for k, v in catalogue.venues.items() if Levenshtein.distance(k, token.word) <= 1
            ]
            name = close[0] if len(close) == 1 else None
        if name is not None:
            used.add(i)
            if name not in known:
                known.append(name)
        elif _looks_like_venue(words, i, catalogue):
            unknown.append(token.text)
    return known, unknown


def _free_windows(
    words: Sequence[Token], used: set[int], longest: int, shortest: int
) -> Iterator[tuple[int, Sequence[Token]]]:
    """Each run of `longest` down to `shortest` words, longest first and left to right, with its
    start, that holds no word of `used`; checked as each run is reached, so a match the caller
    marks in `used` keeps the shorter runs inside it from matching again."""
    for size in range(min(longest, len(words)), shortest - 1, -1):
        for i in range(len(words) - size + 1):
            if not any(j in used for j in range(i, i + size)):
                yield i, words[i : i + size]


def _part_of_a_name(token: Token, catalogue: Catalogue) -> bool:
    """A word of a person's name ("Colm", "Krain"), unless written as an acronym ("COLM")."""
    return token.word in catalogue.name_words and sum(ch.isupper() for ch in token.text) < 2


def _said_as_venue(
    words: Sequence[Token], start: int, size: int, key: tuple[str, ...], catalogue: Catalogue
) -> bool:
    """Whether the words at `start` name a venue rather than say what they ordinarily mean:
    "Cortex papers" and "published in Brain" do, "primary cortex" and "the brain mosaic" do not."""
    window = words[start : start + size]
    before = words[start - 1].word if start > 0 else ""
    after = words[start + size].word if start + size < len(words) else ""
    cued = (
        before in _VENUE_CUES_BEFORE
        or after in _VENUE_CUES_AFTER
        or (before == "the" and start > 1 and words[start - 2].word in _VENUE_CUES_BEFORE)
    )
    ordinary = all(
        w in catalogue.ordinary_venue_words or w in catalogue.vocabulary or w in english_words()
        for w in key
    )
    if size == 1 and len(key) == 1 and key[0] in catalogue.ordinary_venue_words:
        return window[0].capitalised and cued
    if ordinary:
        # Every word an ordinary one ("Machine Learning", "Cerebral Cortex"): a name when
        # written as one, where a venue is said.
        names = [t for t in window if t.word not in ENGLISH_STOPWORDS]
        return all(t.capitalised for t in names) and cued
    if any(t.text.islower() for t in window) and size == 1:
        # An acronym typed in lower case that is also a word of the papers ("rss"): only
        # where a venue is said.
        return cued or key[0] not in catalogue.vocabulary
    return True


def _looks_like_venue(words: Sequence[Token], i: int, catalogue: Catalogue) -> bool:
    """An acronym that names no venue known here, after 'at'/'in' or before 'paper(s)': 'XYZW'."""
    token = words[i]
    if not catalogue.venues or sum(ch.isupper() for ch in token.text) < 2 or len(token.word) < 3:
        return False
    if token.word in FRAME_WORDS:
        return False
    if token.word in catalogue.vocabulary or token.word in catalogue.authors:
        return False
    before = words[i - 1].word if i > 0 else ""
    after = words[i + 1].word if i + 1 < len(words) else ""
    return before in ("at", "in", "to") or after in ("paper", "papers")


# --- people -------------------------------------------------------------------------------------


def _people(
    words: Sequence[Token], catalogue: Catalogue, used: set[int], wants_list: bool
) -> tuple[list[tuple[str, ...]], list[str], bool]:
    known: list[tuple[str, ...]] = []
    cue = False
    if catalogue.authors:
        longest = min(_LONGEST_NAME, max(len(key.split()) for key in catalogue.authors))
        for i, window in _free_windows(words, used, longest, 2):
            names = person_named(catalogue, [t.word for t in window])
            if names and (any(t.capitalised for t in window) or _after_cue(words, i) or wants_list):
                used.update(range(i, i + len(window)))
                known.append(names)
        for i, token in enumerate(words):
            if i in used or not _names_a_person(words, i):
                continue
            names = _everyone(catalogue, _by_last_name(catalogue, token.word))
            names = names or _close_last_name(token, catalogue)
            if not names and _after_cue(words, i) and len(token.word) >= 3:
                names = catalogue.first_names.get(token.word, ())  # "papers by Yuanzhi"
            if names:
                used.add(i)
                known.append(names)
    unknown: list[str] = []
    for i, token in enumerate(words):
        if (
            token.word in PERSON_CUES
            or token.possessive
            or (token.word == "is" and i > 0 and words[i - 1].word == "who")
        ):
            cue = cue or token.word in ("by", "with") or token.possessive
    for name in _unknown_names(words, catalogue, used, lower_case=wants_list):
        unknown.append(name)
    return list(dict.fromkeys(known)), unknown, cue or bool(known)


_LONGEST_NAME = 8  # words: "Tirso Rene Del Jesus Gonzalez Alam"


def person_named(catalogue: Catalogue, words: Sequence[str]) -> tuple[str, ...]:
    """Every spelling of the people that the words `words` name ("jane q r doe", "zed roe",
    "van den broeck", "y lipman", a last name one letter off): () if they name no one."""
    key = " ".join(words)
    exact = catalogue.authors.get(key) or catalogue.authors.get(ascii_fold(key))
    if exact is not None:
        return catalogue.people.get(exact, (exact,))
    if any(w in ENGLISH_STOPWORDS or w in FRAME_WORDS for w in (words[0], words[-1])):
        return ()  # "by Bernhard" is no name, even one letter off "B Bernhardt"
    for split in range(len(words)):
        given = tuple(words[:split])
        if any(g in ENGLISH_STOPWORDS or g in FRAME_WORDS for g in given):
            continue
        last = last_name_key(" ".join(words[split:]))
        names = _by_last_name(catalogue, last)
        if not names and given and len(last) >= 5 and " " not in last:
            names = _one_letter_off(catalogue, last, given)
        fitting = [
            name
            for name in names
            if name in catalogue.name_parts
            and given_compatible(given, catalogue.name_parts[name][0])
        ]
        if fitting and (given or split == 0):
            return _everyone(catalogue, fitting)
    name = _full_name(key, catalogue) if 1 < len(words) <= 3 else None
    return catalogue.people.get(name, (name,)) if name else ()


def _by_last_name(catalogue: Catalogue, typed: str) -> tuple[str, ...]:
    """The names with the last name `typed` ("Oligschlaeger" also finds "Oligschläger")."""
    key = last_name_key(typed)
    found = catalogue.last_names.get(key, ())
    return found or catalogue.last_names.get(without_spelled_umlauts(key), ())


def _one_letter_off(catalogue: Catalogue, last: str, given: Sequence[str]) -> tuple[str, ...]:
    """The names with a last name one letter off `last` ("Abeel"), when a full given name is
    there to confirm it."""
    if not any(len(g) > 1 for g in given):
        return ()
    close = [k for k in catalogue.last_names if Levenshtein.distance(k, last) == 1]
    return tuple(n for k in close for n in catalogue.last_names[k])


def _everyone(catalogue: Catalogue, names: Iterable[str]) -> tuple[str, ...]:
    """The names with every other spelling of the same people."""
    return tuple(
        dict.fromkeys(
            spelling for name in names for spelling in catalogue.people.get(name, (name,))
        )
    )


def describe_people(catalogue: Catalogue, names: Sequence[str]) -> str:
    """'Jane Q. R. Doe' for all her spellings; 'Lena Okafor or Priya Okafor' for two people."""
    return " or ".join(dict.fromkeys(catalogue.people.get(n, (n,))[0] for n in names))


def _after_cue(words: Sequence[Token], i: int) -> bool:
    """Written where a name goes: after 'by'/'with', or with a possessive ("Yuanzhi's")."""
    return words[i].possessive or (i > 0 and words[i - 1].word in PERSON_CUES)


def _close_last_name(token: Token, catalogue: Catalogue) -> tuple[str, ...]:
    """The people whose last name is one letter off a capitalised word ("Quirogaa")."""
    if len(token.word) < 6 or not token.capitalised or token.word in english_words():
        return ()
    key = last_name_key(token.word)
    close = [last for last in catalogue.last_names if Levenshtein.distance(last, key) <= 1]
    return _everyone(catalogue, catalogue.last_names[close[0]]) if len(close) == 1 else ()


def _full_name(window: str, catalogue: Catalogue) -> str | None:
    exact = catalogue.authors.get(window)
    if exact is not None:
        return exact
    if len(window) < 7:
        return None
    allowed = 1 if len(window) <= 10 else 2
    best = min(
        catalogue.authors,
        key=lambda key: Levenshtein.distance(key, window, score_cutoff=allowed + 1),
    )
    distance = Levenshtein.distance(best, window)
    initials = [part[:1] for part in best.split()] == [part[:1] for part in window.split()]
    return catalogue.authors[best] if distance <= allowed and initials else None


def _names_a_person(words: Sequence[Token], i: int) -> bool:
    """A last name alone names someone when written as a name, after 'by' or before "'s"."""
    token = words[i]
    before = words[i - 1].word if i > 0 else ""
    return (
        token.capitalised
        or token.possessive
        or before in PERSON_CUES
        or token.word not in english_words()
    )


def _unknown_names(
    words: Sequence[Token], catalogue: Catalogue, used: set[int], *, lower_case: bool
) -> Iterable[str]:
    """Names asked for that no paper has: the capitalised or unknown words after 'by'/'with',
    or before "'s papers" ("papers by Geoffrey Hinton", "Yann LeCun's papers")."""
    for i, token in enumerate(words):
        if token.word in ("by", "with", "did") or (
            token.word == "is" and i > 0 and words[i - 1].word == "who"
        ):
            name = _name_after(words, i + 1, catalogue, used, lower_case=lower_case)
            if name:
                yield name
        elif token.possessive and i not in used and _is_name_word(token, catalogue):
            start = i
            while start > 0 and _is_name_word(words[start - 1], catalogue) and i - start < 2:
                if start - 1 in used:
                    break
                start -= 1
            parts = words[start : i + 1]
            yield " ".join(w.text.removesuffix("'s").removesuffix("’s") for w in parts)


def _name_after(
    words: Sequence[Token], start: int, catalogue: Catalogue, used: set[int], *, lower_case: bool
) -> str | None:
    parts: list[Token] = []
    for j in range(start, min(start + 3, len(words))):
        if j in used or not _is_name_word(words[j], catalogue, lower_case=lower_case):
            break
        parts.append(words[j])
    # One word must look like a name; in a question that asks for papers, two or more words
    # unknown to the papers after "by" are a name typed in lower case ("papers by geoffrey
    # hinton"), common first names included.
    if len(parts) < 2 and not (parts and _is_name_word(parts[0], catalogue)):
        return None
    if len(parts) == 1 and not parts[0].capitalised:
        return None
    name = " ".join(p.text for p in parts)
    return name if any(p.capitalised for p in parts) else name.title()


def _is_name_word(token: Token, catalogue: Catalogue, *, lower_case: bool = False) -> bool:
    """Whether `token` may be part of a name: capitalised or no English word, and no word of
    the papers; `lower_case` also admits English words written in lower case."""
    word = token.word
    if word in ENGLISH_STOPWORDS or word in FRAME_WORDS or word in catalogue.venues:
        return False
    if not token.text[:1].isalpha() or word in catalogue.vocabulary:
        return False
    return lower_case or token.capitalised or word not in english_words()


# --- filters chosen by hand (/papers author: venue: year:, paperbot papers --author ...) ---------


@dataclass(frozen=True)
class Chosen:
    """The papers that pass filters given one by one, and the filters as understood."""

    papers: tuple[PaperText, ...]
    described: str  # "by Yuanzhi Li, at NeurIPS, from 2022"


def choose(
    catalogue: Catalogue,
    *,
    author: str | None = None,
    venue: str | None = None,
    year: int | None = None,
) -> Chosen:
    """The papers by `author` (a name, a last name, a close spelling), at `venue` ('NeurIPS' or
    'NeurIPS 2022') and of `year`; a name or venue the corpus does not have matches nothing."""
    authors: tuple[str, ...] = ()
    described: list[str] = []
    matches = list(catalogue.papers)
    if author and author.strip():
        authors = find_author(catalogue, author)
        shown = describe_people(catalogue, authors) if authors else " ".join(author.split())
        described.append(f"by {shown}")
        matches = [p for p in matches if any(a in p.record.authors for a in authors)]
    if venue and venue.strip():
        typed = " ".join(venue.split())
        described.append(f"at {typed}")
        accepted = venues_called(catalogue, typed)
        exact = {v for v in accepted if fold(v) == fold(typed)}  # "NeurIPS 2022" as written
        if exact:
            accepted = frozenset(exact)
        elif year is None and (in_name := re.search(rf"\b{_YEAR}\b", typed)):
            year = int(in_name.group(1))  # "NeurIPS 2022": NeurIPS, in 2022
        matches = [p for p in matches if p.record.venue in accepted]
    if year is not None:
        described.append(f"from {year}")
        matches = [p for p in matches if paper_year(p.record) == year]
    return Chosen(tuple(matches), ", ".join(described))


def venues_called(catalogue: Catalogue, typed: str) -> frozenset[str]:
    """The venues as the papers write them that `typed` names ('NeurIPS', 'Advances in Neural
    Information Processing Systems', 'NeurIPS 2022', a venue exactly as written)."""
    name = catalogue.venue_names.get(venue_words(typed))
    found = set(catalogue.venue_papers.get(name, ())) if name else set()
    wanted = fold(typed)
    found.update(
        p.record.venue
        for p in catalogue.papers
        if p.record.venue and wanted in (fold(p.record.venue), fold(venue_series(p.record.venue)))
    )
    return frozenset(found)


def find_author(catalogue: Catalogue, typed: str) -> tuple[str, ...]:
    """The corpus names `typed` stands for (every spelling of the person): the full name as any
    of them is written, a last name, or a close spelling. A question reads names the same way."""
    words = [t.word for t in tokens(typed)]
    if not words:
        return ()
    found = person_named(catalogue, words)
    if found:
        return found
    if len(words) == 1:
        return _everyone(catalogue, _by_last_name(catalogue, words[0]))
    return ()


def author_choices(catalogue: Catalogue, typed: str, limit: int = 25) -> list[str]:
    """Autocomplete: the names containing what was typed, the most prolific first."""
    counts = {name: len(catalogue.papers_by(name)) for name in catalogue.authors.values()}
    ordered = sorted(counts, key=lambda name: (-counts[name], name))
    key = " ".join(fold(typed).split())
    if not key:
        return ordered[:limit]
    hits = [name for name in ordered if key in fold(name)]
    near = [name for name in find_author(catalogue, typed) if name not in hits]
    return (hits + near)[:limit]


def venue_choices(catalogue: Catalogue, typed: str, limit: int = 25) -> list[str]:
    """Autocomplete: venue names ('NeurIPS', also for 'Advances in Neural Information Processing
    Systems') and venues as written, with their year ('NeurIPS 2022')."""
    full = sorted({p.record.venue for p in catalogue.papers if p.record.venue})
    names = sorted((set(catalogue.venues.values()) | set(catalogue.venue_papers)) - set(full))
    key = fold(typed.strip())
    return [v for v in names + full if key in fold(v)][:limit]
