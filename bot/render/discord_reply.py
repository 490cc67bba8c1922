"""Answers, paper lists, papers and citations as Discord shows them: plain data within Discord's
limits, with no discord import (the transport in bot/discord_app/ turns a `Reply` into a message).

Every text that comes from the corpus or from a user is Markdown-escaped here, and every length
limit is enforced here: a long text is cut at a word boundary with an ellipsis, so Discord never
rejects a reply.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeGuard

from bot.corpus.papers import Paper
from bot.index.answer import Answer, CitationStyle, Hit
from bot.index.documents import PaperText
from bot.render.citation import cite
from bot.render.pagination import paginate
from bot.render.presentation import (
    ELLIPSIS,
    byline,
    count,
    fact_link,
    mark_spans,
    owners_list,
    paper_facts,
    paper_links,
    published,
    short_authors,
    source_numbers,
    truncate,
)
from bot.text.normalise import normalise

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000

ACCENT = 0x3B82F6
PAPERS_PER_PAGE = 8
_QUOTE_LIMIT = 700  # one snippet, before the description's budget cuts it further
_HEADER_LIMIT = 300  # a paper's title in an answer or a list
_URL_LIMIT = 512  # longer urls are not linked: they would eat the room for the text

ANSWER_FOOTER = "Reply to this answer to ask a follow-up about its papers"
MORE_LABEL = "More"
NO_MORE = "No more passages for that question."
# Slash commands named in replies; with their ids known they become clickable mentions.
CommandIds = Mapping[str, int]
NO_IDS: CommandIds = {}


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Embed:
    title: str = ""
    description: str = ""
    url: str | None = None
    fields: tuple[Field, ...] = ()
    footer: str = ""
    colour: int | None = ACCENT

    def to_dict(self) -> dict[str, Any]:
        """Discord's embed object."""
        data: dict[str, Any] = {"type": "rich"}
        if self.title:
            data["title"] = self.title
        if self.description:
            data["description"] = self.description
        if self.url:
            data["url"] = self.url
        if self.colour is not None:
            data["color"] = self.colour
        if self.fields:
            data["fields"] = [
                {"name": f.name, "value": f.value, "inline": f.inline} for f in self.fields
            ]
        if self.footer:
            data["footer"] = {"text": self.footer}
        return data

    def __len__(self) -> int:
        """The characters Discord counts towards its 6000 per embed."""
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer)
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )


@dataclass(frozen=True)
class Reply:
    content: str = ""
    embed: Embed | None = None
    ephemeral: bool = False


# --- Markdown --------------------------------------------------------------------------------

_URL = re.compile(r"https?://[^\s<>]+")
_INLINE_MARKUP = re.compile(r"([\\*_~|`<\[\]])")
_LINE_START_MARKUP = re.compile(r"^(\s*)([#>\-+]|\d+\.)", flags=re.MULTILINE)
_MASS_MENTION = re.compile(r"@(everyone|here)")
_MASS_MENTION_AT = re.compile(r"@(?=everyone|here)")


# A URL with these in it is escaped like text: markup around it could pair with them.
_MARKUP_IN_URL = re.compile(r"[*~|`\\]|__")


def escape(text: str) -> str:
    """`text` shown literally: no Markdown, no masked links, no mentions; bare URLs stay links."""
    out: list[str] = []
    position = 0
    for url in _URL.finditer(text):
        if _MARKUP_IN_URL.search(url.group()):
            continue
        out.append(_escape_plain(text[position : url.start()]))
        out.append(url.group())
        position = url.end()
    out.append(_escape_plain(text[position:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    text = _INLINE_MARKUP.sub(r"\\\1", text)
    text = _LINE_START_MARKUP.sub(lambda m: m.group(1) + _escape_line_start(m.group(2)), text)
    return _MASS_MENTION.sub("@\u200b\\1", text)


def _escape_line_start(marker: str) -> str:
    return marker[:-1] + "\\." if marker.endswith(".") else "\\" + marker


one_line = functools.partial(normalise, casefold=False)  # whitespace runs as one space


def _flat(text: str) -> str:
    """`text` on one line, every character where it was (highlight offsets stay valid)."""
    return re.sub(r"\s", " ", text)


def fit(raw: str, limit: int, render: Callable[[str], str] = escape) -> str:
    """`render(raw)`, with `raw` cut at a word boundary until the result fits `limit`."""
    budget = min(len(raw), limit)
    while True:
        shown = render(truncate(raw, budget))
        if len(shown) <= limit:
            return shown
        if budget <= 1:
            return truncate(shown, limit)
        budget = max(1, min(budget - 1, budget * limit // len(shown)))


def _linkable(url: str | None) -> TypeGuard[str]:
    return bool(url and len(url) <= _URL_LIMIT and _URL.fullmatch(url) is not None)


def _link(label: str, url: str | None) -> str:
    """`label` (already escaped) as a masked link when the url is a plain web address.

    A label holding a URL itself stays unlinked: Discord does not show such masked links (they
    are how phishing hides a link), and the URL in it would swallow the link's brackets.
    """
    if not _linkable(url) or _URL.search(label):
        return label
    return f"[{label}]({url.replace('(', '%28').replace(')', '%29')})"


def _merged(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans with only spaces between them joined: '**feature decoupling**', not two bold words."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start >= merged[-1][1] and not text[merged[-1][1] : start].strip():
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _quote(hit: Hit, limit: int) -> str:
    # Bold marks split the text into pieces escaped one by one; "@" and "everyone" can end up in
    # different pieces, so they are kept apart before marking, not by escaping.
    text, spans = _apart_mass_mentions(_flat(hit.sentence), _merged(hit.sentence, hit.highlights))
    # A web address stays one link: no bold inside it (the analyzer finds words in URLs too).
    links = [match.span() for match in _URL.finditer(text)]
    spans = [(s, e) for s, e in spans if not any(s < end and start < e for start, end in links)]

    def render(cut: str) -> str:
        kept = len(cut) - 1 if cut.endswith(ELLIPSIS) and len(cut) < len(text) else len(cut)
        spans_kept = [(start, end) for start, end in spans if end <= kept]
        return "> " + mark_spans(cut, spans_kept, lambda s: f"**{escape(s)}**", escape)

    return fit(text, limit, render)


def _apart_mass_mentions(
    text: str, spans: Sequence[tuple[int, int]]
) -> tuple[str, list[tuple[int, int]]]:
    """`text` with a zero-width space after the "@" of @everyone/@here; spans moved to match."""
    places = [match.end() for match in _MASS_MENTION_AT.finditer(text)]
    if not places:
        return text, list(spans)
    for place in reversed(places):
        text = text[:place] + "\u200b" + text[place:]
    moved = [
        (start + bisect_right(places, start), end + bisect_left(places, end))
        for start, end in spans
    ]
    return text, moved


def _paper_heading(paper: PaperText, limit: int = _HEADER_LIMIT) -> str:
    title = fit(title_line(paper), limit)
    return f"**{_link(title, paper.record.url)}**"


def _paper_byline(paper: PaperText, limit: int = 200) -> str:
    return fit(one_line(byline(paper.record.authors, paper.record.year)), limit)


def _paper_entry(paper: PaperText) -> str:
    """The title (linked when it has a url) over its short author list and year, and its links."""
    lines = [_paper_heading(paper)]
    if line := _paper_byline(paper):
        lines.append(line)
    if links := links_text(paper):
        lines.append(links)
    return "\n".join(lines)


def _listed_entry(paper: PaperText, keep: Sequence[str] = ()) -> str:
    """A list answer's entry: the title, authors (with those in `keep`, the authors asked
    about), where and when, and the links."""
    record = paper.record
    names = short_authors(record.authors, keep=keep)
    facts = " — ".join(part for part in (names, published(record)) if part)
    lines = [_paper_heading(paper)]
    if facts:
        lines.append(fit(one_line(facts), 300))
    if links := links_text(paper):
        lines.append(links)
    return "\n".join(lines)


def links_text(paper: PaperText, leave_out: Sequence[str] = ()) -> str:
    """'[arXiv](…) · [DOI](…) · [Paper](…) · [Code](…)': the paper's links, masked; without
    those labelled as in `leave_out` (already shown)."""
    links = paper_links(paper.record)
    return " · ".join(
        _link(label, url) for label, url in links if _linkable(url) and label not in leave_out
    )


def title_line(paper: PaperText) -> str:
    """The title on one line; a title that cleaned down to nothing is named by the paper's id."""
    return one_line(paper.title) or f"Untitled ({one_line(paper.id)})"


def command_mention(name: str, ids: CommandIds = NO_IDS) -> str:
    """`</name:id>` (Discord shows a clickable command) once the id is known, else `/name`."""
    command_id = ids.get(name)
    return f"</{name}:{command_id}>" if command_id else f"/{name}"


def nothing_found(ids: CommandIds = NO_IDS) -> str:
    return (
        "Nothing in the papers answers that. Try other words, or run "
        f"{command_mention('papers', ids)} to see what they cover."
    )


def _commands_line(ids: CommandIds) -> str:
    return (
        f"{command_mention('paper', ids)} for a whole abstract · "
        f"{command_mention('papers', ids)} for every paper"
    )


def _following_line(paper: PaperText) -> str:
    """A followed paper: its title (linked) and facts, so a wrong guess is plain to see."""
    facts = fit(one_line(" · ".join(paper_facts(paper.record))), 600)
    return f"Following up on: {_paper_heading(paper)} — {facts}"


# --- Replies ---------------------------------------------------------------------------------


def answer_reply(
    answer: Answer, *, ephemeral: bool = False, commands: CommandIds = NO_IDS
) -> Reply:
    """The best snippets grouped under their numbered papers, a list of papers, one paper's
    fact, or a helpful 'nothing found'; a follow-up first names the papers it followed up on."""
    title = fit(one_line(answer.question), TITLE_LIMIT)
    lead = "".join(_following_line(paper) + "\n" for paper in answer.following[:3])
    if answer.kind == "chat":
        return Reply(fit_content(escape(answer.message or "")), ephemeral=ephemeral)
    if answer.kind == "topics":
        return Reply(embed=fit_embed(_topics_embed(title, answer)), ephemeral=ephemeral)
    if answer.kind in ("papers", "paper"):
        made = _listing_embed if answer.kind == "papers" else _fact_embed
        embed = made(title, answer)
        embed = replace(embed, description=lead + embed.description)
        return Reply(embed=fit_embed(embed), ephemeral=ephemeral)
    if answer.searched_for:
        lead += f"Searched for: {fit(one_line(answer.searched_for), 500)}\n"
    lead += _chat_lead(answer)
    lead += "\n" if lead else ""
    if not answer.hits:
        if answer.following:
            text = "No sentence of it answers that more closely."
        elif answer.message:
            papers = command_mention("papers", commands)
            text = f"{fit(one_line(answer.message), 500)} Run {papers} to see the papers."
        else:
            text = nothing_found(commands)
        embed = Embed(title=title, description=lead + text)
        return Reply(embed=fit_embed(embed), ephemeral=ephemeral)

    groups: dict[str, list[Hit]] = {}
    for hit in answer.hits:
        groups.setdefault(hit.paper.id, []).append(hit)
    numbers = source_numbers(list(groups))
    headers = {
        paper_id: f"[{numbers[paper_id]}] {_paper_entry(hits[0].paper)}"
        for paper_id, hits in groups.items()
    }
    closing = "\n\n" + _commands_line(commands)
    fixed = len(lead) + len(closing) + sum(len(header) + 3 for header in headers.values())
    per_quote = (DESCRIPTION_LIMIT - fixed) // len(answer.hits) - 1
    per_quote = max(40, min(_QUOTE_LIMIT, per_quote))
    sections = [
        "\n".join([headers[pid], *(_quote(hit, per_quote) for hit in hits)])
        for pid, hits in groups.items()
    ]
    description = lead + "\n\n".join(sections) + closing
    embed = Embed(title=title, description=description, footer=ANSWER_FOOTER)
    return Reply(embed=fit_embed(embed), ephemeral=ephemeral)


def more_reply(answer: Answer, *, commands: CommandIds = NO_IDS) -> Reply:
    """The next passages of a question, for the person who pressed "More" (only they see it)."""
    if not answer.hits:
        return Reply(NO_MORE, ephemeral=True)
    reply = answer_reply(answer, ephemeral=True, commands=commands)
    assert reply.embed is not None
    return replace(reply, embed=replace(reply.embed, footer=""))  # nothing to reply to


def _chat_lead(answer: Answer) -> str:
    """The line over a summary, comparison, recommendation or "more": what it shows."""
    if answer.more_of:
        return f"More for: {fit(one_line(answer.more_of), 500)}\n"
    if answer.kind in ("comparison", "recommendation") and answer.message:
        return fit(one_line(answer.message), 500) + "\n"
    if answer.kind == "summary":
        return "What it contributes:\n"
    return ""


def _topics_embed(title: str, answer: Answer) -> Embed:
    head = escape(answer.message or "")
    entries = "\n\n".join(
        _paper_heading(ranked.paper)
        + ("\n" + escape(", ".join(ranked.terms)) if ranked.terms else "")
        for ranked in answer.papers
    )
    return Embed(title=title, description=f"{head}\n\n{entries}", footer="/paper for an abstract")


def _listing_embed(title: str, answer: Answer) -> Embed:
    head = escape(answer.understood.heading(len(answer.papers)))
    people = answer.understood.people
    entries = "\n\n".join(_listed_entry(ranked.paper, people) for ranked in answer.papers)
    footer = "/paper for an abstract · /cite for a citation"
    return Embed(title=title, description=f"{head}\n\n{entries}", footer=footer)


def _fact_embed(title: str, answer: Answer) -> Embed:
    paper = answer.papers[0].paper
    record = paper.record
    fact = answer.understood.fact
    # A follow-up about one paper names it just above; the answer does not say it again.
    followed = [paper.id] == [p.id for p in answer.following]
    lines = [] if followed else [_paper_heading(paper)]
    shown: list[str] = []  # the links already given
    if fact == "authors":
        lines.append("**Authors:** " + fit(", ".join(record.authors) or "not given", 1500))
    else:
        lines.append(fit(one_line(byline(record.authors, record.year, len(record.authors))), 1500))
    if fact in ("venue", "year"):
        where = published(record)
        lines.append(f"**Published:** {escape(where)}" if where else "No venue or year is given.")
    elif fact == "cite":
        lines.append(citation_block(record, answer.understood.citation_style))
    elif link := fact_link(record, fact):
        name, wanted = link
        if wanted:
            # Shown without its scheme, so that the label is no address and the link stays masked.
            label = escape(wanted.split("://", 1)[-1])
            lines.append(f"**{name}:** {_link(label, wanted)}")
            shown.append(name)
        else:
            lines.append(f"No {name} link is given for it.")
    if links := links_text(paper, leave_out=shown):
        lines.append(links)
    return Embed(title=title, description="\n".join(lines), footer=fit(f"id: {paper.id}", 200, str))


def citation_block(paper: Paper, style: CitationStyle) -> str:
    """The citation in a code block (BibTeX) or as plain text (APA), within an embed's room."""
    text = cite(paper, style)
    if style == "bibtex":
        return "```bibtex\n" + truncate(text.replace("```", "`\u200b``"), 3500) + "\n```"
    return fit(text, 3500)


def cite_reply(paper: PaperText, style: CitationStyle) -> Reply:
    """/cite: the paper's citation, built from its corpus fields only."""
    name = "BibTeX" if style == "bibtex" else "APA"
    embed = Embed(
        title=fit(title_line(paper), TITLE_LIMIT),
        description=citation_block(paper.record, style),
        url=paper.record.url if _linkable(paper.record.url) else None,
        footer=fit(f"{name} · from the corpus fields of {paper.id}", 200, str),
    )
    return Reply(embed=fit_embed(embed))


def filtered_list_pages(
    papers: Sequence[PaperText], owner: str | None, described: str
) -> list[Reply]:
    """/papers with filters: the matching papers, or one line saying that none match."""
    if not papers:
        return [Reply(f"No papers {fit(one_line(described), 500)} here.", ephemeral=True)]
    return paper_list_pages(papers, owner, described)


def paper_list_pages(
    papers: Sequence[PaperText], owner: str | None, described: str = ""
) -> list[Reply]:
    """Every paper (title, authors, year, links), as pages of one embed each; page numbers in
    footers. `described`: the filters that chose them ("by Yuanzhi Li, from 2023")."""
    entries = [_paper_entry(p) for p in papers]
    heading = f"Papers in {owners_list(one_line(owner))}" if owner else "Papers"
    if described:
        heading = f"Papers {one_line(described)}"
    title = fit(heading, TITLE_LIMIT)
    pages = paginate(entries, per_page=PAPERS_PER_PAGE, max_chars=DESCRIPTION_LIMIT)
    replies = []
    for number, page in enumerate(pages, start=1):
        footer = f"{count(len(papers), 'paper')} · /paper for an abstract"
        if len(pages) > 1:
            footer = f"Page {number} of {len(pages)} · {footer}"
        description = "\n\n".join(page) or "The corpus has no papers."
        replies.append(Reply(embed=fit_embed(Embed(title, description, footer=footer))))
    return replies


def paper_reply(paper: PaperText) -> Reply:
    """One paper: cleaned abstract, every author, venue, year and links."""
    record = paper.record
    fields = [Field("Authors", fit(", ".join(record.authors) or "unknown", FIELD_VALUE_LIMIT))]
    if record.year is not None:
        fields.append(Field("Year", str(record.year), inline=True))
    if record.venue:
        fields.append(Field("Venue", fit(one_line(record.venue), FIELD_VALUE_LIMIT), inline=True))
    if links := links_text(paper):
        fields.append(Field("Links", fit(links, FIELD_VALUE_LIMIT, str), inline=True))
    title = fit(title_line(paper), TITLE_LIMIT)
    footer = fit(f"id: {paper.id}", 200, str)
    others = len(title) + len(footer) + sum(len(f.name) + len(f.value) for f in fields)
    description = fit(paper.abstract, min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - others))
    url = record.url if _linkable(record.url) else None
    return Reply(embed=fit_embed(Embed(title, description, url, tuple(fields), footer)))


def not_found_reply(
    query: str, near: Sequence[PaperText], matched: int = 0, *, commands: CommandIds = NO_IDS
) -> Reply:
    """A polite 'no such paper' with the near matches to pick from, or, when `matched` (> 1)
    titles fit the query, the candidates."""
    asked = fit(one_line(query), 200)
    papers = command_mention("papers", commands)
    if matched > 1:
        shown = f"; the {len(near)} most relevant" if matched > len(near) else ""
        lines = [f"“{asked}” matches {count(matched, 'paper')}{shown}:"]
        lines += [f"• {fit(title_line(p), 300)}" for p in near]
        paper_ = command_mention("paper", commands)
        lines.append(f"Pick one from the suggestions of {paper_}, or type more of its title.")
        return Reply(fit("\n".join(lines), CONTENT_LIMIT, str), ephemeral=True)
    if not near:
        return Reply(f"No paper matches “{asked}”. Run {papers} to see them all.", ephemeral=True)
    lines = [f"No paper matches “{asked}”. Did you mean:"]
    lines += [f"• {fit(title_line(p), 300)}" for p in near]
    lines.append(
        f"Pick one from the suggestions of {command_mention('paper', commands)}, or run {papers}."
    )
    return Reply(fit("\n".join(lines), CONTENT_LIMIT, str), ephemeral=True)


def fit_embed(embed: Embed) -> Embed:
    """`embed` cut to Discord's limits: each part, 25 fields, 6000 characters in all."""
    fields = tuple(
        Field(
            truncate(f.name, FIELD_NAME_LIMIT) or "\u200b",  # Discord rejects empty names
            truncate(f.value, FIELD_VALUE_LIMIT) or "\u200b",
            f.inline,
        )
        for f in embed.fields[:FIELD_COUNT_LIMIT]
    )
    embed = replace(
        embed,
        title=truncate(embed.title, TITLE_LIMIT),
        description=truncate(embed.description, DESCRIPTION_LIMIT),
        footer=truncate(embed.footer, FOOTER_LIMIT),
        fields=fields,
    )
    excess = len(embed) - EMBED_TOTAL_LIMIT
    if excess > 0 and embed.description:
        keep = max(0, len(embed.description) - excess)
        embed = replace(embed, description=truncate(embed.description, keep))
    while len(embed) > EMBED_TOTAL_LIMIT and embed.fields:
        embed = replace(embed, fields=embed.fields[:-1])
    return embed


def fit_content(content: str) -> str:
    return truncate(content, CONTENT_LIMIT)
