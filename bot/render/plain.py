"""Answers, papers and the feedback report as plain text for the console and the CLI."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from bot.feedback.store import FeedbackReport
from bot.render.citation import cite
from bot.render.presentation import (
    byline,
    count,
    fact_link,
    mark_spans,
    paper_facts,
    paper_links,
    published,
    source_numbers,
)
from bot.search.answer import Answer
from bot.search.documents import PaperText

Marker = Callable[[str], str]


def ansi_bold(text: str) -> str:
    return f"\033[1m{text}\033[0m"


def no_mark(text: str) -> str:
    return text


def render_answer(
    answer: Answer, *, mark: Marker = no_mark, more_hint: str = "", papers: int | None = None
) -> str:
    """The answer as the console prints it (and as `ask --json` gives it in "text"): passages
    under their numbered sources, then a few related papers' titles (`papers` asks for a list of
    that many of the most relevant papers instead); a list of papers; or one paper's fact."""
    lines: list[str] = []
    for paper in answer.following:
        lines.append(f"Following up on: {paper.title} — {' · '.join(paper_facts(paper.record))}")
    if answer.following:
        lines.append("")
    if answer.kind == "papers":
        return "\n".join([*lines, _render_listing(answer)])
    if answer.kind == "paper":
        return "\n".join([*lines, _render_fact(answer)])
    if answer.kind == "chat":
        return "\n".join([*lines, answer.message or ""]).strip()
    if answer.kind == "topics":
        return _render_topics(answer)
    if answer.kind in ("summary", "comparison", "recommendation"):
        return "\n".join([*lines, _render_by_paper(answer, mark)]).strip()
    if answer.more_of:
        lines += [f"More for: {answer.more_of}", ""]
    if answer.searched_for:
        lines += [f"Searched for: {answer.searched_for}", ""]
    if not answer.hits:
        if answer.following:
            lines.append("No sentence of it answers that more closely.")
            return "\n".join(lines)
        lines.append(answer.message or "Nothing in the papers answers that.")
        if more_hint:
            lines.append(more_hint)
        return "\n".join(lines)
    sources = source_numbers([hit.paper.id for hit in answer.hits])
    for hit in answer.hits:
        quote = mark_spans(hit.sentence, hit.highlights, mark)
        lines.append(f"{hit.rank}. “{quote}”")
        source = f"{hit.paper.title} — {byline(hit.paper.record.authors, hit.paper.record.year)}"
        lines.append(textwrap.indent(f"[{sources[hit.paper.id]}] {source}", "   "))
        if links := links_line(hit.paper):
            lines.append(f"   {links}")
        lines.append("")
    if papers is not None:
        ranked = answer.papers[:papers]
        if ranked:
            lines.append("Papers, most relevant first:")
        lines += [
            f"{p.rank}. {p.paper.title} — {byline(p.paper.record.authors, p.paper.record.year)}"
            for p in ranked
        ]
    elif related := answer.related[:3]:
        lines.append("Related papers: " + "; ".join(p.paper.title for p in related))
    return "\n".join(lines).rstrip()


def answer_json(answer: Answer, query_id: str | int | None = None) -> dict[str, Any]:
    """`Answer.to_json` with "text": the answer exactly as the console prints it."""
    return answer.to_json(query_id, text=render_answer(answer))


def links_line(paper: PaperText) -> str:
    """'arXiv: https://arxiv.org/abs/… · Code: https://…', or '' for a paper with no links."""
    return " · ".join(f"{label}: {url}" for label, url in paper_links(paper.record))


def _render_listing(answer: Answer) -> str:
    lines = [answer.understood.heading(len(answer.papers)), ""]
    for ranked in answer.papers:
        paper = ranked.paper
        lines.append(f"{ranked.rank}. {paper.title}")
        lines += [f"   {line}" for line in _paper_facts(paper)]
    return "\n".join(lines).rstrip()


def _render_topics(answer: Answer) -> str:
    lines = [answer.message or "", ""]
    for ranked in answer.papers:
        lines.append(f"{ranked.rank}. {ranked.paper.title}")
        if ranked.terms:
            lines.append(f"   {', '.join(ranked.terms)}")
    return "\n".join(lines).rstrip()


def _render_by_paper(answer: Answer, mark: Marker) -> str:
    """A summary, a comparison or a recommendation: each paper's line, then its sentences."""
    lines = [answer.message, ""] if answer.message else []
    for paper in answer.shown_papers:
        lines += [paper.title, f"   {byline(paper.record.authors, paper.record.year)}"]
        for hit in answer.hits:
            if hit.paper.id == paper.id:
                lines.append(f"   • “{mark_spans(hit.sentence, hit.highlights, mark)}”")
        if links := links_line(paper):
            lines.append(f"   {links}")
        lines.append("")
    return "\n".join(lines).rstrip()


def _paper_facts(paper: PaperText) -> list[str]:
    """The byline with where and when, and the links, for a list entry."""
    record = paper.record
    where = published(record)
    names = byline(record.authors, None)
    first = " — ".join(part for part in (names, where) if part)
    return [line for line in (first, links_line(paper)) if line]


def _render_fact(answer: Answer) -> str:
    paper = answer.papers[0].paper
    record = paper.record
    fact = answer.understood.fact
    lines = [paper.title]
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
    if fact != "authors":
        lines.append(byline(record.authors, record.year, limit=len(record.authors)))
    if links_text := links_line(paper):
        lines.append(f"Links: {links_text}")
    return "\n".join(lines).rstrip()


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
