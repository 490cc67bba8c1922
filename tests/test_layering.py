"""The retrieval core and the CLI's ask path work without importing discord."""

import subprocess
import sys

from tests.conftest import REPO, clean_env

CORE_MODULES = [
    "bot.corpus",
    "bot.cleaning",
    "bot.sentences",
    "bot.analysis",
    "bot.bm25",
    "bot.retriever",
    "bot.answer",
    "bot.lookup",
    "bot.render_text",
    "bot.console",
    "bot.settings",
    "bot.cli",
    "bot.cooldown",
    "bot.pagination",
    "bot.discord_replies",
    "bot.admin",
    "bot.invite",
    "bot.sync_state",
    "bot.identifiers",
    "bot.bibtex",
    "bot.importing",
    "bot.corpus_writer",
    "bot.feedback",
    "bot.live_corpus",
    "bot.ballots",
]


def test_core_imports_and_ask_run_without_discord():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE_MODULES)
        + "from bot.cli import main\n"
        "assert main(['ask', 'what is BYOL?', '--json']) == 0\n"
        "assert 'discord' not in sys.modules, 'discord was imported'\n"
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
