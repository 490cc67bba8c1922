"""The interactive console: ask questions about the papers without Discord."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.render.plain import (
    ansi_bold,
    no_mark,
    render_answer,
    render_near,
    render_paper,
    render_paper_list,
)
from bot.search.lookup import find_paper
from bot.search.questions import answer_question
from bot.search.retriever import Retriever

HELP = """Type a question and press Enter, for example: what is feature decoupling?
  :papers      list the papers
  :paper X     show a paper's abstract (by id or title)
  :help        this help
  :quit        leave (Ctrl-D works too)"""
_MORE_HINT = "Type :papers to see what the papers cover."


def run_console(
    retriever: Retriever,
    *,
    top: int = 3,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty() and stdout.isatty()
    stats = retriever.stats
    owner = f" by {retriever.corpus.owner}" if retriever.corpus.owner else ""
    print(
        f"paperbot: {stats.papers} papers{owner}, {stats.sentences} sentences. "
        "Ask a question, or type :help.",
        file=stdout,
    )
    try:
        _loop(retriever, top, stdin, stdout, interactive)
    except KeyboardInterrupt:
        print(file=stdout)
    return 0


def _loop(retriever: Retriever, top: int, stdin: TextIO, stdout: TextIO, interactive: bool) -> None:
    mark = ansi_bold if interactive else no_mark
    while (line := _read_line(stdin, stdout, interactive)) is not None:
        line = line.strip()
        if not line:
            continue
        if line.startswith(":"):
            command, _, argument = line[1:].partition(" ")
            if command in ("quit", "q", "exit"):
                return
            print(_run_command(retriever, command, argument.strip()), file=stdout)
        else:
            answer = answer_question(retriever, line, top=top)
            print(render_answer(answer, mark=mark, more_hint=_MORE_HINT), file=stdout)
        print(file=stdout)


def _read_line(stdin: TextIO, stdout: TextIO, interactive: bool) -> str | None:
    if interactive and stdin is sys.stdin:
        try:
            return input("> ")
        except EOFError:
            print(file=stdout)
            return None
    line = stdin.readline()
    return line if line else None


def _run_command(retriever: Retriever, command: str, argument: str) -> str:
    if command == "help":
        return HELP
    if command == "papers":
        return render_paper_list(retriever.papers)
    if command == "paper":
        if not argument:
            return "Usage: :paper ID_OR_TITLE"
        found = find_paper(retriever.papers, argument)
        return render_paper(found.paper) if found.paper else render_near(argument, found.near)
    return f"Unknown command :{command}. Type :help."
