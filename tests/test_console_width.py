"""The console wraps its answers to the terminal's width, read as each answer is shown."""

from __future__ import annotations

import fcntl
import struct
import termios

from tests.test_console import ANSWER, terminal  # noqa: F401  (the fixture)

ANSI = "\x1b["


def test_answers_wrap_to_the_width_of_the_terminal(terminal):  # noqa: F811
    console = terminal("chat")
    console.wait_for("> ")
    fcntl.ioctl(console.master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 60, 0, 0))
    console.type("what is GUM?\r")
    console.wait_for("> ", times=2)
    console.type(":quit\r")
    assert console.close() == 0
    answer = console.output.split("what is GUM?", 1)[1].rsplit("> ", 1)[0]
    lines = [line for line in answer.replace("\r", "").splitlines() if line.strip()]
    assert len(lines) > 5
    # Only words longer than a line (addresses) may pass the width; bold marks take no room.
    visible = [line.replace(f"{ANSI}1m", "").replace(f"{ANSI}0m", "") for line in lines]
    assert all(len(line) <= 60 or "://" in line for line in visible), visible
    assert any(line.startswith("       ") for line in visible)  # a passage's second line
    assert ANSWER.split()[0] in answer
