"""How an answer reads, by its exact text: passages grouped under their paper, a follow-up's
paper named once, each link once, the author asked about always shown, lines wrapped to a
terminal's width; and the same rules in Discord's replies."""

from __future__ import annotations

from bot.corpus.papers import Paper
from bot.index.answer import Answer, Hit, RankedPaper, Understood
from bot.index.documents import PaperText, prepare
from bot.render import discord_reply
from bot.render.plain import render_answer, wrap
from bot.render.presentation import paper_links, short_authors


def _paper(paper_id: str, title: str, **extra: object) -> PaperText:
    return prepare(Paper(id=paper_id, title=title, abstract="One. Two.", **extra))  # type: ignore[arg-type]


def _hit(paper: PaperText, sentence: str, rank: int) -> Hit:
    return Hit(rank, paper, sentence, 1.0, (), ())


ALPHA = _paper(
    "alpha",
    "Alpha Paper",
    authors=("Ann One", "Bo Two", "Cy Three", "Di Four"),
    year=2022,
    venue="NeurIPS 2022",
    arxiv="2201.00001",
    code_url="https://example.org/alpha-code",
)
BETA = _paper("beta", "Beta Paper", authors=("Eve Five",), year=2021)


def test_passages_are_grouped_under_their_paper_with_numbered_sources():
    answer = Answer(
        "q",
        hits=(
            _hit(ALPHA, "First from alpha.", 1),
            _hit(BETA, "Only from beta.", 2),
            _hit(ALPHA, "Second from alpha.", 3),
        ),
    )
    assert render_answer(answer) == (
        "[1] Alpha Paper — Ann One, Bo Two, Cy Three et al. (2022) · NeurIPS 2022\n"
        "    arXiv: https://arxiv.org/abs/2201.00001 · Code: https://example.org/alpha-code\n"
        "    1. “First from alpha.”\n"
        "    3. “Second from alpha.”\n"
        "\n"
        "[2] Beta Paper — Eve Five (2021)\n"
        "    2. “Only from beta.”"
    )


def test_a_follow_up_names_its_paper_once_with_the_first_authors():
    answer = Answer(
        "what else?",
        hits=(_hit(ALPHA, "First from alpha.", 1), _hit(ALPHA, "Second from alpha.", 2)),
        following=(ALPHA,),
    )
    assert render_answer(answer) == (
        "Following up on: Alpha Paper — Ann One, Bo Two, Cy Three et al. (2022) · NeurIPS 2022\n"
        "\n"
        "[1] the paper followed up on\n"
        "    arXiv: https://arxiv.org/abs/2201.00001 · Code: https://example.org/alpha-code\n"
        "    1. “First from alpha.”\n"
        "    2. “Second from alpha.”"
    )


def test_a_fact_about_the_paper_followed_does_not_repeat_its_title():
    answer = Answer(
        "who wrote it?",
        papers=(RankedPaper(1, BETA, 1.0),),
        kind="paper",
        understood=Understood(fact="authors"),
        following=(BETA,),
    )
    assert render_answer(answer) == (
        "Following up on: Beta Paper — Eve Five (2021)\n\nAuthors: Eve Five"
    )


def test_a_link_answer_gives_the_link_once():
    answer = Answer(
        "arxiv link of alpha?",
        papers=(RankedPaper(1, ALPHA, 1.0),),
        kind="paper",
        understood=Understood(fact="arxiv"),
    )
    assert render_answer(answer) == (
        "Alpha Paper\n"
        "arXiv: https://arxiv.org/abs/2201.00001\n"
        "Ann One, Bo Two, Cy Three, Di Four (2022)\n"
        "Other links: Code: https://example.org/alpha-code"
    )


def test_a_paper_whose_url_is_its_doi_shows_the_address_once():
    paper = Paper(
        id="d", title="T", abstract="A.", doi="10.1000/XYZ", url="http://dx.doi.org/10.1000/xyz/"
    )
    assert paper_links(paper) == [("DOI", "https://doi.org/10.1000/XYZ")]
    other = Paper(id="e", title="T", abstract="A.", doi="10.1000/xyz", url="https://e.org/p")
    assert [label for label, _ in paper_links(other)] == ["DOI", "Paper"]


def test_the_author_asked_about_is_shown_when_the_others_are_cut():
    names = ("A", "B", "C", "D", "E", "Li")
    assert short_authors(names) == "A, B, C et al."
    assert short_authors(names, keep=("Li",)) == "A, B, C, …, Li"
    assert short_authors(names, keep=("D",)) == "A, B, C, D et al."
    assert short_authors(names, keep=("E",)) == "A, B, C, …, E et al."
    many = _paper("m", "Many Authors", authors=names, year=2020)
    listing = Answer(
        "papers by li",
        papers=(RankedPaper(1, many, 1.0),),
        kind="papers",
        understood=Understood(authors=("Li",), people=("Li",)),
    )
    assert render_answer(listing) == ("1 paper by Li:\n\n1. Many Authors\n   A, B, C, …, Li — 2020")
    reply = discord_reply.answer_reply(listing).embed
    assert reply is not None and "A, B, C, …, Li — 2020" in reply.description


def test_console_lines_wrap_to_the_width_under_their_own_text():
    answer = Answer("q", hits=(_hit(BETA, "one two three four five six seven eight nine ten", 1),))
    assert render_answer(answer, width=32) == (
        "[1] Beta Paper — Eve Five (2021)\n"
        "    1. “one two three four five\n"
        "       six seven eight nine ten”"
    )
    long_address = "see https://example.org/" + "x" * 40
    assert wrap(long_address, 30) == "see\nhttps://example.org/" + "x" * 40


def test_discord_fact_reply_after_a_follow_up_gives_title_and_link_once():
    answer = Answer(
        "its arxiv?",
        papers=(RankedPaper(1, ALPHA, 1.0),),
        kind="paper",
        understood=Understood(fact="arxiv"),
        following=(ALPHA,),
    )
    embed = discord_reply.answer_reply(answer).embed
    assert embed is not None
    assert embed.description.count("Alpha Paper") == 1
    assert embed.description.count("(https://arxiv.org/abs/2201.00001)") == 1
    assert "[Code](https://example.org/alpha-code)" in embed.description
