from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from bot.corpus.papers import BUNDLED_CORPUS, load_corpus
from bot.search.retriever import Retriever

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


@pytest.fixture
def run_cli(tmp_path):
    """Run `python -m bot ARGS` in a clean folder (no .env) and return the finished process."""

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
