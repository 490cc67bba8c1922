"""The facts a question names about the papers themselves: people, venues, years, one paper's fact.

Everything is matched against the corpus's own metadata (its authors, venues and years), by fixed
rules, so an answer can say what it understood: "papers by Yuanzhi Li from 2023 on". Names match
in any case, without their accents, by last name alone, and with a small misspelling; a year only
counts when the papers have years, a venue only when they have venues. What is left once the
facts are taken out is the question's topic ("Yuanzhi Li's papers on self-supervised learning").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz.distance import Levenshtein

from bot.corpus.papers import Paper
from bot.search.documents import PaperText
from bot.text.spelling import english_words, words_of
from bot.text.stopwords import ENGLISH_STOPWORDS

_TOKEN = re.compile(r"[^\W_]+(?:['’\-‐][^\W_]+)*")
_YEAR = r"((?:19|20)\d\d)"
_VENUE_YEAR = re.compile(r"\s*'?\b(?:19|20)?\d\d\b\s*")

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

Fact = Literal["cite", "arxiv", "doi", "code", "authors", "venue", "year", "link"]
_FACTS: tuple[tuple[Fact, re.Pattern[str]], ...] = (
    ("cite", re.compile(r"\b(cite|citing|citation|bibtex|bib entry|apa)\b")),
    ("arxiv", re.compile(r"\barxiv\b")),
    ("doi", re.compile(r"\bdoi\b")),
    ("code", re.compile(r"\b(source code|code|github|repository|repo|implementation)\b")),
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


def fold(text: str) -> str:
    """Lower case without accents: 'Schölkopf' -> 'scholkopf'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


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
    for match in _TOKEN.finditer(question):
        text = match.group()
        word = fold(text).replace("’", "'")
        possessive = word.endswith("'s")
        if possessive:
            word = word[:-2]
        found.append(Token(text, word, match.start(), match.end(), possessive))
    return found


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


def paper_year(paper: Paper) -> int | None:
    """The paper's year, or the year in its venue ("NeurIPS 2022")."""
    if paper.year is not None:
        return paper.year
    match = re.search(_YEAR, paper.venue or "")
    return int(match.group(1)) if match else None


def venue_series(venue: str) -> str:
    """'NeurIPS 2022' -> 'NeurIPS': a venue's name without its year."""
    return " ".join(_VENUE_YEAR.sub(" ", venue).split()) or venue


@dataclass(frozen=True)
class Catalogue:
    """The corpus's metadata, arranged to be found in questions."""

    papers: tuple[PaperText, ...]
    authors: dict[str, str]  # folded full name -> name as written
    last_names: dict[str, tuple[str, ...]]  # folded last name -> full names
    first_names: dict[str, tuple[str, ...]]  # folded first name -> full names
    venues: dict[str, str]  # folded venue name (without year) -> as written
    has_years: bool
    vocabulary: frozenset[str] = field(repr=False)

    @classmethod
    def of(cls, papers: Sequence[PaperText], vocabulary: frozenset[str] | None = None) -> Catalogue:
        """The catalogue of `papers`; `vocabulary`, when given, is their words (`words_of`
        their titles and abstracts), already collected with the index."""
        authors: dict[str, str] = {}
        last: dict[str, list[str]] = {}
        first: dict[str, list[str]] = {}
        venues: dict[str, str] = {}
        for text in papers:
            for name in text.paper.authors:
                key = " ".join(fold(name).split())
                if key and key not in authors:
                    authors[key] = name
                    last.setdefault(key.split()[-1], []).append(name)
                    if len(key.split()) > 1:
                        first.setdefault(key.split()[0], []).append(name)
            if text.paper.venue:
                series = venue_series(text.paper.venue)
                venues.setdefault(fold(series), series)
        if vocabulary is None:
            vocabulary = frozenset(w for p in papers for w in words_of(f"{p.title} {p.abstract}"))
        return cls(
            papers=tuple(papers),
            authors=authors,
            last_names={k: tuple(v) for k, v in last.items()},
            first_names={k: tuple(v) for k, v in first.items()},
            venues=venues,
            has_years=any(paper_year(p.paper) is not None for p in papers),
            vocabulary=vocabulary,
        )

    def papers_by(self, name: str) -> list[PaperText]:
        return [p for p in self.papers if name in p.paper.authors]


@dataclass(frozen=True)
class Facets:
    """What a question names: the filters, the fact asked, and the topic left over."""

    authors: tuple[str, ...] = ()  # corpus names
    # Each person named, as the corpus names they may be ("Okafor": Lena or Priya Okafor).
    author_groups: tuple[tuple[str, ...], ...] = ()
    unknown_people: tuple[str, ...] = ()  # names asked for that no paper has
    venues: tuple[str, ...] = ()
    unknown_venues: tuple[str, ...] = ()
    years: YearRange | None = None
    order: Literal["latest", "oldest"] | None = None
    fact: Fact | None = None
    apa: bool = False
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
        if self.venues and not (
            paper.venue and fold(venue_series(paper.venue)) in {fold(v) for v in self.venues}
        ):
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
        venues=tuple(venues),
        unknown_venues=tuple(unknown_venues),
        years=years,
        order=order,
        fact=fact,
        apa=bool(re.search(r"\bapa\b", folded)),
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


def _venues(
    words: Sequence[Token], catalogue: Catalogue, used: set[int]
) -> tuple[list[str], list[str]]:
    known: list[str] = []
    unknown: list[str] = []
    for i, token in enumerate(words):
        if i in used:
            continue
        name = catalogue.venues.get(token.word)
        if name is None and len(token.word) >= 5:
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


def _looks_like_venue(words: Sequence[Token], i: int, catalogue: Catalogue) -> bool:
    """An acronym the papers never use, after 'at'/'in' or before 'paper(s)': CVPR, ACL."""
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
        for size in (3, 2):
            for i in range(len(words) - size + 1):
                span = range(i, i + size)
                if any(j in used for j in span):
                    continue
                name = _full_name(" ".join(words[j].word for j in span), catalogue)
                if name is not None:
                    used.update(span)
                    known.append((name,))
        for i, token in enumerate(words):
            if i in used or not _names_a_person(words, i):
                continue
            names = catalogue.last_names.get(token.word) or _close_last_name(token, catalogue)
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


def _after_cue(words: Sequence[Token], i: int) -> bool:
    """Written where a name goes: after 'by'/'with', or with a possessive ("Yuanzhi's")."""
    return words[i].possessive or (i > 0 and words[i - 1].word in PERSON_CUES)


def _close_last_name(token: Token, catalogue: Catalogue) -> tuple[str, ...]:
    """The people whose last name is one letter off a capitalised word ("Quirogaa")."""
    if len(token.word) < 6 or not token.capitalised or token.word in english_words():
        return ()
    close = [last for last in catalogue.last_names if Levenshtein.distance(last, token.word) <= 1]
    return catalogue.last_names[close[0]] if len(close) == 1 else ()


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
        shown = " or ".join(authors) if authors else " ".join(author.split())
        described.append(f"by {shown}")
        matches = [p for p in matches if any(a in p.paper.authors for a in authors)]
    if venue and venue.strip():
        wanted = fold(" ".join(venue.split()))
        described.append(f"at {' '.join(venue.split())}")
        matches = [
            p
            for p in matches
            if p.paper.venue and wanted in (fold(p.paper.venue), fold(venue_series(p.paper.venue)))
        ]
    if year is not None:
        described.append(f"from {year}")
        matches = [p for p in matches if paper_year(p.paper) == year]
    return Chosen(tuple(matches), ", ".join(described))


def find_author(catalogue: Catalogue, typed: str) -> tuple[str, ...]:
    """The corpus names `typed` stands for: the full name, a last name, or a close spelling."""
    key = " ".join(fold(typed).split())
    if key in catalogue.authors:
        return (catalogue.authors[key],)
    if key in catalogue.last_names:
        return catalogue.last_names[key]
    name = _full_name(key, catalogue) if " " in key else None
    return (name,) if name else ()


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
    """Autocomplete: venue names ('NeurIPS') and venues with their year ('NeurIPS 2022')."""
    full = sorted({p.paper.venue for p in catalogue.papers if p.paper.venue})
    names = sorted(set(catalogue.venues.values()) - set(full))
    key = fold(typed.strip())
    return [v for v in names + full if key in fold(v)][:limit]
