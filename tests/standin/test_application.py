"""The stand-in's Get Current Application (GET /applications/@me), as Discord answers it: the
application, its flags for the privileged intents switched on, and its rough server count."""

from __future__ import annotations

from tests.standin import rules
from tests.standin.conftest import Rest
from tests.standin.harness import APPLICATION_ID, BOT_USER_ID, bots_standin
from tests.standin.server import StandIn


async def test_the_current_application_has_its_id_bot_and_server_count(
    standin: StandIn, rest: Rest
) -> None:
    status, body = await rest("GET", "/applications/@me")
    assert status == 200
    assert body["id"] == str(APPLICATION_ID)
    assert body["bot"]["id"] == str(BOT_USER_ID)
    assert body["approximate_guild_count"] == len(standin.guilds) == 1


async def test_the_current_application_flags_show_the_intents_switched_on(rest: Rest) -> None:
    async with bots_standin(
        privileged_intents=rules.MESSAGE_CONTENT,
    ) as standin:
        status, body = await Rest(standin, rest.session)("GET", "/applications/@me")
    assert status == 200
    assert body["flags"] == rules.application_flags(rules.MESSAGE_CONTENT) == 1 << 19


async def test_the_current_application_refuses_another_token(standin: StandIn, rest: Rest) -> None:
    async with rest.session.get(
        standin.api_base + "/applications/@me", headers={"Authorization": "Bot a.b.c"}
    ) as response:
        assert response.status == 401
