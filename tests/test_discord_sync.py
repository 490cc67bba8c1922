"""Moving between server commands (DISCORD_GUILD_IDS) and global ones, with the real client
against the stand-in: the scope left behind is cleared, so no command is listed twice."""

from __future__ import annotations

from tests.standin.harness import (
    APPLICATION_ID,
    bot_settings,
    bots_standin,
    running_bot,
)
from tests.standin.server import StandIn, reply_with

GUILD = 987654321098765432
OTHER_GUILD = 987654321098765433


def _names(standin: StandIn, scope: str | None) -> set[str]:
    return {command["name"] for command in standin.commands.get(scope, [])}


async def test_moving_from_server_commands_to_global_and_back_clears_the_other_scope(
    tmp_path, retriever
):
    state = tmp_path / "state"
    async with bots_standin() as s:
        async with running_bot(s, bot_settings(state, guild_ids=(GUILD,)), retriever):
            pass
        assert "ask" in _names(s, str(GUILD)) and _names(s, None) == set()

        async with running_bot(s, bot_settings(state), retriever):
            pass
        assert "ask" in _names(s, None)
        assert _names(s, str(GUILD)) == set(), "the server still lists every command twice"

        async with running_bot(s, bot_settings(state, guild_ids=(GUILD, OTHER_GUILD)), retriever):
            pass
        assert _names(s, None) == set(), "the global commands were left behind"
        assert "ask" in _names(s, str(GUILD)) and "ask" in _names(s, str(OTHER_GUILD))

        async with running_bot(s, bot_settings(state, guild_ids=(OTHER_GUILD,)), retriever):
            pass
        assert _names(s, str(GUILD)) == set() and "ask" in _names(s, str(OTHER_GUILD))
        clears = [
            r for r in s.find("PUT", r"/applications/\d+(/guilds/\d+)?/commands") if r.json == []
        ]
        assert len(clears) == 3


async def test_a_failed_clear_is_tried_again_at_the_next_start(tmp_path, retriever):
    state = tmp_path / "state"
    global_route = rf"/applications/{APPLICATION_ID}/commands"
    async with bots_standin() as s:
        async with running_bot(s, bot_settings(state), retriever):
            pass
        s.override("PUT", global_route, reply_with(400, {"message": "no", "code": 0}), times=1)
        async with running_bot(s, bot_settings(state, guild_ids=(GUILD,)), retriever):
            pass
        assert "ask" in _names(s, None), "the clear failed, the global commands are still there"
        async with running_bot(s, bot_settings(state, guild_ids=(GUILD,)), retriever):
            pass
        assert _names(s, None) == set()
