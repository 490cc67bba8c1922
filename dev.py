#!/usr/bin/env python3
"""Set up and run paperbot with nothing but Python 3.11+.

    python3 dev.py run [ARGS]    set up .venv from the lock, then start paperbot (ARGS go to it)
    python3 dev.py test [ARGS]   the same with the test tools, then each check below in turn:
                                 lint, types, the whole test suite (ARGS go to pytest), the wheel
    python3 dev.py lint          ruff (lint and format) and vulture (dead code)
    python3 dev.py types         mypy, strict, on bot/ and the Discord stand-in of the tests
    python3 dev.py pytest [ARGS] the test suite alone (ARGS go to pytest)
    python3 dev.py wheel         the built wheel installed into a fresh venv answers from another
                                 folder
    python3 dev.py bench [ARGS]  the same with the benchmark tools, then benchmarks/bench_bm25.py
    python3 dev.py lock          refresh the pinned, hashed dependency locks in requirements/
                                 from pyproject.toml (needs PyPI)
    python3 dev.py settings      rewrite .env.example and the settings table of docs/self-hosting.md
                                 from the table of settings in bot/settings.py
    python3 dev.py --help        this text

.venv is installed from the lock of its set (requirements/core.txt, dev.txt or bench.txt, every
package pinned with its hashes), and again only when that lock or pyproject.toml changes. A .venv
without pip (what Debian and Ubuntu leave when python3-venv is missing) is rebuilt.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCKS = ROOT / "requirements"
# Each lock: the extras and the dependency groups (PEP 735) of pyproject.toml it holds beside the
# core dependencies. The tests of `paperbot eval` need its extra.
LOCK_SETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "core": ((), ()),
    "dev": (("eval", "semantic"), ("dev",)),
    "bench": ((), ("bench",)),
}
# What the wheel check asks, and the paper whose answer it must show (from the bundled corpus).
WHEEL_QUESTION = "What is feature decoupling?"
WHEEL_EXPECTED_PAPER = "prediction-head-non-contrastive"
# What the wheel check imports without --into.
WHEEL_BIBTEX = """@inproceedings{doe2024,
  title = {Tidal Sentences in Shallow Estuaries},
  author = {Doe, Jane* and Roe, John},
  booktitle = {Advances in Neural Information Processing Systems},
  year = {2024},
  abstract = {Estuaries carry tides. Shallow ones carry them further.}
}
"""


def _bin(environment: Path, name: str) -> Path:
    folder = environment / ("Scripts" if os.name == "nt" else "bin")
    return folder / (f"{name}.exe" if os.name == "nt" else name)


def _pip(environment: Path, *args: str, cwd: Path = ROOT) -> None:
    command = [str(_bin(environment, "python")), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*command, *args], cwd=cwd, check=True)


def _install_locked(environment: Path, lock: str, *, target: Path | None = None) -> None:
    """The lock's pinned packages, checked against their hashes; nothing else is resolved.
    With `target`, `environment`'s pip installs them into that other venv."""
    into = ["--python", str(_bin(target, "python"))] if target else []
    lock_file = str(LOCKS / f"{lock}.txt")
    _pip(environment, *into, "install", "--quiet", "--require-hashes", "-r", lock_file)


class _NoPip(Exception):
    """This Python cannot make a venv with pip in it."""


def _ensure_venv(environment: Path) -> None:
    """A venv at `environment` with pip in it: created if missing, rebuilt if pip is gone."""
    python = _bin(environment, "python")
    if python.exists():
        has_pip = subprocess.run([str(python), "-c", "import pip"], capture_output=True)
        if has_pip.returncode == 0:
            return
        print(
            f"{environment.name} has no pip (Debian and Ubuntu leave a venv so when python3-venv "
            f"is missing: sudo apt install python3-venv); {environment.name} will be rebuilt.",
            file=sys.stderr,
        )
        if importlib.util.find_spec("ensurepip") is None:
            raise _NoPip
        shutil.rmtree(environment)
    elif importlib.util.find_spec("ensurepip") is None:
        raise _NoPip
    print(f"Creating {environment.name} ...", file=sys.stderr)
    try:
        venv.create(environment, with_pip=True)
    except subprocess.CalledProcessError as exc:  # Debian's ensurepip without python3-venv
        shutil.rmtree(environment, ignore_errors=True)
        raise _NoPip from exc


def _ensure_installed(lock: str) -> None:
    sources = [ROOT / "pyproject.toml", LOCKS / f"{lock}.txt"]
    wanted = hashlib.sha256(b"".join(path.read_bytes() for path in sources)).hexdigest()
    stamp = VENV / f".installed-{lock}"
    if stamp.exists() and stamp.read_text() == wanted and _bin(VENV, "python").exists():
        return
    _ensure_venv(VENV)
    print(
        f"Installing paperbot into .venv from requirements/{lock}.txt "
        "(only when it or pyproject.toml changes) ...",
        file=sys.stderr,
    )
    _install_locked(VENV, lock)
    # The build backend is in the lock too, so the editable install needs no download.
    _pip(VENV, "install", "--quiet", "--no-deps", "--no-build-isolation", "--editable", ".")
    stamp.write_text(wanted)


def _run_steps(*steps: list[str]) -> int:
    """Each command in turn, from the checkout, until one fails; its exit code."""
    for step in steps:
        code = subprocess.call(step, cwd=ROOT)
        if code:
            if step[2:4] == ["ruff", "format"]:
                print("Formatting differs: run .venv/bin/ruff format .", file=sys.stderr)
            return code
    return 0


def _lint() -> int:
    python = str(_bin(VENV, "python"))
    return _run_steps(
        [python, "-m", "ruff", "check", "--quiet", "."],
        [python, "-m", "ruff", "format", "--check", "--quiet", "."],
        # Dead code: names nothing uses (configured, with its whitelist, in pyproject.toml).
        [python, "-m", "vulture"],
    )


def _types() -> int:
    return _run_steps([str(_bin(VENV, "python")), "-m", "mypy"])  # strict, see pyproject.toml


def _pytest(args: list[str]) -> int:
    return _run_steps([str(_bin(VENV, "python")), "-m", "pytest", *args])


def _test(args: list[str]) -> int:
    return _lint() or _types() or _pytest(args) or _check_wheel()


_NOT_SOURCES = shutil.ignore_patterns(
    ".venv",
    ".git",
    ".env",
    ".paperbot",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*cache",
    ".hypothesis",
)


def _check_wheel() -> int:
    """Build the wheel, install it with the core lock into a fresh venv, use it from elsewhere."""
    print("Wheel check: build, install into a fresh venv, answer from another folder ...")
    with tempfile.TemporaryDirectory(prefix="paperbot-wheel-") as scratch:
        base = Path(scratch)
        # Built from a copy of the sources: stale files in the checkout's build/ never get in.
        source = base / "source"
        shutil.copytree(ROOT, source, ignore=_NOT_SOURCES)
        _pip(
            VENV,
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(base),
            ".",
            cwd=source,
        )
        wheel = next(base.glob("paperbot-*.whl"))
        environment = base / "venv"
        # Never --system-site-packages: the venv holds the lock and the wheel, nothing else. The
        # dev venv's pip installs into it (no pip of its own to set up), from pip's cache.
        venv.create(environment, with_pip=False)
        _install_locked(VENV, "core", target=environment)
        python = ["--python", str(_bin(environment, "python"))]
        _pip(VENV, *python, "install", "--quiet", "--no-deps", str(wheel))
        elsewhere = base / "elsewhere"
        elsewhere.mkdir()
        failures = _use_installed(environment, elsewhere)
    for failure in failures:
        print(f"Wheel check failed: {failure}", file=sys.stderr)
    if not failures:
        print("Wheel check passed.")
    return 1 if failures else 0


def _use_installed(environment: Path, folder: Path) -> list[str]:
    """What goes wrong when the installed `paperbot` is used from `folder` (nothing: [])."""
    paperbot = str(_bin(environment, "paperbot"))
    python = str(_bin(environment, "python"))
    keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env |= {"HOME": str(folder), "XDG_CACHE_HOME": str(folder / "cache")}
    runs = {
        "paperbot ask": [paperbot, "ask", WHEEL_QUESTION, "--json"],
        "paperbot papers": [paperbot, "papers"],
        "paperbot check": [paperbot, "check"],
        "paperbot --version": [paperbot, "--version"],
        "importing every module": [
            python,
            "-c",
            "import importlib, pkgutil, bot\n"
            "for module in pkgutil.walk_packages(bot.__path__, 'bot.'):\n"
            "    if module.name != 'bot.__main__':\n"
            "        importlib.import_module(module.name)\n",
        ],
        "paperbot eval without its extra": [paperbot, "eval", "--queries", "questions.jsonl"],
    }
    (folder / "refs.bib").write_text(WHEEL_BIBTEX, encoding="utf-8")
    runs["the venue table"] = [
        python,
        "-c",
        "from bot.corpus.venues import bundled_venues\nassert len(bundled_venues()) > 50\n",
    ]
    failures = _import_installed(paperbot, folder, env)
    for name, command in runs.items():
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
        if name == "paperbot eval without its extra":
            wanted = "pip install 'paperbot[eval]'"
            if done.returncode != 2 or wanted not in done.stderr:
                failures.append(f"{name}: exit {done.returncode}, {done.stderr.strip()!r}")
        elif done.returncode != 0:
            failures.append(f"{name}: exit {done.returncode}: {done.stderr.strip()}")
        elif name == "paperbot ask" and f'"paper_id": "{WHEEL_EXPECTED_PAPER}"' not in done.stdout:
            failures.append(f"{name}: the answer does not show {WHEEL_EXPECTED_PAPER}")
    return failures


def _import_installed(paperbot: str, folder: Path, env: dict[str, str]) -> list[str]:
    """What goes wrong when the installed `paperbot import`s: without --into and without
    PAPERBOT_CORPUS it refuses (never writing inside the package); with PAPERBOT_CORPUS naming a
    folder yet to be made, it makes it and writes a file others may read."""
    failures = []
    command = [paperbot, "import", "refs.bib"]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    hint = done.stderr.strip()
    if done.returncode != 2 or "PAPERBOT_CORPUS" not in hint or len(hint.splitlines()) != 1:
        failures.append(f"import into the package: exit {done.returncode}, {hint!r}")
    corpus = folder / "my-corpus"
    mine = env | {"PAPERBOT_CORPUS": str(corpus)}
    done = subprocess.run(command, cwd=folder, env=mine, capture_output=True, text=True)
    written = corpus / "papers.toml"
    if done.returncode != 0 or not written.is_file():
        failures.append(f"import into PAPERBOT_CORPUS: exit {done.returncode}: {done.stderr!r}")
    elif written.stat().st_mode & 0o044 != 0o044 & ~_umask():
        failures.append(f"import into PAPERBOT_CORPUS: {written} is not readable as the umask says")
    return failures


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _lock() -> int:
    """Resolve pyproject.toml for Python 3.11+ on every platform, with every file's hash."""
    _ensure_installed("dev")  # brings uv, pinned in the dev lock
    uv = _bin(VENV, "uv")
    build_requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]
    with tempfile.TemporaryDirectory(prefix="paperbot-lock-") as scratch:
        build = Path(scratch) / "build.in"  # the build backend, for --no-build-isolation
        build.write_text("\n".join(build_requires["requires"]) + "\n")
        for lock, (extras, groups) in LOCK_SETS.items():
            command = [
                str(uv),
                "pip",
                "compile",
                "--quiet",
                "--universal",
                "--python-version",
                "3.11",
                "--generate-hashes",
                "--no-config",
                "--custom-compile-command",
                "python3 dev.py lock",
                *(f"--extra={extra}" for extra in extras),
                *(f"--group=pyproject.toml:{group}" for group in groups),
                "pyproject.toml",
                str(build),
                "-o",
                str(LOCKS / f"{lock}.txt"),
            ]
            subprocess.run(command, cwd=ROOT, check=True)
            _relative_build_input(LOCKS / f"{lock}.txt", build)
    print(f"Refreshed {', '.join(f'requirements/{lock}.txt' for lock in LOCK_SETS)}.")
    return 0


def _relative_build_input(lock: Path, build: Path) -> None:
    """uv names the temporary build.in in the lock; name the place it comes from instead."""
    text = lock.read_text()
    lock.write_text(text.replace(str(build), "pyproject.toml [build-system]"))


def _settings() -> int:
    _ensure_installed("core")
    code = "from bot.settings import write_docs; write_docs()"
    return subprocess.call([str(_bin(VENV, "python")), "-c", code], cwd=ROOT)


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 -- dev.py runs under whatever python3 is
        print("paperbot needs Python 3.11 or newer.", file=sys.stderr)
        return 2
    task, args = (argv[0], argv[1:]) if argv else ("run", [])
    if task in ("-h", "--help", "help"):
        try:
            print(__doc__.strip())
        except BrokenPipeError:  # `python3 dev.py --help | head`: the reader left
            sys.stderr.close()
        return 0
    checks = {"lint": _lint, "types": _types, "wheel": _check_wheel}
    try:
        if task == "run":
            _ensure_installed("core")
            command = [str(_bin(VENV, "python")), "-m", "bot", *args]
            if os.name == "posix":
                os.execv(command[0], command)  # the bot owns the terminal and its Ctrl-C
            return subprocess.call(command)
        if task in ("test", "pytest"):
            _ensure_installed("dev")
            return (_test if task == "test" else _pytest)(args)
        if task in checks and not args:
            _ensure_installed("dev")
            return checks[task]()
        if task == "bench":
            _ensure_installed("bench")
            script = ROOT / "benchmarks" / "bench_bm25.py"
            return subprocess.call([str(_bin(VENV, "python")), str(script), *args], cwd=ROOT)
        if task == "lock" and not args:
            return _lock()
        if task == "settings" and not args:
            return _settings()
    except _NoPip:
        print(
            "This python3 cannot make a venv with pip: install python3-venv (on Debian and "
            "Ubuntu: sudo apt install python3-venv), then run this again; .venv will be rebuilt.",
            file=sys.stderr,
        )
        return 2
    except subprocess.CalledProcessError as exc:
        print(
            f"Setup failed (exit code {exc.returncode}); see the pip output above.", file=sys.stderr
        )
        return exc.returncode or 1
    except KeyboardInterrupt:
        return 130
    commands = "run, test, lint, types, pytest, wheel, bench, lock, settings"
    if task in ("run", "test", "pytest", "bench", *checks, "lock", "settings"):
        print(f"dev.py: {task} takes no arguments (see python3 dev.py --help)", file=sys.stderr)
    else:
        print(f"dev.py: unknown command {task!r}; the commands: {commands}", file=sys.stderr)
        print("python3 dev.py --help says what each does.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
