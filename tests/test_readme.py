"""The README documents every command the CLI has."""

from bot.cli.main import _parser
from tests.conftest import REPO


def test_every_cli_command_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    subparsers = next(a for a in _parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    for name in subparsers.choices:
        assert f"`paperbot {name}" in readme, f"paperbot {name} is not documented"


def test_readme_quickstart_commands_exist():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "python3 dev.py run" in readme and "python3 dev.py test" in readme
    assert "python3 dev.py test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
