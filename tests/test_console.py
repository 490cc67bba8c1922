"""`paperbot chat` on a real terminal (a pseudo-terminal): line editing and history."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios

import pytest

from tests.conftest import clean_env

UP, LEFT = "\x1b[A", "\x1b[D"
ANSWER = "Globally Unique Movement"  # in the answer to "what is GUM?", not in the question
WAIT = 30  # seconds before a test gives up on output that never comes


class Terminal:
    """`python -m bot ARGS` with its stdin, stdout and stderr on a pseudo-terminal."""

    def __init__(self, *args: str, cwd: os.PathLike[str]) -> None:
        self.master, slave = pty.openpty()
        # 40 rows of 200 columns: readline needs a width to redraw the line it edits.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=clean_env(TERM="xterm"),
            start_new_session=True,
        )
        os.close(slave)
        self.output = ""

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait_for(self, text: str, times: int = 1) -> None:
        """Read the terminal until `text` has been shown `times` times (or fail after WAIT s)."""
        while self.output.count(text) < times:
            ready, _, _ = select.select([self.master], [], [], WAIT)
            if not ready:
                pytest.fail(f"{text!r} not shown {times} times; the terminal shows:\n{self.output}")
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the program ended and closed the terminal
                chunk = b""
            if not chunk:
                pytest.fail(f"ended before showing {text!r}; the terminal showed:\n{self.output}")
            self.output += chunk.decode(errors="replace")

    def close(self) -> int:
        try:
            return self.process.wait(timeout=WAIT)
        finally:
            os.close(self.master)


@pytest.fixture
def terminal(tmp_path):
    opened: list[Terminal] = []

    def open_terminal(*args: str) -> Terminal:
        opened.append(Terminal(*args, cwd=tmp_path))
        return opened[-1]

    yield open_terminal
    for each in opened:
        if each.process.poll() is None:
            each.process.kill()
            each.close()


def test_the_prompt_edits_lines_and_recalls_them_with_the_arrow_keys(terminal):
    console = terminal("chat")
    console.wait_for("> ")
    # Typed with a word missing, then mended: left past "UM?" and insert the G.
    console.type("what is UM?" + LEFT * 3 + "G\r")
    console.wait_for(ANSWER)
    console.wait_for("> ", times=2)
    console.type(UP + "\r")  # the same question again, from the history
    console.wait_for(ANSWER, times=2)
    console.wait_for("> ", times=3)
    console.type(":quit\r")
    assert console.close() == 0
    assert "Nothing in the papers answers that" not in console.output
