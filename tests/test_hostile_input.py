"""Hostile and broken text, generated: the analyzer, the retriever and both renderers take it all.

Questions and corpus text mix arbitrary Unicode with what tends to break things: zero-width and
bidi marks, emoji with joiners, combining marks, NUL, Markdown and code fences, mass and user
mentions, URLs, text of only punctuation, and 10,000 characters of it. Every Discord message
built from it must fit Discord's limits, ping no one and keep its Markdown balanced.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.corpus.papers import Paper
from bot.discord_app import replies
from bot.index.answer import Answer, Hit
from bot.index.documents import PaperText, prepare
from bot.index.live_corpus import CorpusStatus
from bot.render import discord_reply
from bot.render.plain import render_answer, render_near, render_paper, render_paper_list
from bot.text.analysis import Analyzer

PIECES = [
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\u200e\u200f",  # left-to-right and right-to-left marks
    "\u202e",  # right-to-left override
    "\u2066\u2069",  # isolates
    "\ufeff",
    "\x00",
    "😀",
    "👩‍👩‍👧",
    "🇫🇷",
    "e\u0301\u0336",  # combining acute and long stroke
    "@everyone",
    "@here",
    "<@123>",
    "<@!123>",
    "<@&456>",
    "<#789>",
    "**",
    "*",
    "__",
    "_",
    "~~",
    "||",
    "`",
    "```",
    "```py\nprint('x')\n```",
    "> ",
    "\n> ",
    "\n# ",
    "\n- ",
    "\n1. ",
    "[link](https://evil.example/x)",
    "https://example.org/a_b*c~d",
    "http://x.y/(z)",
    "\\",
    "\n",
    "\t",
    " ",
    "...",
    "?!",
    "()[]{}",
    "feature decoupling",
    "masked image modeling",
    "gradient",
    "Transformers",
    "$\\alpha$",
    "\\textbf{x}",
]

pieces = st.one_of(st.sampled_from(PIECES), st.text(max_size=12))
hostile = st.lists(pieces, max_size=40).map("".join)
only_punctuation = st.text(alphabet="!?.,;:-–—()[]{}'\"/\\|*_~`#>@&%$^+=<", max_size=200)
huge = st.builds(lambda text: (text * (10_000 // max(1, len(text)) + 1))[:10_000], hostile)
any_text = st.one_of(hostile, only_punctuation, huge)
corpus_text = st.one_of(hostile, only_punctuation)  # 10,000 characters only where it is cheap

MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|@(?:everyone|here)")
URL = re.compile(r"https?://[^\s<>]+")
MASKED_LINK_TARGET = re.compile(r"\]\((https?://[^\s()]+)\)")


# --- The analyzer and the retriever ----------------------------------------------------------


@given(any_text)
def test_the_analyzer_takes_any_text(text):
    analyzer = Analyzer()
    terms = analyzer.terms(text)
    assert all(isinstance(term, str) and term for term in terms)
    for span in analyzer.spans(text):
        assert 0 <= span.start < span.end <= len(text) and span.terms


@given(any_text, st.integers(min_value=1, max_value=5))
def test_the_retriever_answers_any_question(retriever, question, top):
    answer = retriever.ask(question, top=top)
    assert answer.question == question
    assert len(answer.hits) <= top
    for hit in answer.hits:
        assert all(0 <= start < end <= len(hit.sentence) for start, end in hit.highlights)
    render_answer(answer)
    check_message(discord_reply.answer_reply(answer))


# --- Renderers over hostile corpus text --------------------------------------------------------

urls = st.one_of(
    st.none(),
    st.sampled_from(["https://example.org/paper", "https://e.org/a_(b)*c", "javascript:alert(1)"]),
    st.builds(lambda t: "https://example.org/" + t, hostile),
)


@st.composite
def papers(draw, text=None) -> PaperText:
    text = corpus_text if text is None else text
    paper = Paper(
        id=draw(st.text(min_size=1, max_size=30)),
        title=draw(text),
        abstract=draw(text),
        authors=tuple(draw(st.lists(hostile, max_size=8))),
        year=draw(st.one_of(st.none(), st.integers(min_value=1900, max_value=2100))),
        venue=draw(st.one_of(st.none(), hostile)),
        url=draw(urls),
        code_url=draw(urls),
    )
    return prepare(paper)


@st.composite
def hits(draw, rank: int) -> Hit:
    paper = draw(papers())
    sentence = draw(any_text)
    spans = draw(
        st.lists(
            st.tuples(
                st.integers(0, max(0, len(sentence) - 1)), st.integers(1, max(1, len(sentence)))
            ).filter(lambda span: span[0] < span[1] <= len(sentence)),
            max_size=6,
        )
    )
    return Hit(rank, paper, sentence, 1.0, (), tuple(spans))


@st.composite
def answers(draw) -> Answer:
    count = draw(st.integers(0, 5))
    found = tuple(draw(hits(rank)) for rank in range(1, count + 1))
    return Answer(draw(any_text), found, searched_for=draw(st.one_of(st.none(), any_text)))


@given(answers(), st.booleans())
def test_an_answer_of_hostile_text_is_a_safe_discord_message(answer, ephemeral):
    reply = discord_reply.answer_reply(answer, ephemeral=ephemeral)
    check_message(reply)
    assert reply.ephemeral is ephemeral
    render_answer(answer)


@given(papers())
def test_a_hostile_paper_is_a_safe_discord_message(paper):
    check_message(discord_reply.paper_reply(paper))
    render_paper(paper)


@settings(max_examples=8)  # cleaning 10,000 characters of LaTeX-like text takes a while
@given(papers(text=huge))
def test_a_paper_of_10000_characters_is_a_safe_discord_message(paper):
    check_message(discord_reply.paper_reply(paper))
    check_message(
        discord_reply.answer_reply(Answer("q", (Hit(1, paper, paper.title, 1.0, (), ()),)))
    )
    for page in discord_reply.paper_list_pages([paper] * 3, paper.title):
        check_message(page)


@given(st.lists(papers(), max_size=12), st.one_of(st.none(), hostile))
def test_a_hostile_paper_list_is_safe_on_every_page(paper_list, owner):
    for page in discord_reply.paper_list_pages(paper_list, owner):
        check_message(page)
    render_paper_list(paper_list)


@given(any_text, st.lists(papers(), max_size=5))
def test_an_unknown_paper_reply_is_safe(query, near):
    check_message(discord_reply.not_found_reply(query, near))
    check_message(discord_reply.not_found_reply(query, near, matched=len(near) + 2))
    render_near(query, near)
    render_near(query, near, matched=len(near) + 2)


@given(any_text, st.integers(min_value=0, max_value=10**20))
def test_the_question_in_a_mention_is_safe(content, user_id):
    question = replies.strip_mentions(content, user_id)
    assert f"<@{user_id}>" not in question and "\n" not in question
    check_message(replies.mention_hint(content))


@given(st.one_of(st.none(), any_text), st.one_of(st.none(), any_text), st.booleans())
def test_about_and_reload_replies_are_safe_whatever_the_owner_and_the_reload_error(
    owner, error, store_user_ids
):
    # A rejected corpus's reason quotes the corpus file: any text can be in it.
    loaded = datetime(2025, 3, 1, 12, tzinfo=UTC)
    failed = loaded + timedelta(hours=1) if error is not None else None
    status = CorpusStatus(loaded, 7, 48, error=error, failed_at=failed)
    for record_questions in (True, False):
        check_message(
            replies.about_reply(
                owner, status, record_questions=record_questions, store_user_ids=store_user_ids
            )
        )
    check_message(replies.reload_reply(status))


# --- What a safe message is ---------------------------------------------------------------------


def check_message(reply: discord_reply.Reply) -> None:
    """Within Discord's limits, no mention that would parse, Markdown balanced."""
    assert len(reply.content) <= discord_reply.CONTENT_LIMIT
    texts = [reply.content]
    embed = reply.embed
    if embed is not None:
        assert len(embed.title) <= discord_reply.TITLE_LIMIT
        assert len(embed.description) <= discord_reply.DESCRIPTION_LIMIT
        assert len(embed.footer) <= discord_reply.FOOTER_LIMIT
        assert len(embed.fields) <= discord_reply.FIELD_COUNT_LIMIT
        for field in embed.fields:
            assert 0 < len(field.name) <= discord_reply.FIELD_NAME_LIMIT
            assert 0 < len(field.value) <= discord_reply.FIELD_VALUE_LIMIT
        assert len(embed) <= discord_reply.EMBED_TOTAL_LIMIT
        # Not the footer: Discord shows it as plain text (no Markdown, no mentions).
        texts += [embed.title, embed.description]
        texts += [part for field in embed.fields for part in (field.name, field.value)]
    for text in texts:
        check_markdown(text)


def check_markdown(text: str) -> None:
    """Only the markup paperbot adds (bold, masked links, quotes) and bare URLs, balanced.

    Read as Discord reads it: escaped characters are text; bold pairs are found first, left to
    right; a bare URL is a link whatever it contains, and mentions inside it are not mentions.
    """
    plain = re.sub(r"\\.", "·", text, flags=re.DOTALL)
    plain = MASKED_LINK_TARGET.sub("]", plain)
    unbolded = re.sub(r"\*\*(.+?)\*\*", r"\1", plain, flags=re.DOTALL)
    assert "**" not in unbolded, text
    rest = URL.sub("·", unbolded)
    assert not MENTION.search(rest), text
    assert not re.search(r"[*_~|`]", rest), text
    assert rest.count("[") == rest.count("]"), text
