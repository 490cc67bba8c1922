"""Answers and papers as plain text for the console and the CLI."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

from bot.answer import Answer
from bot.documents import PaperText
from bot.presentation import byline, mark_spans

Marker = Callable[[str], str]


def ansi_bold(text: str) -> str:
    return f"\033[1m{text}\033[0m"


def no_mark(text: str) -> str:
    return text


def render_answer(answer: Answer, *, mark: Marker = no_mark, more_hint: str = "") -> str:
    lines: list[str] = []
    if answer.searched_for:
        lines += [f"Searched for: {answer.searched_for}", ""]
    if not answer.hits:
        lines.append("Nothing in the papers answers that.")
        if more_hint:
            lines.append(more_hint)
        return "\n".join(lines)
    for hit in answer.hits:
        quote = mark_spans(hit.sentence, hit.highlights, mark)
        lines.append(f"{hit.rank}. “{quote}”")
        source = f"{hit.paper.title} — {byline(hit.paper.paper.authors, hit.paper.paper.year)}"
        lines.append(textwrap.indent(source, "   "))
        lines.append("")
    if len(answer.papers) > 1:
        lines.append("Related papers: " + "; ".join(p.paper.title for p in answer.papers[1:4]))
    return "\n".join(lines).rstrip()


def render_paper_list(papers: Sequence[PaperText]) -> str:
    lines = []
    for paper in papers:
        lines.append(f"{paper.id}: {paper.title}")
        lines.append(f"    {byline(paper.paper.authors, paper.paper.year)}")
    return "\n".join(lines)


def render_paper(paper: PaperText) -> str:
    record = paper.paper
    lines = [paper.title, byline(record.authors, record.year, limit=len(record.authors))]
    if record.venue:
        lines.append(record.venue)
    lines += [
        f"{label}: {value}"
        for label, value in (
            ("Link", record.url),
            ("Code", record.code_url),
            ("DOI", record.doi),
            ("arXiv", record.arxiv),
        )
        if value
    ]
    lines += [f"Id: {paper.id}", "", textwrap.fill(paper.abstract, width=100)]
    return "\n".join(lines)


def render_near(query: str, near: Sequence[PaperText]) -> str:
    message = f"No paper matches {query!r}."
    if near:
        message += " Did you mean:\n" + "\n".join(f"  {p.id}: {p.title}" for p in near)
    return message
