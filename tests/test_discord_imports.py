"""The Discord package's shape: no import cycles among its modules, and every button taken."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import discord

import bot.discord_app
from bot.discord_app.client import TAKEN

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


def test_every_button_callback_is_taken_like_a_command():
    """Each button's callback goes through `taken` (tracked for the shutdown drain, refused
    while stopping), as commands go through the tree's hook."""
    callbacks = {}
    for info in pkgutil.iter_modules([str(PACKAGE)]):
        module = importlib.import_module(f"bot.discord_app.{info.name}")
        for value in vars(module).values():
            if not inspect.isclass(value) or value.__module__ != module.__name__:
                continue
            if issubclass(value, discord.ui.View):
                for name, item in value.__view_children_items__.items():
                    callbacks[f"{value.__name__}.{name}"] = item
            elif issubclass(value, discord.ui.DynamicItem):
                callbacks[f"{value.__name__}.callback"] = value.callback
    assert {"PapersView.next_page", "MoreButton.callback", "VoteButton.callback"} <= set(callbacks)
    assert [name for name, fn in callbacks.items() if not getattr(fn, TAKEN, False)] == []
