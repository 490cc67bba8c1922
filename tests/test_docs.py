"""The documentation holds together: links resolve, every command is documented, and the
README's example exchange is what the bot answers on the bundled papers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answering.conversation import Turn, answer_in_conversation, turn_of
from bot.cli.main import _parser
from bot.discord_app.more import answer_more_id
from bot.discord_app.replies import HELPFUL, NOT_HELPFUL
from bot.render.discord_reply import MORE_LABEL, answer_reply
from tests.conftest import REPO

# Folders whose Markdown is not the project's own: tools' caches, virtual environments, builds.
_NOT_OURS = {"build", "dist", "node_modules", "__pycache__", "out"}
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", flags=re.IGNORECASE)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def markdown_files(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*.md")
        if not any(
            part.startswith(".") or part in _NOT_OURS for part in path.relative_to(root).parts[:-1]
        )
    )


def _prose_lines(text: str) -> Iterator[str]:
    """The lines outside fenced code blocks."""
    fence: str | None = None
    for line in text.splitlines():
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None:
            yield line


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: its text lower-cased, punctuation dropped, spaces as
    hyphens (links and code marks count by their text)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in _prose_lines(text):
        found.update(_HTML_ANCHOR.findall(line))
        heading = _HEADING.match(line)
        if not heading:
            continue
        anchor = github_anchor(heading.group(2))
        repeats = seen.get(anchor, 0)
        seen[anchor] = repeats + 1
        found.add(f"{anchor}-{repeats}" if repeats else anchor)
    return found


def link_targets(text: str) -> Iterator[str]:
    for line in _prose_lines(text):
        line = _CODE_SPAN.sub("", line)
        yield from _LINK.findall(line)
        if reference := _REFERENCE.match(line):
            yield reference.group(1)


def broken_links(path: Path) -> list[str]:
    """Each relative link of `path` whose file or anchor does not exist, as 'target: why'."""
    broken = []
    for target in link_targets(path.read_text(encoding="utf-8")):
        if not target or _SCHEME.match(target):
            continue  # a web address (or mailto:), not ours to check
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif (
            anchor
            and linked.suffix == ".md"
            and anchor not in anchors(linked.read_text(encoding="utf-8"))
        ):
            broken.append(f"{target}: no heading with that anchor")
    return broken


def test_the_documentation_pages_are_all_found():
    found = {path.relative_to(REPO).as_posix() for path in markdown_files(REPO)}
    expected = {"README.md", "CHANGELOG.md", "benchmarks/README.md"}
    pages = ("using", "self-hosting", "papers", "measuring", "developing")
    assert expected | {f"docs/{page}.md" for page in pages} <= found


@pytest.mark.parametrize("path", markdown_files(REPO), ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_and_anchor_resolves(path):
    assert broken_links(path) == []


def test_a_missing_file_or_anchor_is_reported(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text("# A page\n\n## Its part\n", encoding="utf-8")
    (tmp_path / "README.md").write_text(
        "[fine](docs/page.md#its-part) [gone](docs/nope.md) [wrong](docs/page.md#no-part)\n"
        "[here](#nowhere) [web](https://example.org/#x) `[code](nope.md)`\n"
        "```\n[fenced](nope.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(tmp_path / "README.md") == [
        "docs/nope.md: no such file",
        "docs/page.md#no-part: no heading with that anchor",
        "#nowhere: no heading with that anchor",
    ]


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Self-hosting on Discord", "self-hosting-on-discord"),
        ("The Discord bot's modules", "the-discord-bots-modules"),
        ("bench_load.py: a burst and a soak", "bench_loadpy-a-burst-and-a-soak"),
        ("`paperbot eval` and [SciFact](https://example.org)", "paperbot-eval-and-scifact"),
        ("0.1.0", "010"),
        ("Ask — then follow up", "ask--then-follow-up"),
    ],
)
def test_anchors_are_made_as_github_makes_them(heading, anchor):
    assert github_anchor(heading) == anchor


def test_a_repeated_heading_gets_a_numbered_anchor():
    assert anchors("## Results\n\n## Results\n\n```\n## Results\n```\n") == {"results", "results-1"}


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    level = len(heading.split()[0])
    rest = text[start + len(heading) + 2 :]
    end = re.search(rf"^#{{1,{level}}} ", rest, flags=re.MULTILINE)
    return rest[: end.start()] if end else rest


def test_every_cli_command_is_in_the_command_table():
    page = (REPO / "docs" / "using.md").read_text(encoding="utf-8")
    table = _section(page, "### Every command")
    subparsers = next(a for a in _parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    for name in subparsers.choices:
        assert re.search(rf"^\| `paperbot {name}[ `]", table, flags=re.MULTILINE), (
            f"paperbot {name} is not in docs/using.md's command table"
        )


def test_readme_quickstart_commands_exist():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quickstart = _section(readme, "## Quickstart")
    assert "python3 dev.py run " in quickstart and "python3 dev.py test " in quickstart
    assert "python3 dev.py test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def _readme_exchange() -> list[tuple[str, str, list[str]]]:
    """The README's Discord exchange: each question, the bot's message as shown (its lines
    joined) and the labels of the buttons under it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```text\n(.*?)```", _section(readme, "## In Discord"), flags=re.DOTALL)
    assert block, "the README's Discord exchange is missing"
    exchange: list[tuple[str, str, list[str]]] = []
    for line in block.group(1).splitlines():
        asked = re.match(r"^Ada\s+(?:@paperbot |\(replying to that answer\) )(.+)$", line)
        shown = re.match(r"^(?:paperbot)?\s+┃ ?(.*)$", line)
        buttons = re.findall(r"\[([^\]]+)\]", line) if re.match(r"^\s+\[", line) else []
        if asked:
            exchange.append((asked.group(1), "", []))
        elif shown:
            question, text, labels = exchange[-1]
            exchange[-1] = (question, f"{text} {shown.group(1)}", labels)
        elif buttons:
            exchange[-1] = (*exchange[-1][:2], buttons)
    return exchange


def _as_seen(markdown: str) -> str:
    """Discord Markdown as the reader sees it: masked links by their label, no bold, no escapes."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"\\(.)", r"\1", text.replace("**", ""))
    return " ".join(text.split())


def test_the_readme_exchange_is_what_the_bot_answers_on_the_bundled_papers(retriever):
    exchange = _readme_exchange()
    assert len(exchange) == 2
    turns: list[Turn] = []
    for question, shown, buttons in exchange:
        answer = answer_in_conversation(retriever, question, turns)
        turns.append(turn_of(answer))
        embed = answer_reply(answer).embed
        assert embed is not None
        assert " ".join(shown.split()) == _as_seen(
            f"{embed.title}\n{embed.description}\n{embed.footer}"
        )
        expected = [HELPFUL, NOT_HELPFUL] if answer.found else []
        if answer_more_id(answer, 3) is not None:
            expected.append(MORE_LABEL)
        assert buttons == expected
