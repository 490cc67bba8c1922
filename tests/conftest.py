from __future__ import annotations

import atexit
import io
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from bot.cli.main import main as cli_main
from bot.corpus.papers import BUNDLED_CORPUS, load_corpus
from bot.index.retriever import Retriever

REPO = Path(__file__).resolve().parent.parent

# Property-based tests: enough examples to find the odd case, few enough to keep the suite fast.
# The default profile is derandomized and keeps no example database, so every run (and CI) tries
# the same examples; HYPOTHESIS_PROFILE=explore searches afresh, longer, for new failures.
hypothesis_settings.register_profile(
    "paperbot",
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.register_profile(
    "explore",
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "paperbot"))
# The secret part of the fake bot token every test uses (see tests/standin/harness.py).
TOKEN_SECRET = "fake-token-value-for-tests"


@pytest.fixture(autouse=True)
def _no_token_in_the_logs(caplog):
    """Whatever any test logged, at whatever level it captured: never the token."""
    yield
    assert TOKEN_SECRET not in caplog.text


@pytest.fixture(scope="session")
def bundled_corpus():
    return load_corpus(BUNDLED_CORPUS)


@pytest.fixture(scope="session")
def retriever(bundled_corpus):
    return Retriever(bundled_corpus)


# Commands run by the tests keep their index cache here, not in the user's ~/.cache.
_CACHE_HOME = tempfile.mkdtemp(prefix="paperbot-tests-cache-")
atexit.register(shutil.rmtree, _CACHE_HOME, ignore_errors=True)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus every paperbot/Discord setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PAPERBOT_"))}
    env["PYTHONPATH"] = str(REPO)
    env["XDG_CACHE_HOME"] = _CACHE_HOME
    env.update(extra)
    return env


@dataclass(frozen=True)
class Ran:
    """A finished `paperbot` run: what subprocess.run gives, the same fields."""

    returncode: int
    stdout: str
    stderr: str


class _Output(io.StringIO):
    """Captured output that stays readable after the program closes it (a reader left)."""

    def close(self) -> None:
        pass


@pytest.fixture
def run_cli(tmp_path, monkeypatch):
    """Run `paperbot ARGS` through `main(argv)`, in this process, in a clean folder (no .env)
    with a clean environment (`env` added), and return what it printed and its exit code."""

    def run(*args: str, stdin: str | None = None, cwd: Path | None = None, **env: str) -> Ran:
        with monkeypatch.context() as scope:
            for key in os.environ:
                if key.startswith(("DISCORD_", "PAPERBOT_")):
                    scope.delenv(key)
            scope.setenv("XDG_CACHE_HOME", _CACHE_HOME)
            for key, value in env.items():
                scope.setenv(key, value)
            scope.chdir(cwd or tmp_path)
            out, err = _Output(), _Output()
            scope.setattr(sys, "stdin", io.StringIO(stdin or ""))
            scope.setattr(sys, "stdout", out)
            scope.setattr(sys, "stderr", err)
            try:
                code = cli_main(list(args))
            except SystemExit as exc:  # argparse: --help, --version, a usage error
                code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
            return Ran(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def run_cli_process(tmp_path):
    """Run `python -m bot ARGS` as its own process in a clean folder (no .env): for what only a
    process shows (its entry point, its exit, its streams)."""

    def run(*args: str, stdin: str | None = None, cwd: Path | None = None, **env: str):
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=cwd or tmp_path,
            env=clean_env(**env),
            timeout=60,
        )

    return run
