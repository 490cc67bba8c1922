"""What people say to a chat bot besides a question on the papers' content.

Greetings, thanks and "help" get a short friendly answer; "list the papers" and "what topics do
they cover?" list the papers; "summarize X" gives a paper's contribution; "compare X and Y" sets
two papers side by side; "which paper should I read on T?" recommends one paper. `read_chat`
reads what is asked (text only, no corpus); `answer_chat` answers it from the corpus. "More"
and "?" need the conversation, so `bot.answering.conversation` answers them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from bot.index.answer import Answer, Hit, RankedPaper
from bot.index.documents import PaperText
from bot.text.analysis import Analyzer
from bot.text.normalise import fold

if TYPE_CHECKING:
    from bot.index.retriever import Retriever

Intent = Literal[
    "hello", "thanks", "ack", "more", "papers", "topics", "summary", "compare", "recommend"
]

# A paper's key terms: this many, from those in at most this share of the papers.
KEY_TERMS = 5
KEY_TERM_MAX_SHARE = 0.5
# A summary: the sentence that first names the paper's subject (at least this share of its
# title's terms), then what it contributes, at most this many sentences in all.
SUBJECT_SHARE = 1 / 3
SUMMARY_SENTENCES = 6
# "What topics do they cover?" lists at most this many papers.
TOPICS_LISTED = 25
# Longer messages are questions, never chat.
MAX_CHAT_LENGTH = 300
# Sentences each paper shows side by side in a comparison.
COMPARED_SENTENCES = 2
# Terms of the shared topic two compared papers are searched for.
SHARED_TERMS = 8
SHOWN_TERMS = 5  # of them, named over the comparison

_END = r"\s*[.!?]*\s*$"
_BOT_NAME = r"(?:\s+(?:there|paperbot|bot|all|everyone|folks))?"
_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|day)|"
    r"what'?s up|sup)\b" + _BOT_NAME + r"[\s,.!;:-]*"
)
_HELP = re.compile(
    r"^(?:(?:please\s+)?help(?: me)?|what can (?:you|i) (?:do|ask)(?: (?:here|you))?|"
    r"what (?:do|can) you (?:do|know)|what can you help(?: me)? with|"
    r"what are you (?:able to do|for|good for)|how (?:does|do) (?:this|it|you) work|"
    r"how (?:do|can|should) i (?:use|ask)(?: (?:this|you|it))?|who are you|what are you|"
    r"what is (?:this|paperbot)(?: bot)?|what'?s this(?: bot)?|how to use(?: this| you)?|"
    r"getting started|start|commands)" + _END
)
_THANKS = re.compile(
    r"^(?:(?:ok|okay|oh|ah|great|cool|nice|perfect|awesome|wow)[,!.]?\s+)?"
    r"(?:(?:thanks?|thank (?:you|u)|thx|ty|tysm|cheers|much appreciated|appreciated)"
    r"(?: (?:a lot|so much|very much|again|a bunch|paperbot|bot))*|"
    r"(?:great|perfect|awesome|nice|cool|excellent|wonderful|brilliant|helpful|very helpful|"
    r"that helps|that helped|that'?s (?:great|helpful|perfect|it))"
    r"(?:,? (?:thanks?|thank (?:you|u)))?)"
    r"(?:[,!.]? (?:that|this|it) (?:helps|helped|is (?:great|helpful|perfect)|was helpful))?" + _END
)
_ACK = re.compile(
    r"^(?:ok(?:ay)?|k|kk|okey|alright|all right|got it|i see|sure|fine|understood|noted|"
    r"makes sense|right|yes|yep|yeah|no|nope|hmm+|ah+|oh+|wow|lol|bye|goodbye|see you)" + _END
)
_MORE = re.compile(
    r"^(?:(?:(?:tell|show|give)(?: me)? |any |some )?more(?: (?:please|of (?:that|this|it)|"
    r"passages|sentences|results|details?|(?:about|on) (?:that|this|it)))?|"
    r"(?:can you |could you |please )?(?:elaborate|expand|explain more|say more)"
    r"(?: on (?:that|this|it))?|go on|continue|keep going|"
    r"next|and\??|what else|anything else|\?+)" + _END
)
_PAPERS = re.compile(
    r"^(?:(?:can you |could you |please )?(?:list|show(?: me)?|give me|name)"
    r"(?: all| the| your| of the| every)* (?:papers|publications|articles)"
    r"(?: (?:you know|you have|you cover|here|there are|indexed))?|"
    r"(?:what|which) (?:papers|publications|articles) (?:do you (?:know|have|cover)(?: about)?|"
    r"are (?:there|here|in here|indexed|in (?:the|your) (?:corpus|index|collection|library))"
    r"|can you answer about)|"
    r"what are (?:the|your) papers|"
    r"what do you know(?: about)?|what'?s in (?:the|your) (?:corpus|index))" + _END
)
_TOPICS = re.compile(
    r"^(?:(?:what|which) (?:(?:main|research|key) )*(?:topics|subjects|areas|fields|themes)"
    r"(?: (?:do|does|are|is|can) (?:they|the papers|these papers|you|it|papers|there))?"
    r"(?: (?:are |is )?(?:cover|covered|about|know about|answer about|discuss|discussed|in))?|"
    r"what are (?:the |your |their )?(?:(?:main|research|key) )*"
    r"(?:topics|themes|areas|subjects|fields)(?: of (?:the|your|these) papers)?|"
    r"what are (?:the|these|your) papers about|what are they about)" + _END
)
_SUMMARY = (
    re.compile(
        r"^(?:can you |could you |please )*(?:summari[sz]e|sum up|recap|"
        r"(?:give me |what'?s |what is )?(?:the |a |an )?"
        r"(?:tl;? ?dr|gist|summary|short version|overview)(?: of| for)?)"
        r"\s*[:,]?\s+(?P<what>.+?)" + _END
    ),
    # "what is the pruning paper about?"
    re.compile(
        r"^what(?:'s| is)\s+(?P<what>(?:the|this|that)\s+(?:.+\s+)?(?:paper|one|article))"
        r"\s+about" + _END
    ),
)
_TWO_PAPERS = re.compile(r"^(?:the |these |those )?(?:two|2|both)\s+(?P<topic>.*?)\s*(?:papers?)?$")
_COMPARE = (
    re.compile(
        r"^(?:please )?compare\s+(?P<a>.+?)(?:\s+(?:and|with|to|vs\.?|versus)\s+(?P<b>.+?))?" + _END
    ),
    re.compile(r"^how (?:does|do|is|are)\s+(?P<a>.+?)\s+differ(?:ent)? from\s+(?P<b>.+?)" + _END),
    re.compile(r"^what (?:do|does)\s+(?P<a>.+?)\s+and\s+(?P<b>.+?)\s+have in common" + _END),
    re.compile(r"^what do\s+(?P<a>.+?)\s+have in common" + _END),
    re.compile(
        r"^how (?:are|do)\s+(?P<a>.+?)\s+and\s+(?P<b>.+?)\s+"
        r"(?:differ|different|compare|similar|alike|related)" + _END
    ),
    # "the difference between the WIND paper and the pruning paper": two papers, not topics.
    re.compile(
        r"^(?:what(?:'s| is| are) )?the (?:differences?|similarities) between\s+"
        r"(?P<a>.+?\s(?:paper|one))\s+and\s+(?P<b>.+?\s(?:paper|one))" + _END
    ),
)
# "..., which paper should I read (to understand) T?": the topic is what is around it.
_WHICH_TO_READ = re.compile(
    r"\b(?:which|what)(?: one| paper| papers| of (?:these|the|your) (?:papers?|ones))?"
    r" (?:should|would|could|can|do you (?:recommend|suggest)(?: that)?) (?:i|we|one)\s*"
    r"(?:read|start with|look at)(?: first)?"
    r"(?:\s+(?:to (?:understand|learn(?: about)?|know about)|on|about|for|regarding)\b)?"
)
# "I'm new to T, where should I start?"
_WHERE_TO_START = re.compile(
    r"\bwhere (?:should|do|can|would) i (?:start|begin)(?: reading)?(?: (?:on|with|for|about)\b)?"
)
_RECOMMEND = (
    re.compile(
        r"^(?:is there |are there |do you have |have you got |got )?(?:any |a |some )?"
        r"(?:good )?(?:papers?|work|reading|anything|something) "
        r"(?:on|about|regarding|for|that (?:explains?|covers?))\s+"
        r"(?P<topic>.+?)" + _END
    ),
    re.compile(
        r"^(?:please )?(?:recommend|suggest) (?:me )?(?:a |one )?(?:paper|reading) "
        r"(?:on|about|for)\s+(?P<topic>.+?)" + _END
    ),
)
# What a topic to read on says of the person, not of the topic.
_WANTING = re.compile(
    r"^(?:(?:so|well|ok|okay),? )?(?:i (?:want|need|would like|'d like|am trying|'m trying|wish) to"
    r"|i'?m new to|i am new to|how (?:do|can) i|how to)\s+"
)
_PAPER_WORDS = re.compile(
    r"^(?:the|this|that|these|those|your|its?)\s+|\s+(?:paper|papers|one|work|article|study)$"
)
_POINTING = re.compile(
    r"^(?:it|this|that|them|they|these|those|both|the paper|this paper|"
    r"that paper|that one|this one|these papers|those papers|the papers)$"
)
# A sentence that says what the paper itself does: it speaks as "we", of "this paper", or
# reports its own results.
_CONTRIBUTION = re.compile(
    r"\b(?:we|our|us|this (?:paper|work|study|article|thesis|note)|in this (?:paper|work)|"
    r"here,? we|the (?:experimental )?results (?:show|confirm|suggest|indicate|demonstrate)|"
    r"experiments? (?:show|confirm|suggest|indicate|demonstrate))\b",
    re.IGNORECASE,
)
# Symbols and emoji around a message's words (a "?" says "more", so it stays).
_AROUND = re.compile(r"^[^\w?]+|[^\w?.!]+$")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})


@dataclass(frozen=True)
class ChatRequest:
    """What a chat message asks: `intent`, and the papers or topic it names, as typed."""

    intent: Intent
    first: str = ""  # the paper summarised, the first compared, or the topic to read on
    second: str = ""  # the second paper compared
    both_on: str = ""  # "compare the two X papers": the topic X


def read_chat(question: str) -> ChatRequest | None:
    """What `question` asks when it is chat rather than a question on the papers; else None."""
    text = " ".join(fold(question).translate(_APOSTROPHES).split())
    if not text or len(text) > MAX_CHAT_LENGTH:
        return None
    if not re.search(r"\w", text) and "?" not in text:
        return ChatRequest("ack")  # an emoji, "!", "..."
    greeted = _GREETING.match(text)
    rest = text[greeted.end() :] if greeted else text
    if greeted and (not rest.strip(" .!?,") or _HELP.match(rest)):
        return ChatRequest("hello")
    if _HELP.match(text):
        return ChatRequest("hello")
    rest = _AROUND.sub("", rest)  # "👍 thanks!" reads as "thanks"
    for pattern, intent in ((_THANKS, "thanks"), (_ACK, "ack"), (_MORE, "more")):
        if pattern.match(rest):
            return ChatRequest(intent)  # type: ignore[arg-type]
    if _PAPERS.match(rest):
        return ChatRequest("papers")
    if _TOPICS.match(rest):
        return ChatRequest("topics")
    for pattern in _SUMMARY:
        if summary := pattern.match(rest):
            return ChatRequest("summary", summary.group("what"))
    for pattern in _COMPARE:
        if compared := pattern.match(rest):
            first, second = compared.group("a"), (compared.groupdict().get("b") or "")
            if not second:
                two = _TWO_PAPERS.match(first)
                return ChatRequest("compare", both_on=two.group("topic") if two else first)
            return ChatRequest("compare", first, second)
    topic = None
    if which := _WHICH_TO_READ.search(rest) or _WHERE_TO_START.search(rest):
        topic = f"{rest[which.end() :]} {rest[: which.start()]}"
    for pattern in _RECOMMEND:
        if topic is None and (recommend := pattern.match(rest)):
            topic = recommend.group("topic")
    if topic is not None:
        topic = _WANTING.sub("", " ".join(topic.strip(" ,;:.!?").split()))
        if not re.search(r"\w", topic):
            return ChatRequest("papers")  # "which paper should I read first?": all of them
        return ChatRequest("recommend", _as_typed(question, topic))
    return None


def _as_typed(question: str, folded: str) -> str:
    """`folded`, a part of the folded question, with the question's own capitals if found."""
    at = question.casefold().find(folded)
    return question[at : at + len(folded)] if at >= 0 else folded


def answer_chat(
    retriever: Retriever,
    request: ChatRequest,
    question: str,
    *,
    about: Sequence[str] = (),
) -> Answer | None:
    """The answer to a chat `request`; None when it names nothing in the papers (the question
    is then searched as it is). `about`: the papers the conversation is about, for "it"."""
    if request.intent == "hello":
        return Answer(question, kind="chat", message=introduction(retriever))
    if request.intent == "thanks":
        return Answer(question, kind="chat", message="You're welcome! Ask me anything else.")
    if request.intent == "ack":
        return Answer(question, kind="chat", message="👍")
    if request.intent == "more":
        return Answer(question, kind="chat", message="Ask me a question first; then say “more”.")
    if request.intent == "papers":
        ranked = tuple(RankedPaper(n, p, 0.0) for n, p in enumerate(retriever.papers, start=1))
        return Answer(question, papers=ranked, kind="papers")
    if request.intent == "topics":
        listed = retriever.papers[:TOPICS_LISTED]
        ranked = tuple(
            RankedPaper(n, p, 0.0, terms=key_terms(retriever, p))
            for n, p in enumerate(listed, start=1)
        )
        total = len(retriever.papers)
        heading = f"{total} {'paper' if total == 1 else 'papers'} here, with their key terms:"
        if total > len(listed):
            heading = f"The first {len(listed)} of {total} papers, with their key terms:"
        return Answer(question, papers=ranked, kind="topics", message=heading)
    if request.intent == "summary":
        paper = _named_paper(retriever, request.first, about)
        return None if paper is None else summary(retriever, paper, question)
    if request.intent == "compare":
        return _comparison(retriever, request, question, about)
    return _recommendation(retriever, request.first, question)


def introduction(retriever: Retriever) -> str:
    """Who the bot is: whose papers it knows, how many, and three questions to try."""
    owner = retriever.corpus.owner
    count = len(retriever.papers)
    noun = "paper" if count == 1 else "papers"
    whose = f"{owner}'s {count} {noun}" if owner else f"{count} {noun}"
    lines = [
        f"Hi! I answer questions about {whose}, from their titles, abstracts and details "
        "(authors, venues, years, links, citations).",
    ]
    if examples := example_questions(retriever):
        lines += ["Try, for example:", *(f"• {example}" for example in examples)]
    lines.append("Or say “list the papers” to see them all.")
    return "\n".join(lines)


def example_questions(retriever: Retriever) -> list[str]:
    """Three questions drawn from the corpus itself: a key term of the newest paper, a paper
    to summarise by a word of its title, and a paper to read on another paper's key term."""
    papers = sorted(retriever.papers, key=lambda p: -(p.record.year or 0))
    if not papers:
        return []
    examples: list[str] = []
    first = key_terms(retriever, papers[0])
    if first:
        examples.append(f"What is {first[0]}?")
    if len(papers) > 1 and (word := _title_word(retriever, papers[1])):
        examples.append(f"Summarize the {word} paper")
    if len(papers) > 2 and (third := key_terms(retriever, papers[2])):
        examples.append(f"Which paper should I read on {third[0]}?")
    return examples


def key_terms(retriever: Retriever, paper: PaperText, count: int = KEY_TERMS) -> tuple[str, ...]:
    """The words that set `paper` apart, as it writes them: its terms weighted by how often it
    uses them (its title counting twice) and how few papers of the index hold them."""
    analyzer = Analyzer()
    counts: Counter[str] = Counter()
    surface: dict[str, Counter[str]] = {}
    for text, weight in ((paper.title, 2), (paper.abstract, 1)):
        for span in analyzer.spans(text):
            written = text[span.start : span.end]
            for term in span.terms:
                counts[term] += weight
                if len(span.terms) == 1:
                    surface.setdefault(term, Counter())[written] += 1
    generic = KEY_TERM_MAX_SHARE if len(retriever.papers) > 2 else 1.0
    scored = []
    for term, tf in counts.items():
        share = retriever.paper_share(term)
        if term not in surface or share <= 0 or share > generic or not _is_word(term):
            continue
        scored.append((tf * math.log(1 + 1 / share), term))
    scored.sort(key=lambda item: (-item[0], item[1]))
    words: list[str] = []
    for _, term in scored:
        word = _written_form(surface[term])
        if fold(word) not in (fold(w) for w in words):
            words.append(word)
        if len(words) == count:
            break
    return tuple(words)


def summary(retriever: Retriever, paper: PaperText, question: str) -> Answer:
    """The paper's line and the sentences that say what it contributes, in the abstract's
    order: the sentence that first names its subject, then those that speak of its own work
    (the opening background left out); its later sentences when none does."""
    sentences = paper.sentences
    title_terms = set(retriever.analyse(paper.title))
    chosen: list[int] = []
    if title_terms:
        for number, sentence in enumerate(sentences):
            held = title_terms & set(retriever.analyse(sentence))
            if len(held) >= max(1, SUBJECT_SHARE * len(title_terms)):
                chosen.append(number)
                break
    contributions = [n for n, s in enumerate(sentences) if _CONTRIBUTION.search(s)]
    if not contributions:
        contributions = list(range(max(1, len(sentences) - 3), len(sentences)))
    for number in contributions:
        if number not in chosen and len(chosen) < SUMMARY_SENTENCES:
            chosen.append(number)
    hits = tuple(
        Hit(rank, paper, sentences[number], 0.0, (), ())
        for rank, number in enumerate(sorted(chosen), start=1)
    )
    return Answer(question, hits=hits, papers=(RankedPaper(1, paper, 0.0),), kind="summary")


def _comparison(
    retriever: Retriever, request: ChatRequest, question: str, about: Sequence[str]
) -> Answer | None:
    if request.both_on:
        pair = _two_papers(retriever, request.both_on, about)
    else:
        first = _named_paper(retriever, request.first, about)
        second = _named_paper(retriever, request.second, about)
        pair = (first, second) if first and second and first.id != second.id else None
    if pair is None:
        return None
    topic = _shared_topic(retriever, pair, request.both_on)
    hits: list[Hit] = []
    for paper in pair:
        found = retriever.ask(topic, top=COMPARED_SENTENCES, papers=0, only={paper.id}).hits
        if not found:
            found = summary(retriever, paper, question).hits[:COMPARED_SENTENCES]
        hits += found
    ranked_hits = tuple(
        Hit(rank, h.paper, h.sentence, h.score, h.matched_terms, h.highlights)
        for rank, h in enumerate(hits, start=1)
    )
    ranked = tuple(RankedPaper(n, p, 1.0) for n, p in enumerate(pair, start=1))
    return Answer(
        question,
        hits=ranked_hits,
        papers=ranked,
        kind="comparison",
        message=f"Side by side, on what they share: {', '.join(topic.split(', ')[:SHOWN_TERMS])}",
    )


def _recommendation(retriever: Retriever, topic: str, question: str) -> Answer | None:
    """The one paper to read on `topic`, with the sentence that makes it the one."""
    found = retriever.ask(topic, top=1, papers=1)
    if not found.hits or not found.papers:
        return Answer(question, kind="none", message=f"No paper here is about “{topic}”.")
    # The paper that is most about the topic as a whole (its title and abstract), which need not
    # hold the one best sentence.
    paper = found.papers[0]
    best = retriever.ask(topic, top=1, papers=0, only={paper.paper.id}).hits or found.hits
    return Answer(
        question,
        hits=(replace(best[0], rank=1),),
        papers=(replace(paper, rank=1),),
        kind="recommendation",
        searched_for=found.searched_for,
        message=f"To read on “{topic}”:",
    )


def _named_paper(retriever: Retriever, named: str, about: Sequence[str]) -> PaperText | None:
    """The paper `named` ("the WIND paper", "it"): a title's words, else the best paper for
    those words; the conversation's paper for "it"."""
    words = " ".join(named.split()).strip(" ,;:.!?\"'“”")
    if not words or _POINTING.match(words):
        return next(filter(None, map(retriever.paper, about)), None)
    words = _PAPER_WORDS.sub("", _PAPER_WORDS.sub("", words)).strip()
    if not words:
        return None
    wanted = set(retriever.analyse(words))
    if wanted:
        titled = set.intersection(*(retriever.titled({term}) for term in wanted))
        if len(titled) == 1:
            return retriever.paper(titled.pop())
    found = retriever.ask(words, top=1, papers=1)
    return found.papers[0].paper if found.papers else None


def _two_papers(
    retriever: Retriever, topic: str, about: Sequence[str]
) -> tuple[PaperText, PaperText] | None:
    """'The two X papers': the two best papers for X; the conversation's two for 'them'."""
    topic = _PAPER_WORDS.sub("", topic.strip()).strip()
    if not topic or _POINTING.match(topic):
        papers = [p for p in map(retriever.paper, about) if p is not None]
    else:
        papers = [r.paper for r in retriever.ask(topic, top=0, papers=2).papers]
    return (papers[0], papers[1]) if len(papers) >= 2 else None


def _shared_topic(retriever: Retriever, pair: Sequence[PaperText], asked: str) -> str:
    """The words both papers use that few other papers do, the rarest first, after any topic
    the question itself named."""
    analyzer = Analyzer()
    forms: list[dict[str, Counter[str]]] = []
    for paper in pair:
        held: dict[str, Counter[str]] = {}
        for text in (paper.title, paper.abstract):
            for span in analyzer.spans(text):
                if len(span.terms) == 1 and _is_word(span.terms[0]):
                    held.setdefault(span.terms[0], Counter())[text[span.start : span.end]] += 1
        forms.append(held)
    shared = set(forms[0]).intersection(*forms[1:])
    scored = sorted(
        (-min(sum(held[term].values()) for held in forms) * -math.log(share), term)
        for term in shared
        if 0 < (share := retriever.paper_share(term)) < 1
    )
    words = [_written_form(forms[0][term] + forms[1][term]) for _, term in scored[:SHARED_TERMS]]
    asked = _PAPER_WORDS.sub("", asked.strip()).strip()
    if asked and not _POINTING.match(asked):
        words.insert(0, asked)
    return ", ".join(words) or " ".join(paper.title for paper in pair)


def _title_word(retriever: Retriever, paper: PaperText) -> str | None:
    """The word of the paper's title that the fewest papers hold (the first of equals)."""
    candidates = []
    for match in re.finditer(r"[^\W\d_][\w-]{2,}", paper.title):
        terms = list(retriever.analyse(match.group()))
        if len(terms) == 1 and _is_word(terms[0]) and retriever.paper_share(terms[0]) > 0:
            candidates.append((retriever.paper_share(terms[0]), match.start(), match.group()))
    return min(candidates)[2] if candidates else None


def _is_word(term: str) -> bool:
    return len(term) > 2 and not any(ch.isdigit() for ch in term)


def _written_form(forms: Counter[str]) -> str:
    """How a term is most often written; a capital that only starts a sentence dropped."""
    word = forms.most_common(1)[0][0]
    if word[:1].isupper() and word[1:].islower():
        lower = word.lower()
        return lower if forms[lower] or len(forms) == 1 else word
    return word
