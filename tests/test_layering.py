"""The layers of bot/, read from the code itself: data flows one way, and only the Discord
transport imports discord.

The modules are found by walking the package, and the transport is every module whose source
imports discord, so a new module is checked without being listed here.
"""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
import subprocess
import sys
from dataclasses import dataclass

import bot
from tests.conftest import REPO, clean_env

# Lowest first. A module may import its own package and the packages of lower layers only.
LAYERS = [
    {"bot", "bot.errors", "bot.bundled", "bot.files"},
    {"bot.settings"},  # read by the transports; it knows where the bundled corpus is, no more
    {"bot.text"},
    {"bot.corpus"},
    {"bot.index"},
    {"bot.answering"},
    {"bot.feedback"},
    {"bot.render"},
    {"bot.evaluation"},
    {"bot.cli", "bot.discord_app", "bot.__main__"},
]
# The CLI starts the bot from one function, and asks Discord about the token from one (`check
# --online`): the only places it may import the transport.
CLI_REACHES_DISCORD = {("bot.cli.main", "_serve"), ("bot.cli.main", "_check_online")}


@dataclass(frozen=True)
class Import:
    module: str  # what is imported
    function: str | None  # the function the import is in; None at module level


def modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(bot.__path__, "bot."))


def imports_of(name: str) -> list[Import]:
    origin = importlib.util.find_spec(name).origin
    with open(origin, encoding="utf-8") as source:
        tree = ast.parse(source.read(), origin)
    found: list[Import] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, function or child.name)
                continue
            if isinstance(child, ast.Import):
                found.extend(Import(alias.name, function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append(Import(child.module, function))
                # `from bot.discord_app import replies` imports the module bot.discord_app.replies
                found.extend(Import(f"{child.module}.{a.name}", function) for a in child.names)
            visit(child, function)

    visit(tree, None)
    return found


def package_of(name: str) -> str:
    """The layer unit of a module: bot.<sub-package>, or the top-level module itself."""
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else name


def layer_of(name: str) -> int:
    unit = package_of(name)
    return next(number for number, layer in enumerate(LAYERS) if unit in layer)


MODULES = {"bot", *modules()}
TRANSPORT = {
    name for name in modules() if any(i.module.split(".")[0] == "discord" for i in imports_of(name))
}


def test_the_modules_are_found_and_every_one_has_a_layer():
    names = modules()
    assert {"bot.settings", "bot.text.normalise", "bot.cli.main", "bot.discord_app.client"} <= set(
        names
    )
    for name in names:
        layer_of(name)  # raises StopIteration for a package that no layer holds


def test_only_the_discord_app_package_imports_discord():
    assert TRANSPORT, "no module imports discord: the transport was not found"
    assert {"bot.discord_app.client", "bot.discord_app.runner"} <= TRANSPORT
    assert all(name.startswith("bot.discord_app.") for name in TRANSPORT), TRANSPORT


def violations(imports: dict[str, list[Import]], transport: set[str]) -> list[str]:
    """Each import of a package above the importer's layer (or beside it, in another package)."""
    wrong = []
    for name, found_imports in imports.items():
        for found in found_imports:
            if found.module not in MODULES:
                continue  # not a module of bot/ (or a name imported from one)
            own, other = package_of(name), package_of(found.module)
            if own == other or layer_of(found.module) < layer_of(name):
                continue
            starts_the_bot = (name, found.function) in CLI_REACHES_DISCORD
            lazy_rule = found.function is not None and found.module not in transport
            if own == "bot.cli" and other == "bot.discord_app" and (starts_the_bot or lazy_rule):
                continue  # the CLI reaches Discord's pure rules lazily, its transport in one place
            if own == "bot.__main__" and other == "bot.cli":
                continue
            wrong.append(f"{name} imports {found.module}")
    return wrong


def test_no_module_imports_a_higher_layer():
    assert violations({name: imports_of(name) for name in modules()}, TRANSPORT) == []


def test_the_layer_check_reports_wrong_imports():
    wrong = {
        "bot.text.analysis": [Import("bot.index.retriever", "analyse")],
        "bot.settings": [Import("bot.corpus.papers", None)],
        "bot.discord_app.replies": [Import("bot.cli.main", None)],
        "bot.cli.main": [
            Import("bot.discord_app.client", "_cmd_chat"),  # the transport, elsewhere
            Import("bot.discord_app.invite", None),  # a rule, at import time
            Import("bot.discord_app.runner", "_serve"),  # allowed
            Import("bot.discord_app.invite", "_cmd_invite"),  # allowed
        ],
    }
    assert violations(wrong, TRANSPORT) == [
        "bot.text.analysis imports bot.index.retriever",
        "bot.settings imports bot.corpus.papers",
        "bot.discord_app.replies imports bot.cli.main",
        "bot.cli.main imports bot.discord_app.client",
        "bot.cli.main imports bot.discord_app.invite",
    ]


def test_everything_outside_the_transport_imports_without_discord():
    pure = [name for name in modules() if name not in TRANSPORT and name != "bot.__main__"]
    code = (
        "import importlib, sys\n"
        f"for name in {pure!r}:\n"
        "    importlib.import_module(name)\n"
        "assert 'discord' not in sys.modules, 'discord was imported'\n"
        "from bot.cli.main import main\n"
        "assert main(['ask', 'what is BYOL?', '--json']) == 0\n"
        "assert 'discord' not in sys.modules, 'discord was imported by ask'\n"
        # A small corpus starts without numba's import (tenths of a second), installed or not.
        "assert 'numba' not in sys.modules, 'numba was imported'\n"
        # The semantic stage is off unless it is asked for: its model runtime is never loaded.
        "heavy = {'fastembed', 'onnxruntime', 'tokenizers'}\n"
        "assert not heavy & set(sys.modules), heavy & set(sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=clean_env(),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert '"paper_id": "prediction-head-non-contrastive"' in result.stdout
