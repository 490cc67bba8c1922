"""The interactive console: ask questions about the papers without Discord.

On a terminal, the prompt has line editing and a history of this session's lines (the arrow keys,
Ctrl-R), from the standard `readline` module; the history is kept in memory only, so nothing
typed in the console is written anywhere. Piped input is read line by line, as it comes.
"""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

from bot.answering.conversation import answer_in_conversation, turn_of
from bot.answering.conversation_memory import Conversations
from bot.answering.lookup import find_paper
from bot.index.answer import Answer
from bot.index.retriever import Retriever
from bot.render.plain import (
    Marker,
    ansi_bold,
    no_mark,
    render_answer,
    render_near,
    render_paper,
    render_paper_list,
)
from bot.render.presentation import count, owners_list

HELP = """Type a question and press Enter, for example: what is feature decoupling?
Each question follows up on the answers before it ("who wrote it?"), until :new.
  :more        the next passages for the last question
  :new         start a new conversation (the next question stands alone)
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
    width: int | None = None,
) -> int:
    """The console until :quit or the end of input. Answers are wrapped to `width`, on a
    terminal to its width (as it is when each answer is shown)."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty() and stdout.isatty()
    stats = retriever.stats
    owner = retriever.corpus.owner
    whose = f" in {owners_list(owner)}" if owner else ""
    print(
        f"paperbot: {count(stats.papers, 'paper')}{whose}, {count(stats.sentences, 'sentence')}. "
        "Ask a question, or type :help.",
        file=stdout,
    )
    if interactive and stdin is sys.stdin:
        enable_line_editing()
    try:
        _loop(retriever, top, stdin, stdout, interactive, width)
    except KeyboardInterrupt:
        print(file=stdout)
    return 0


def enable_line_editing() -> bool:
    """Give `input()` line editing and an in-memory history; False where `readline` is missing
    (Windows without pyreadline), where the prompt still works without them."""
    try:
        import readline
    except ImportError:
        return False
    readline.set_auto_history(True)  # each line typed joins the history, in memory only
    return True


class _Conversation:
    """The console's one conversation: its turns, and the last answer for :more."""

    def __init__(self, retriever: Retriever, top: int) -> None:
        self.retriever = retriever
        self.top = top
        self.memory = Conversations(capacity=1)
        self.last: Answer | None = None

    def ask(self, question: str) -> Answer:
        answer = answer_in_conversation(
            self.retriever, question, self.memory.turns(_KEY), top=self.top
        )
        self.memory.add(_KEY, turn_of(answer))
        self.last = answer
        return answer

    def more(self) -> Answer | None:
        """The next passages of the last question with passages, as saying "more" gives them;
        None when nothing was asked yet."""
        if self.last is None:
            return None
        return self.ask("more")

    def new(self) -> None:
        self.memory.end(_KEY)
        self.last = None


_KEY = "console"


def _loop(
    retriever: Retriever,
    top: int,
    stdin: TextIO,
    stdout: TextIO,
    interactive: bool,
    width: int | None,
) -> None:
    mark = ansi_bold if interactive else no_mark

    def columns() -> int | None:
        return width or (shutil.get_terminal_size().columns if interactive else None)

    conversation = _Conversation(retriever, top)
    while (line := _read_line(stdin, stdout, interactive)) is not None:
        line = line.strip()
        if not line:
            continue
        if line.startswith(":"):
            command, _, argument = line[1:].partition(" ")
            if command in ("quit", "q", "exit"):
                return
            if command == "new":
                conversation.new()
                print("New conversation: the next question stands alone.", file=stdout)
            elif command == "more":
                print(_more(conversation, mark, columns()), file=stdout)
            else:
                print(_run_command(retriever, command, argument.strip()), file=stdout)
        else:
            answer = conversation.ask(line)
            shown = render_answer(answer, mark=mark, more_hint=_MORE_HINT, width=columns())
            print(shown, file=stdout)
        print(file=stdout)


def _more(conversation: _Conversation, mark: Marker, width: int | None) -> str:
    answer = conversation.more()
    if answer is None:
        return "Ask a question first; :more then shows more passages for it."
    if not answer.hits:
        return "No more passages for that question."
    return render_answer(answer, mark=mark, width=width)


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
        found = find_paper(retriever, argument)
        if found.paper is None:
            return render_near(argument, found.near, found.matched)
        return render_paper(found.paper)
    return f"Unknown command :{command}. Type :help."
