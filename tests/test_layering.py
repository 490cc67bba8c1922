"""The retrieval core and the CLI's ask path work without importing discord."""

import subprocess
import sys

from tests.conftest import REPO, clean_env

CORE_MODULES = [
    "bot.corpus.papers",
    "bot.text.cleaning",
    "bot.text.sentences",
    "bot.text.analysis",
    "bot.search.bm25",
    "bot.search.retriever",
    "bot.search.answer",
    "bot.search.lookup",
    "bot.render.plain",
    "bot.cli.console",
    "bot.settings",
    "bot.cli.main",
    "bot.discord_app.cooldown",
    "bot.render.pagination",
    "bot.discord_app.replies",
    "bot.discord_app.admin",
    "bot.discord_app.invite",
    "bot.discord_app.sync_state",
    "bot.corpus.identifiers",
    "bot.corpus.bibtex",
    "bot.corpus.importing",
    "bot.corpus.writer",
    "bot.feedback.store",
    "bot.search.live_corpus",
    "bot.discord_app.ballots",
]


def test_core_imports_and_ask_run_without_discord():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE_MODULES)
        + "from bot.cli.main import main\n"
        "assert main(['ask', 'what is BYOL?', '--json']) == 0\n"
        "assert 'discord' not in sys.modules, 'discord was imported'\n"
        # A small corpus starts without numba's import (tenths of a second), installed or not.
        "assert 'numba' not in sys.modules, 'numba was imported'\n"
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
