from datetime import UTC, datetime

import pytest

from bot.corpus.papers import Paper
from bot.discord_app import replies
from bot.discord_app.ballots import Outcome
from bot.discord_app.cooldown import OnCooldown
from bot.index.answer import Answer, Hit
from bot.index.documents import prepare
from bot.index.live_corpus import CorpusStatus
from bot.render import discord_reply
from bot.render.discord_reply import Embed, Field, escape, fit, fit_embed


def _paper(paper_id="p", title="A Title", abstract="One sentence. Two sentences.", **extra):
    return prepare(Paper(id=paper_id, title=title, abstract=abstract, **extra))


def _hit(paper, sentence, highlights=(), rank=1):
    return Hit(rank, paper, sentence, 1.0, (), tuple(highlights))


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain words", "plain words"),
        (
            "**bold** _it_ ~~s~~ ||x|| `c`",
            "\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\|\\|x\\|\\| \\`c\\`",
        ),
        ("[a](https://x.org)", "\\[a\\](https://x.org)"),
        ("# head", "\\# head"),
        ("> quote", "\\> quote"),
        ("- item", "\\- item"),
        ("1. item", "1\\. item"),
        ("a > b - c # d", "a > b - c # d"),
        ("ping @everyone and @here", "ping @\u200beveryone and @\u200bhere"),
        ("<@123> <@&4> <#5>", "\\<@123> \\<@&4> \\<#5>"),
        ("see https://github.com/a_b/c_d.git now", "see https://github.com/a_b/c_d.git now"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_escape_shows_text_literally(text, shown):
    assert escape(text) == shown


@pytest.mark.parametrize("limit", [1, 2, 10, 50, 200])
def test_fit_cuts_the_raw_text_until_the_escaped_text_fits(limit):
    text = "**x** " * 100
    shown = fit(text, limit)
    assert len(shown) <= limit
    assert not shown.rstrip("…").endswith("\\")


def test_an_answer_groups_snippets_under_their_paper_with_bold_terms():
    linked = _paper("a", "Paper A", url="https://example.org/a", authors=("X", "Y"), year=2020)
    other = _paper("b", "Paper B")
    answer = Answer(
        question="what is feature decoupling?",
        hits=(
            _hit(linked, "feature decoupling works.", [(0, 7), (8, 18)], 1),
            _hit(other, "other words.", [], 2),
            _hit(linked, "a second feature.", [(9, 16)], 3),
        ),
    )
    embed = discord_reply.answer_reply(answer).embed
    assert embed.title == "what is feature decoupling?"
    assert embed.description == (
        "[1] **[Paper A](https://example.org/a)**\nX, Y (2020)\n[Paper](https://example.org/a)\n"
        "> **feature decoupling** works.\n> a second **feature**.\n\n"
        "[2] **Paper B**\n> other words.\n\n"
        "/paper for a whole abstract · /papers for every paper"
    )
    assert embed.footer == discord_reply.ANSWER_FOOTER


def test_commands_named_in_replies_are_mentions_once_their_ids_are_known():
    ids = {"ask": 111111111111111111, "paper": 222222222222222222, "papers": 333333333333333333}
    answer = Answer(question="q", hits=(_hit(_paper(), "One sentence."),))
    assert discord_reply.answer_reply(answer, commands=ids).embed.description.endswith(
        "</paper:222222222222222222> for a whole abstract · </papers:333333333333333333> "
        "for every paper"
    )
    assert (
        "</papers:333333333333333333>"
        in discord_reply.answer_reply(Answer("q"), commands=ids).embed.description
    )
    assert "</ask:111111111111111111>" in replies.mention_hint("bot", commands=ids).content
    assert (
        "</papers:333333333333333333>"
        in discord_reply.not_found_reply("x", (), commands=ids).content
    )
    assert discord_reply.command_mention("reload", ids) == "/reload"


def test_a_follow_up_names_the_paper_it_followed_with_its_facts():
    paper = _paper(
        "a",
        "Paper A",
        url="https://example.org/a",
        authors=("W", "X", "Y", "Z"),
        year=2021,
        venue="ICML 2021",
        arxiv="2101.00001",
    )
    found = Answer(question="what next?", hits=(_hit(paper, "One sentence."),), following=(paper,))
    description = discord_reply.answer_reply(found).embed.description
    assert description.startswith(
        "Following up on: **[Paper A](https://example.org/a)** — W, X, Y et al. (2021) · "
        "ICML 2021\n\n[1] "
    )
    nothing = discord_reply.answer_reply(Answer(question="who?", following=(paper,))).embed
    assert "Following up on: **[Paper A]" in nothing.description
    assert "No sentence of it answers that more closely." in nothing.description


def test_more_passages_are_private_and_say_when_there_are_none():
    answer = Answer(question="q", hits=(_hit(_paper(), "One sentence.", rank=4),))
    more = discord_reply.more_reply(answer)
    assert (
        more.ephemeral and more.embed.footer == "" and "> One sentence." in more.embed.description
    )
    assert discord_reply.more_reply(Answer(question="q")) == discord_reply.Reply(
        discord_reply.NO_MORE, ephemeral=True
    )


def test_nothing_relevant_is_a_helpful_reply_with_the_correction():
    reply = discord_reply.answer_reply(
        Answer(question="cake recipe", searched_for="cake recipes"), ephemeral=True
    )
    assert reply.ephemeral
    assert reply.embed.description.startswith("Searched for: cake recipes\n\n")
    assert "/papers" in reply.embed.description


def test_a_long_snippet_is_cut_without_breaking_the_bold_marks():
    sentence = " ".join(["feature"] * 600)
    spans = [(i * 8, i * 8 + 7) for i in range(600)]
    answer = Answer(question="q", hits=tuple(_hit(_paper(), sentence, spans, r) for r in range(5)))
    embed = discord_reply.answer_reply(answer).embed
    assert len(embed.description) <= discord_reply.DESCRIPTION_LIMIT
    for line in embed.description.splitlines():
        assert line.count("**") % 2 == 0
    assert embed.description.count("…") == 5


def test_a_huge_paper_fits_every_embed_limit():
    paper = _paper(
        title="T " * 1000,
        abstract="Words and more words. " * 1000,
        authors=tuple(f"Author {n}" for n in range(500)),
        venue="V " * 1000,
        year=2020,
        url="https://example.org/" + "x" * 100,
        code_url="https://example.org/code",
    )
    embed = discord_reply.paper_reply(paper).embed
    assert len(embed.title) <= 256 and len(embed.description) <= 4096
    assert all(len(f.value) <= 1024 for f in embed.fields)
    assert len(embed) <= 6000


def test_fit_embed_keeps_25_fields_and_6000_characters():
    fields = tuple(Field(f"name {n}", "v" * 1024) for n in range(30))
    embed = fit_embed(Embed(title="t" * 300, description="d " * 3000, fields=fields))
    assert len(embed.fields) <= 25 and len(embed) <= 6000 and len(embed.title) <= 256


def test_the_paper_list_is_paged_with_page_numbers():
    papers = [_paper(f"p{n}", f"Paper {n}", year=2000 + n) for n in range(20)]
    pages = discord_reply.paper_list_pages(papers, "Ada")
    assert len(pages) == 3
    assert pages[0].embed.title == "Papers in Ada's list"
    assert pages[1].embed.footer.startswith("Page 2 of 3 · 20 papers")
    assert pages[1].embed.description.startswith("**Paper 8**\n2008\n\n**Paper 9**")


def test_an_ambiguous_title_lists_the_candidates():
    near = [_paper("a", "Contrastive *learning*"), _paper("b", "Non-contrastive learning")]
    reply = discord_reply.not_found_reply("contrastive", near, matched=2)
    assert reply.ephemeral
    assert reply.content.splitlines() == [
        "“contrastive” matches 2 papers:",
        "• Contrastive \\*learning\\*",
        "• Non-contrastive learning",
        "Pick one from the suggestions of /paper, or type more of its title.",
    ]
    many = discord_reply.not_found_reply("learning", near, matched=9)
    assert many.content.startswith("“learning” matches 9 papers; the 2 most relevant:")


def test_an_unknown_paper_lists_the_near_matches():
    reply = discord_reply.not_found_reply("contrastiv", [_paper("a", "Contrastive *learning*")])
    assert reply.ephemeral
    assert reply.content.splitlines()[:2] == [
        "No paper matches “contrastiv”. Did you mean:",
        "• Contrastive \\*learning\\*",
    ]


@pytest.mark.parametrize(
    ("content", "question"),
    [
        ("<@42> what is BYOL?", "what is BYOL?"),
        ("what is <@!42> BYOL?", "what is BYOL?"),
        ("<@42>", ""),
        ("<@43> hello", "<@43> hello"),
    ],
)
def test_strip_mentions_leaves_the_question(content, question):
    assert replies.strip_mentions(content, 42) == question


def test_errors_map_to_one_sentence():
    assert (
        replies.error_reply(OnCooldown(3.2)).content == "You're asking quickly: try again in 4 s."
    )
    assert replies.error_reply(RuntimeError("boom")).content == replies.APOLOGY
    assert replies.error_reply(RuntimeError("boom")).ephemeral


def test_the_mention_hint_is_one_line():
    assert "\n" not in replies.mention_hint("paper*bot").content
    assert "@paper\\*bot" in replies.mention_hint("paper*bot").content


LOADED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # 1740830400
REJECTED = CorpusStatus(
    LOADED,
    7,
    48,
    error="corpus/papers.toml: paper 8: missing 'abstract'",
    failed_at=datetime(2025, 3, 1, 13, 0, tzinfo=UTC),  # 1740834000
)


def _about(status, *, record_questions=True, store_user_ids=False) -> str:
    reply = replies.about_reply(
        "Zixin Wen", status, record_questions=record_questions, store_user_ids=store_user_ids
    )
    return reply.embed.description


def test_about_shows_when_the_corpus_was_loaded_in_each_readers_time():
    description = _about(CorpusStatus(LOADED, 7, 48))
    assert "the papers in Zixin Wen's list: 7 papers, 48 sentences" in description
    assert "The papers were loaded <t:1740830400:f> (<t:1740830400:R>)." in description
    assert "rejected" not in description


def test_about_shows_the_last_reload_error_and_that_the_old_papers_still_serve():
    description = _about(REJECTED)
    assert "loaded <t:1740830400:f>" in description
    assert (
        "A reload <t:1740834000:R> was rejected, so I still answer from them: "
        "corpus/papers.toml: paper 8: missing 'abstract'"
    ) in description


def test_about_says_what_is_recorded_and_how_to_turn_it_off():
    recorded = _about(CorpusStatus(LOADED, 7, 48))
    assert "Questions the papers do not answer" in recorded and "votes" in recorded
    assert "without who asked" in recorded
    assert "turns this off with PAPERBOT\\_RECORD\\_QUESTIONS=off" in recorded
    with_ids = _about(CorpusStatus(LOADED, 7, 48), store_user_ids=True)
    assert "with the Discord id of who asked" in with_ids
    off = _about(CorpusStatus(LOADED, 7, 48), record_questions=False)
    assert "Nothing you ask is recorded (PAPERBOT\\_RECORD\\_QUESTIONS=off)." in off


def test_a_long_reload_error_still_fits_about():
    status = CorpusStatus(LOADED, 7, 48, error="bad **line** " * 2000, failed_at=LOADED)
    embed = replies.about_reply(None, status, record_questions=True, store_user_ids=False).embed
    assert len(embed.description) <= discord_reply.DESCRIPTION_LIMIT
    assert "…" in embed.description and "\\*\\*line\\*\\*" in embed.description
    assert embed.description.endswith("PAPERBOT\\_RECORD\\_QUESTIONS=off.")


def test_reload_replies_are_ephemeral_with_the_counts_or_the_reason():
    done = replies.reload_reply(CorpusStatus(LOADED, 8, 52))
    assert done.ephemeral
    assert (
        done.content
        == "Reloaded the corpus: 8 papers, 52 sentences. Questions are answered from it now."
    )
    rejected = replies.reload_reply(REJECTED)
    assert rejected.ephemeral and len(rejected.content) <= discord_reply.CONTENT_LIMIT
    assert rejected.content.startswith(
        "The corpus was not reloaded: corpus/papers.toml: paper 8: missing 'abstract'\n"
    )
    assert "loaded <t:1740830400:f> (<t:1740830400:R>): 7 papers, 48 sentences" in rejected.content


@pytest.mark.parametrize("outcome", list(Outcome))
def test_each_vote_outcome_gets_one_ephemeral_sentence(outcome):
    reply = replies.vote_reply(outcome)
    assert reply.ephemeral and reply.content and "\n" not in reply.content


def test_matched_words_inside_a_web_address_are_not_bolded():
    from bot.corpus.papers import Paper
    from bot.index.answer import Answer, Hit
    from bot.index.documents import PaperText
    from bot.render.discord_reply import answer_reply

    sentence = "Code at https://github.com/x/disentanglement-lib.git and disentanglement here."
    start = sentence.index("disentanglement-lib")
    later = sentence.rindex("disentanglement")
    paper = PaperText.joined(Paper(id="p", title="T", abstract=sentence), "T", [sentence])
    hit = Hit(1, paper, sentence, 1.0, ("disentangl",), ((start, start + 19), (later, later + 15)))
    description = answer_reply(Answer("q", hits=(hit,))).embed.description
    assert "https://github.com/x/disentanglement-lib.git" in description
    assert "**disentanglement**" in description


def test_one_paper_and_one_sentence_are_singular():
    assert "Zixin Wen's list: 1 paper, 1 sentence of abstracts" in _about(
        CorpusStatus(LOADED, 1, 1)
    )
    assert replies.reload_reply(CorpusStatus(LOADED, 1, 1)).content.startswith(
        "Reloaded the corpus: 1 paper, 1 sentence."
    )
    (page,) = discord_reply.paper_list_pages([_paper("a", "Alone")], None)
    assert page.embed.footer.startswith("1 paper · ")


def test_strip_mentions_takes_out_the_bots_own_role_but_not_others():
    content = "<@&77> what is BYOL? <@&88>"
    assert replies.strip_mentions(content, 42, [77]) == "what is BYOL? <@&88>"
    assert replies.strip_mentions(content, 42) == content


def test_the_unread_reply_hint_says_how_to_ask_in_one_line():
    hint = replies.unread_reply_hint("paper*bot").content
    assert "\n" not in hint and "@paper\\*bot" in hint and "/ask" in hint
