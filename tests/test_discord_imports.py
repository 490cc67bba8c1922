"""The Discord package's shape: no import cycles among its modules, and every view tracked."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import discord

import bot.discord_app
from bot.discord_app.views import TrackedView

PACKAGE = Path(bot.discord_app.__file__).parent


def _imports(path: Path) -> set[str]:
    """The bot.discord_app modules `path` imports, also those imported only for type checking."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "bot.discord_app":
                found.update(f"bot.discord_app.{alias.name}" for alias in node.names)
            elif node.module.startswith("bot.discord_app."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("bot.discord_app."))
    return found


def _graph() -> dict[str, set[str]]:
    return {f"bot.discord_app.{p.stem}": _imports(p) for p in PACKAGE.glob("*.py")}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in `graph`, as the modules along it, or None."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        for imported in sorted(graph.get(module, ())):
            if found := visit(imported, [*path, module]):
                return found
        done.add(module)
        return None

    for module in sorted(graph):
        if found := visit(module, []):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_discord_module_imports_another_that_imports_it_back():
    graph = _graph()
    assert graph.get("bot.discord_app.client")
    assert _cycle(graph) is None


def test_every_view_the_bot_sends_is_tracked_by_the_shutdown_drain():
    views = []
    for info in pkgutil.iter_modules([str(PACKAGE)]):
        module = importlib.import_module(f"bot.discord_app.{info.name}")
        views += [
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, discord.ui.View)
            and value.__module__ == module.__name__
        ]
    assert views, "no views found"
    assert [v for v in views if not issubclass(v, TrackedView)] == []
