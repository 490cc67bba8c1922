"""Answers, papers and the feedback report as plain text for the console and the CLI."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.index.answer import Answer, Hit
from bot.index.documents import PaperText
from bot.render.citation import cite
from bot.render.presentation import (
    byline,
    count,
    fact_link,
    mark_spans,
    paper_links,
    published,
    source_numbers,
)

if TYPE_CHECKING:
    from bot.feedback.store import FeedbackReport

Marker = Callable[[str], str]


def ansi_bold(text: str) -> str:
    return f"\033[1m{text}\033[0m"


def no_mark(text: str) -> str:
    return text


def render_answer(
    answer: Answer,
    *,
    mark: Marker = no_mark,
    more_hint: str = "",
    papers: int | None = None,
    width: int | None = None,
) -> str:
    """The answer as the console prints it (and as `ask --json` gives it in "text"): each
    paper's line once (its numbered source) with its passages under it, then a few related
    papers' titles (`papers` asks for a list of that many of the most relevant papers instead);
    a list of papers; or one paper's fact. A follow-up first names the papers it follows.
    `width`: lines wrapped to it (a terminal's width), their indents kept."""
    lines = [f"Following up on: {_paper_line(paper)}" for paper in answer.following]
    if answer.following:
        lines.append("")
    render = _BY_KIND.get(answer.kind or "none", _render_passages)
    lines += render(answer, _Asked(mark, more_hint, papers))
    text = "\n".join(lines).rstrip()
    return wrap(text, width) if width else text


@dataclass(frozen=True)
class _Asked:
    """How an answer is to be shown, beyond the answer itself."""

    mark: Marker
    more_hint: str
    papers: int | None


def _paper_line(paper: PaperText, keep: Collection[str] = ()) -> str:
    """'Title — A, B, C et al. (2022) · NeurIPS 2022': a paper told apart in one line."""
    record = paper.record
    facts = [byline(record.authors, record.year, keep=keep)]
    if record.venue:
        facts.append(record.venue)
    shown = " · ".join(fact for fact in facts if fact)
    return f"{paper.title} — {shown}" if shown else paper.title


def _render_passages(answer: Answer, asked: _Asked) -> list[str]:
    """The passages grouped by paper: '[1] Title — byline', its links, its numbered passages."""
    lines: list[str] = []
    if answer.more_of:
        lines += [f"More for: {answer.more_of}", ""]
    if answer.searched_for:
        lines += [f"Searched for: {answer.searched_for}", ""]
    if not answer.hits:
        if answer.following:
            return [*lines, "No sentence of it answers that more closely."]
        lines.append(answer.message or "Nothing in the papers answers that.")
        return [*lines, asked.more_hint] if asked.more_hint else lines
    groups: dict[str, list[Hit]] = {}
    for hit in answer.hits:
        groups.setdefault(hit.paper.id, []).append(hit)
    sources = source_numbers(list(groups))
    followed = {paper.id for paper in answer.following}
    for paper_id, hits in groups.items():
        paper = hits[0].paper
        if paper_id in followed and len(followed) == 1:
            head = "the paper followed up on"  # its line is just above
        else:
            head = _paper_line(paper, answer.understood.people)
        lines.append(f"[{sources[paper_id]}] {head}")
        if links := links_line(paper):
            lines.append(f"    {links}")
        for hit in hits:
            lines.append(
                f"    {hit.rank}. “{mark_spans(hit.sentence, hit.highlights, asked.mark)}”"
            )
        lines.append("")
    if asked.papers is not None:
        ranked = answer.papers[: asked.papers]
        if ranked:
            lines.append("Papers, most relevant first:")
        lines += [
            f"{p.rank}. {p.paper.title} — {byline(p.paper.record.authors, p.paper.record.year)}"
            for p in ranked
        ]
    elif related := answer.related[:3]:
        lines.append("Related papers: " + "; ".join(p.paper.title for p in related))
    return lines


def answer_json(answer: Answer, query_id: str | int | None = None) -> dict[str, Any]:
    """`Answer.to_json` with "text": the answer exactly as the console prints it."""
    return answer.to_json(query_id, text=render_answer(answer))


def links_line(paper: PaperText, leave_out: Collection[str] = ()) -> str:
    """'arXiv: https://arxiv.org/abs/… · Code: https://…', or '' for a paper with no links;
    without the links labelled as in `leave_out` (already shown)."""
    links = paper_links(paper.record)
    return " · ".join(f"{label}: {url}" for label, url in links if label not in leave_out)


def _render_listing(answer: Answer, asked: _Asked) -> list[str]:
    lines = [answer.understood.heading(len(answer.papers)), ""]
    for ranked in answer.papers:
        paper = ranked.paper
        lines.append(f"{ranked.rank}. {paper.title}")
        lines += [f"   {line}" for line in _paper_facts(paper, answer.understood.people)]
    return lines


def _paper_facts(paper: PaperText, keep: Collection[str]) -> list[str]:
    """The byline with where and when, and the links, for a list entry."""
    record = paper.record
    where = published(record)
    names = byline(record.authors, None, keep=keep)
    first = " — ".join(part for part in (names, where) if part)
    return [line for line in (first, links_line(paper)) if line]


def _render_fact(answer: Answer, asked: _Asked) -> list[str]:
    paper = answer.papers[0].paper
    record = paper.record
    fact = answer.understood.fact
    # A follow-up about one paper names it just above; the answer does not say it again.
    lines = [] if [paper.id] == [p.id for p in answer.following] else [paper.title]
    shown: list[str] = []  # the links already given
    if fact == "authors":
        lines.append("Authors: " + (", ".join(record.authors) or "not given in the corpus"))
    elif fact in ("venue", "year"):
        where = published(record)
        lines.append(f"Published: {where}" if where else "The corpus gives no venue or year.")
        if not record.venue and record.arxiv:
            lines.append(f"An arXiv preprint: arXiv:{record.arxiv}")
    elif fact == "cite":
        lines += ["", cite(record, answer.understood.citation_style), ""]
    elif link := fact_link(record, fact):
        label, wanted = link
        lines.append(
            f"{label}: {wanted}" if wanted else f"The corpus gives no {label} link for it."
        )
        shown.append(label)
    if fact != "authors":
        lines.append(byline(record.authors, record.year, limit=len(record.authors)))
    if links_text := links_line(paper, leave_out=shown):
        lines.append(f"{'Other links' if shown else 'Links'}: {links_text}")
    return lines


# How each kind of answer is shown; a new kind adds its renderer here.
def _render_chat(answer: Answer, asked: _Asked) -> list[str]:
    return [answer.message or ""]


def _render_topics(answer: Answer, asked: _Asked) -> list[str]:
    lines = [answer.message or "", ""]
    for ranked in answer.papers:
        lines.append(f"{ranked.rank}. {ranked.paper.title}")
        if ranked.terms:
            lines.append(f"   {', '.join(ranked.terms)}")
    return lines


def _render_by_paper(answer: Answer, asked: _Asked) -> list[str]:
    """A summary, a comparison or a recommendation: each paper's line, then its sentences."""
    lines = [answer.message, ""] if answer.message else []
    for paper in answer.shown_papers:
        lines += [paper.title, f"   {byline(paper.record.authors, paper.record.year)}"]
        for hit in answer.hits:
            if hit.paper.id == paper.id:
                lines.append(f"   • “{mark_spans(hit.sentence, hit.highlights, asked.mark)}”")
        if links := links_line(paper):
            lines.append(f"   {links}")
        lines.append("")
    return lines


_BY_KIND: dict[str, Callable[[Answer, _Asked], list[str]]] = {
    "passages": _render_passages,
    "none": _render_passages,
    "papers": _render_listing,
    "paper": _render_fact,
    "chat": _render_chat,
    "topics": _render_topics,
    "summary": _render_by_paper,
    "comparison": _render_by_paper,
    "recommendation": _render_by_paper,
}

# A line's hanging indent: after its own indent, a list number, a source number or a bullet.
_HANG = re.compile(r"(\s*)((?:\d+\.|\[\d+\]|[-+=•]) )?")


def wrap(text: str, width: int) -> str:
    """`text` with each line longer than `width` wrapped, its continuation lines indented under
    its text (after its number or bullet); words longer than a line (addresses) stay whole."""
    out: list[str] = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        match = _HANG.match(line)
        assert match is not None  # the pattern matches the empty string
        indent, marker = match.group(1), match.group(2) or ""
        out += textwrap.wrap(
            line[match.end() :],
            width=max(width, len(indent) + len(marker) + 20),
            initial_indent=indent + marker,
            subsequent_indent=" " * (len(indent) + len(marker)),
            break_long_words=False,
            break_on_hyphens=False,
        ) or [line]
    return "\n".join(out)


def render_paper_list(papers: Sequence[PaperText]) -> str:
    lines = []
    for paper in papers:
        lines.append(f"{paper.id}: {paper.title}")
        lines.append(f"    {byline(paper.record.authors, paper.record.year)}")
        if record_where := paper.record.venue:
            lines.append(f"    {record_where}")
        if links := links_line(paper):
            lines.append(f"    {links}")
    return "\n".join(lines)


def render_paper(paper: PaperText) -> str:
    record = paper.record
    lines = [paper.title, byline(record.authors, record.year, limit=len(record.authors))]
    if record.venue:
        lines.append(record.venue)
    lines += [f"{label}: {url}" for label, url in paper_links(record)]
    lines += [f"Id: {paper.id}", "", textwrap.fill(paper.abstract, width=100)]
    return "\n".join(lines)


def render_near(query: str, near: Sequence[PaperText], matched: int = 0) -> str:
    """No one paper for `query`: the `matched` (> 1) papers it fits, or the `near` suggestions."""
    listed = "\n".join(f"  {p.id}: {p.title}" for p in near)
    if matched > 1:
        shown = f"; the {len(near)} most relevant" if matched > len(near) else ""
        return (
            f"{query!r} matches {count(matched, 'paper')}{shown}. "
            f"Give more of the title, or the id:\n{listed}"
        )
    message = f"No paper matches {query!r}."
    if near:
        message += " Did you mean:\n" + listed
    return message


ONLY_DISCORD_IS_RECORDED = (
    "Only questions asked in Discord are recorded (those the papers did not answer, and the "
    "votes on answers); questions asked in the console (paperbot chat) or with paperbot ask "
    "never are."
)


def render_report(report: FeedbackReport, where: str, recording: bool) -> str:
    period = f"since {report.since:%Y-%m-%d %H:%M} UTC" if report.since else "so far"
    votes = report.helpful_votes + report.unhelpful_votes
    if report.unanswered_count == 0 and votes == 0:
        nothing = (
            f"Nothing was recorded in {where} {period}."
            if report.since
            else f"Nothing has been recorded yet in {where}."
        )
        lines = [nothing, ONLY_DISCORD_IS_RECORDED]
        if not recording:
            lines.append("Recording is off (PAPERBOT_RECORD_QUESTIONS=off): nothing is recorded.")
        return "\n".join(lines)
    lines = [f"Feedback in {where}, {period}."]
    if not recording:
        lines.append("Recording is off (PAPERBOT_RECORD_QUESTIONS=off): nothing new is recorded.")
    lines.append("")
    if report.unanswered:
        lines.append(
            f"Unanswered questions ({report.unanswered_count} asked), most frequent first:"
        )
        lines += [f"  {q.count:4}  {q.question}" for q in report.unanswered]
    else:
        lines.append("Unanswered questions: none.")
    lines.append("")
    if report.unhelpful:
        lines.append(
            f"Answers voted not helpful ({report.unhelpful_votes} of {count(votes, 'vote')}), "
            "most frequent first:"
        )
        for answer in report.unhelpful:
            lines.append(f"  {answer.count:4}  {answer.question}")
            if answer.paper_ids:
                lines.append(f"        showed: {', '.join(answer.paper_ids)}")
    else:
        lines.append(f"Answers voted not helpful: none ({count(votes, 'vote')}).")
    return "\n".join(lines)
