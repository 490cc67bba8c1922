#!/usr/bin/env python3
"""Set up and run paperbot with nothing but Python 3.11+.

    python3 dev.py run [ARGS]    create .venv if needed, install, start paperbot (ARGS go to it)
    python3 dev.py test [ARGS]   the same with the test tools, then ruff, mypy and the test suite
    python3 dev.py bench [ARGS]  the same with the benchmark tools, then benchmarks/bench_bm25.py

Installing happens once, and again only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _python() -> Path:
    return BIN / ("python.exe" if os.name == "nt" else "python")


def _ensure_installed(extra: str | None) -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / f".installed-{extra or 'core'}"
    if stamp.exists() and stamp.read_text() == wanted and _python().exists():
        return
    if not _python().exists():
        print("Creating .venv ...", file=sys.stderr)
        venv.create(VENV, with_pip=True)
    print("Installing paperbot into .venv (only when pyproject.toml changes) ...", file=sys.stderr)
    target = f".[{extra}]" if extra else "."
    subprocess.run(
        [
            str(_python()),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--editable",
            target,
        ],
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(wanted)


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 -- dev.py runs under whatever python3 is
        print("paperbot needs Python 3.11 or newer.", file=sys.stderr)
        return 2
    task, args = (argv[0], argv[1:]) if argv else ("run", [])
    try:
        if task == "run":
            _ensure_installed(None)
            command = [str(_python()), "-m", "bot", *args]
            if os.name == "posix":
                os.execv(command[0], command)  # the bot owns the terminal and its Ctrl-C
            return subprocess.call(command)
        if task == "test":
            _ensure_installed("dev")
            lint = subprocess.call(
                [str(_python()), "-m", "ruff", "check", "--quiet", "."], cwd=ROOT
            )
            if lint:
                return lint
            types = subprocess.call([str(_python()), "-m", "mypy"], cwd=ROOT)  # pyproject's config
            if types:
                return types
            return subprocess.call([str(_python()), "-m", "pytest", *args], cwd=ROOT)
        if task == "bench":
            _ensure_installed("bench")
            script = ROOT / "benchmarks" / "bench_bm25.py"
            return subprocess.call([str(_python()), str(script), *args], cwd=ROOT)
    except subprocess.CalledProcessError as exc:
        print(
            f"Setup failed (exit code {exc.returncode}); see the pip output above.", file=sys.stderr
        )
        return exc.returncode or 1
    except KeyboardInterrupt:
        return 130
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
