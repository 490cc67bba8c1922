"""The package as it installs: its sub-packages, declared dependencies, locks, licence,
version, module docstrings, and `dev.py`'s own help."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import os
import pkgutil
import re
import subprocess
import sys
import tomllib

import pytest

import bot
from tests.conftest import REPO, clean_env

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement such as 'discord.py>=2.7,<3'."""
    bare = re.match(r"[A-Za-z0-9._-]+", requirement).group()
    return re.sub(r"[-_.]+", "-", bare).lower()


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(bot.__path__, "bot."))


def _tree(name: str) -> ast.Module:
    origin = importlib.util.find_spec(name).origin
    with open(origin, encoding="utf-8") as source:
        return ast.parse(source.read(), origin)


def test_the_wheel_lists_every_sub_package_and_the_bundled_corpus():
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "bot").rglob("__init__.py")
    }
    listed = PYPROJECT["tool"]["setuptools"]["packages"]
    assert sorted(listed) == sorted(on_disk | {"bot.bundled_corpus"})
    assert PYPROJECT["tool"]["setuptools"]["package-dir"]["bot.bundled_corpus"] == "corpus"


def test_the_wheel_carries_the_venue_table():
    data = PYPROJECT["tool"]["setuptools"]["package-data"]["bot.corpus"]
    assert "venues.toml" in data and (REPO / "bot" / "corpus" / "venues.toml").is_file()


def test_every_module_starts_with_a_docstring_saying_what_it_is_for():
    missing = [name for name in ["bot", *_modules()] if not ast.get_docstring(_tree(name))]
    assert missing == []


def test_every_third_party_import_of_bot_is_a_declared_dependency():
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    extras = PYPROJECT["project"]["optional-dependencies"]
    # The modules an extra is for: eval's measures, the compiled loops of `fast`, and the
    # semantic stage.
    by_extra = {
        "bot.evaluation.scoring": "eval",
        "bot.index.kernels": "fast",
        "bot.index.semantic": "semantic",
    }
    distributions = importlib.metadata.packages_distributions()
    stdlib = sys.stdlib_module_names
    undeclared = []
    for name in ["bot", *_modules()]:
        for node in ast.walk(_tree(name)):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            for root in roots:
                if root in stdlib or root == "bot" or root == "__future__":
                    continue
                needed = {_name(d) for d in distributions.get(root, [root])}
                extra = {_name(r) for r in extras[by_extra[name]]} if name in by_extra else set()
                allowed = declared | extra
                if not needed & allowed:
                    undeclared.append(f"{name} imports {root} ({', '.join(sorted(needed))})")
    assert undeclared == []


def test_the_extras_keep_the_core_small_and_the_tools_stay_out_of_the_package():
    extras = PYPROJECT["project"]["optional-dependencies"]
    groups = PYPROJECT["dependency-groups"]  # PEP 735: never installed with paperbot
    core = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    assert {"rank-bm25", "tqdm", "aiohttp"} <= core
    assert "pytrec-eval-terrier" not in core and "pytrec-eval-terrier" in map(_name, extras["eval"])
    assert set(extras) == {"eval", "fast", "semantic"} and set(groups) == {"dev", "bench"}
    assert {"pytest", "mypy", "ruff", "vulture"} <= {_name(r) for r in groups["dev"]}
    assert not core & {_name(r) for r in [*groups["dev"], *groups["bench"]]}
    # The semantic stage's model runtime stays out of the core; its tests run with the tools.
    assert "fastembed" not in core and "fastembed" in map(_name, extras["semantic"])
    assert not core & {"onnxruntime", "onnx", "tokenizers", "torch"}


# Each lock: the extras and the dependency groups it holds beside the core (as dev.py writes them).
LOCKS = {"core": ([], []), "dev": (["eval", "semantic"], ["dev"]), "bench": ([], ["bench"])}


def test_each_lock_pins_its_dependencies_with_hashes():
    extras = PYPROJECT["project"]["optional-dependencies"]
    groups = PYPROJECT["dependency-groups"]
    build = PYPROJECT["build-system"]["requires"]
    for lock, (chosen_extras, chosen_groups) in LOCKS.items():
        text = (REPO / "requirements" / f"{lock}.txt").read_text(encoding="utf-8")
        assert "python3 dev.py lock" in text.splitlines()[1]
        pins = re.findall(r"^([A-Za-z0-9._-]+)==\S+(.*?)(?=^\S|\Z)", text, re.M | re.S)
        pinned = {_name(name) for name, _ in pins}
        assert all("--hash=sha256:" in rest for _, rest in pins), lock
        wanted = [*PYPROJECT["project"]["dependencies"], *build]
        wanted += [r for extra in chosen_extras for r in extras[extra]]
        wanted += [r for group in chosen_groups for r in groups[group]]
        assert {_name(r) for r in wanted} <= pinned, lock


def test_the_licence_is_the_mit_licence_pyproject_names():
    assert PYPROJECT["project"]["license"] == "MIT"
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "The paperbot authors" in text
    assert "Permission is hereby granted, free of charge" in text


def test_version_prints_the_installed_version_kept_in_one_place(run_cli_process):
    result = run_cli_process("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"paperbot {bot.__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+", bot.__version__)
    assert importlib.metadata.version("paperbot") == bot.__version__
    assert PYPROJECT["project"]["dynamic"] == ["version"]


def test_eval_without_its_extra_says_how_to_install_it(tmp_path):
    code = (
        "import sys\n"
        "sys.modules['pytrec_eval'] = None  # as if the [eval] extra were not installed\n"
        "from bot.cli.main import main\n"
        "sys.exit(main(['eval', '--queries', 'questions.jsonl']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(),
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "paperbot: error: paperbot eval needs its extra: pip install 'paperbot[eval]'"
    ]


def test_dev_py_help_lists_its_commands():
    result = subprocess.run(
        [sys.executable, str(REPO / "dev.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for command in ("run", "test", "lint", "types", "pytest", "wheel", "bench", "lock", "settings"):
        assert f"python3 dev.py {command}" in result.stdout


def _dev_py():
    """dev.py as a module, to run one of its steps on a venv of the test's own."""
    spec = importlib.util.spec_from_file_location("dev", REPO / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dev_py_rebuilds_a_venv_without_pip_and_says_what_to_install(tmp_path, capsys):
    """What Debian and Ubuntu leave when python3-venv is missing: a venv without pip."""
    broken = tmp_path / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(broken)], check=True)
    python = broken / ("Scripts" if os.name == "nt" else "bin") / "python"
    assert subprocess.run([str(python), "-c", "import pip"], capture_output=True).returncode
    _dev_py()._ensure_venv(broken)
    said = capsys.readouterr().err
    assert "has no pip" in said and "sudo apt install python3-venv" in said
    assert ".venv will be rebuilt" in said
    assert subprocess.run([str(python), "-c", "import pip"], capture_output=True).returncode == 0


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["fly"], "dev.py: unknown command 'fly'"),
        (["lint", "extra"], "dev.py: lint takes no arguments"),
    ],
)
def test_dev_py_refuses_an_unknown_command_in_one_line_with_exit_2(args, said):
    result = subprocess.run(
        [sys.executable, str(REPO / "dev.py"), *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.startswith(said) and len(result.stderr.splitlines()) <= 2
    assert result.stdout == ""
