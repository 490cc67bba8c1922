"""The stand-in refuses what Discord refuses, with Discord's status, code and `errors` object,
so that a test passing against it would also pass against Discord."""

from __future__ import annotations

import asyncio
import time

import discord
import pytest

from tests.standin import rules
from tests.standin.conftest import Listener, Rest, connected
from tests.standin.harness import ALICE, APPLICATION_ID, TOKEN, pointed_at
from tests.standin.payloads import Json, snowflake
from tests.standin.server import (
    APPLICATION_COMMAND,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    EPHEMERAL,
    StandIn,
    rate_limited,
    reply_with,
)


def _channel(standin: StandIn) -> str:
    return f"/channels/{standin.guilds[0].channel_id}/messages"


def _first_error(errors: Json, path: list[str]) -> str:
    """The code of the first error at `path` in Discord's nested `errors` object."""
    for key in path:
        errors = errors[key]
    return str(errors["_errors"][0]["code"])


# --- Gateway ----------------------------------------------------------------------------------


async def test_identify_with_a_privileged_intent_the_app_lacks_is_closed_with_4014(
    standin: StandIn,
) -> None:
    intents = discord.Intents(guilds=True, message_content=True)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with connected(standin, intents):
            pass
    assert standin.sessions[-1].closed_with == rules.DISALLOWED_INTENTS
    assert not standin.sessions[-1].identified.is_set()


async def test_identify_with_a_privileged_intent_the_app_has_is_accepted() -> None:
    async with StandIn(
        token=TOKEN,
        application_id=APPLICATION_ID,
        bot_user_id=APPLICATION_ID,
        privileged_intents=rules.MESSAGE_CONTENT,
    ) as standin:
        intents = discord.Intents(guilds=True, message_content=True)
        async with connected(standin, intents) as client:
            assert standin.session.identified.is_set()
            assert client.application_flags.gateway_message_content_limited


# --- Message bodies ----------------------------------------------------------------------------


async def test_content_over_2000_characters_is_refused_with_50035(
    standin: StandIn, rest: Rest
) -> None:
    status, body = await rest("POST", _channel(standin), {"content": "x" * 2001})
    assert (status, body["code"]) == (400, rules.INVALID_FORM_BODY)
    assert _first_error(body["errors"], ["content"]) == "BASE_TYPE_MAX_LENGTH"
    status, body = await rest("POST", _channel(standin), {"content": "x" * 2000})
    assert status == 200 and body["content"] == "x" * 2000


@pytest.mark.parametrize(
    ("embeds", "path", "code"),
    [
        ([{"description": "x" * 4097}], ["embeds", "0", "description"], "BASE_TYPE_MAX_LENGTH"),
        ([{"title": "x" * 257}], ["embeds", "0", "title"], "BASE_TYPE_MAX_LENGTH"),
        (
            [{"title": "t", "fields": [{"name": "", "value": "v"}]}],
            ["embeds", "0", "fields", "0", "name"],
            "BASE_TYPE_REQUIRED",
        ),
        (
            [{"title": "t", "fields": [{"name": "n", "value": "x" * 1025}]}],
            ["embeds", "0", "fields", "0", "value"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            [{"title": "t", "fields": [{"name": "n", "value": "v"}] * 26}],
            ["embeds", "0", "fields"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            [{"title": "t", "footer": {"text": ""}}],
            ["embeds", "0", "footer", "text"],
            "BASE_TYPE_REQUIRED",
        ),
        ([{"title": "t"}] * 11, ["embeds"], "BASE_TYPE_MAX_LENGTH"),
        (
            [{"description": "x" * 4000}, {"description": "x" * 2001}],
            ["embeds"],
            "MAX_EMBED_SIZE_EXCEEDED",
        ),
    ],
)
async def test_embeds_over_the_limits_or_with_empty_required_fields_are_refused(
    standin: StandIn, rest: Rest, embeds: list[Json], path: list[str], code: str
) -> None:
    status, body = await rest("POST", _channel(standin), {"embeds": embeds})
    assert (status, body["code"], body["message"]) == (400, 50035, "Invalid Form Body")
    assert _first_error(body["errors"], path) == code


async def test_an_embed_at_the_limits_is_accepted(standin: StandIn, rest: Rest) -> None:
    embed = {
        "title": "t" * 256,
        "description": "d" * 4096,
        "fields": [{"name": "n", "value": "v" * 60}] * 25,
    }
    status, body = await rest("POST", _channel(standin), {"embeds": [embed]})
    assert status == 200 and body["embeds"] == [embed]


@pytest.mark.parametrize("body", [{}, {"content": ""}, {"content": "   "}, {"embeds": []}])
async def test_an_empty_message_is_refused_with_50006(
    standin: StandIn, rest: Rest, body: Json
) -> None:
    status, answer = await rest("POST", _channel(standin), body)
    assert (status, answer["code"]) == (400, rules.EMPTY_MESSAGE)
    assert not standin.messages


def _row(buttons: int) -> Json:
    return {
        "type": 1,
        "components": [
            {"type": 2, "style": 2, "label": f"b{n}", "custom_id": snowflake()}
            for n in range(buttons)
        ],
    }


async def test_more_than_five_action_rows_or_buttons_in_a_row_are_refused(
    standin: StandIn, rest: Rest
) -> None:
    status, body = await rest(
        "POST", _channel(standin), {"content": "rows", "components": [_row(1)] * 6}
    )
    assert (status, body["code"]) == (400, 50035)
    assert _first_error(body["errors"], ["components"]) == "BASE_TYPE_MAX_LENGTH"
    status, body = await rest(
        "POST", _channel(standin), {"content": "row", "components": [_row(6)]}
    )
    assert (status, body["code"]) == (400, 50035)
    assert _first_error(body["errors"], ["components", "0", "components"]) == "BASE_TYPE_MAX_LENGTH"
    status, _ = await rest(
        "POST", _channel(standin), {"content": "ok", "components": [_row(5)] * 5}
    )
    assert status == 200


async def test_a_button_without_custom_id_or_with_a_long_label_is_refused(
    standin: StandIn, rest: Rest
) -> None:
    button = {"type": 2, "style": 2, "label": "x" * 81, "custom_id": "a"}
    status, body = await rest(
        "POST",
        _channel(standin),
        {"content": "c", "components": [{"type": 1, "components": [button]}]},
    )
    assert status == 400
    assert _first_error(body["errors"], ["components", "0", "components", "0", "label"]) == (
        "BASE_TYPE_MAX_LENGTH"
    )
    button = {"type": 2, "style": 2, "label": "ok"}
    status, body = await rest(
        "POST",
        _channel(standin),
        {"content": "c", "components": [{"type": 1, "components": [button]}]},
    )
    assert status == 400
    assert _first_error(body["errors"], ["components", "0", "components", "0", "custom_id"]) == (
        "BASE_TYPE_REQUIRED"
    )


# --- Interactions --------------------------------------------------------------------------------


async def _interaction(standin: StandIn, listener: Listener) -> tuple[Json, discord.Interaction]:
    """An interaction (an unknown slash command) as Discord sends it and as discord.py got it."""
    data = {"id": snowflake(), "name": "anything", "type": 1, "options": []}
    sent = await standin.interact(ALICE, APPLICATION_COMMAND, data, guild=standin.guilds[0])
    got = await asyncio.wait_for(listener.interactions.get(), 10)
    assert str(got.id) == sent["id"]
    return sent, got


async def test_a_callback_over_the_limits_is_refused_and_leaves_the_interaction_open(
    standin: StandIn, listener: Listener
) -> None:
    sent, interaction = await _interaction(standin, listener)
    with pytest.raises(discord.HTTPException) as refused:
        await interaction.response.send_message("x" * 2001)
    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert "data.content" in refused.value.text
    assert sent["token"] not in standin.acknowledged
    with pytest.raises(discord.HTTPException) as empty:
        await interaction.response.send_message(embeds=[])
    assert empty.value.code == rules.EMPTY_MESSAGE
    await interaction.response.send_message("now within the limits")
    assert [m["content"] for m in standin.shown_for(sent)] == ["now within the limits"]


async def test_a_follow_up_after_a_deferral_edits_the_thinking_message_and_stays_public(
    standin: StandIn, listener: Listener
) -> None:
    sent, interaction = await _interaction(standin, listener)
    await interaction.response.defer(thinking=True)
    assert standin.shown_for(sent) == []  # "thinking…" only
    first = await interaction.followup.send("the answer", ephemeral=True, wait=True)
    original = standin.originals[sent["token"]]
    assert first.id == int(original["id"])
    assert original["content"] == "the answer"
    assert not original["flags"] & EPHEMERAL, "the first follow-up after a deferral is public"
    second = await interaction.followup.send("more", ephemeral=True, wait=True)
    assert second.id != first.id
    assert [m["content"] for m in standin.shown_for(sent)] == ["the answer", "more"]
    assert standin.followups[sent["token"]][0]["flags"] & EPHEMERAL


async def test_after_deleting_the_thinking_message_a_follow_up_is_new_and_private(
    standin: StandIn, listener: Listener
) -> None:
    sent, interaction = await _interaction(standin, listener)
    await interaction.response.defer(thinking=True)
    await interaction.delete_original_response()
    with pytest.raises(discord.NotFound) as again:
        await interaction.delete_original_response()
    assert again.value.code == rules.UNKNOWN_MESSAGE
    await interaction.followup.send("only for you", ephemeral=True)
    (shown,) = standin.shown_for(sent)
    assert shown["content"] == "only for you" and shown["flags"] & EPHEMERAL


async def test_an_interaction_token_expires_after_15_minutes_on_the_stand_ins_clock(
    standin: StandIn, listener: Listener
) -> None:
    sent, interaction = await _interaction(standin, listener)
    await interaction.response.defer(thinking=True)
    standin.advance(rules.INTERACTION_TOKEN_LIFETIME - 5)
    await interaction.edit_original_response(content="still in time")
    standin.advance(10)
    with pytest.raises(discord.HTTPException) as expired:
        await interaction.edit_original_response(content="too late")
    assert (expired.value.status, expired.value.code) == (401, rules.INVALID_WEBHOOK_TOKEN)
    with pytest.raises(discord.HTTPException):
        await interaction.followup.send("too late")
    assert [m["content"] for m in standin.shown_for(sent)] == ["still in time"]


async def test_a_first_response_after_3_seconds_on_the_stand_ins_clock_is_unknown(
    standin: StandIn, listener: Listener
) -> None:
    sent, interaction = await _interaction(standin, listener)
    standin.advance(3.5)
    with pytest.raises(discord.NotFound) as late:
        await interaction.response.send_message("late")
    assert late.value.code == 10062
    assert sent["token"] not in standin.acknowledged


# --- Rate limits ---------------------------------------------------------------------------------


async def test_a_429_carries_discords_headers_and_body(standin: StandIn, rest: Rest) -> None:
    standin.override("GET", "/gateway", rate_limited(2.5, bucket="b1"), times=1)
    before = time.time()
    async with rest.session.get(standin.api_base + "/gateway") as response:
        headers, body = response.headers, await response.json()
    assert response.status == 429
    assert headers["Via"] == "1.1 google"
    assert headers["Retry-After"] == "3"
    assert headers["X-RateLimit-Limit"] == "5" and headers["X-RateLimit-Remaining"] == "0"
    assert float(headers["X-RateLimit-Reset"]) >= before + 2.5
    assert headers["X-RateLimit-Reset-After"] == "2.500"
    assert headers["X-RateLimit-Bucket"] == "b1" and headers["X-RateLimit-Scope"] == "user"
    assert body == {"message": "You are being rate limited.", "retry_after": 2.5, "global": False}
    standin.override("GET", "/gateway", rate_limited(1, is_global=True), times=1)
    async with rest.session.get(standin.api_base + "/gateway") as response:
        assert response.status == 429
        assert response.headers["X-RateLimit-Global"] == "true"
        assert response.headers["X-RateLimit-Scope"] == "global"
        assert (await response.json())["global"] is True


async def _http_client(standin: StandIn) -> discord.http.HTTPClient:
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    await http.static_login(TOKEN)
    return http


async def test_discord_py_retries_a_429_with_via_and_gives_up_at_once_without(
    standin: StandIn,
) -> None:
    with pointed_at(standin):
        route = discord.http.Route("GET", "/gateway")
        http = await _http_client(standin)
        try:
            standin.override("GET", "/gateway", rate_limited(0.05), times=1)
            await http.request(route)
            assert [r.status for r in standin.find("GET", "/gateway")] == [429, 200]
            without_via = {"Retry-After": "1", "X-RateLimit-Scope": "user"}
            standin.override(
                "GET",
                "/gateway",
                reply_with(429, {"retry_after": 0.05, "global": False}, headers=without_via),
                times=1,
            )
            with pytest.raises(discord.HTTPException) as banned:
                await http.request(route)
            assert banned.value.status == 429
            assert [r.status for r in standin.find("GET", "/gateway")] == [429, 200, 429]
        finally:
            await http.close()


async def test_callback_types_and_shown_messages(standin: StandIn, listener: Listener) -> None:
    """The basics: a direct answer is shown at once; a deferral shows nothing until its edit."""
    sent, interaction = await _interaction(standin, listener)
    await interaction.response.send_message("hello", ephemeral=True)
    (callback,) = standin.find("POST", rf"/interactions/{sent['id']}/[^/]+/callback")
    assert callback.json["type"] == CHANNEL_MESSAGE
    assert [m["content"] for m in standin.shown_for(sent)] == ["hello"]
    assert standin.shown_for(sent)[0]["flags"] & EPHEMERAL
    sent, interaction = await _interaction(standin, listener)
    await interaction.response.defer(thinking=True)
    (callback,) = standin.find("POST", rf"/interactions/{sent['id']}/[^/]+/callback")
    assert callback.json["type"] == DEFERRED_CHANNEL_MESSAGE
    assert standin.shown_for(sent) == []
    await interaction.edit_original_response(content="done")
    assert [m["content"] for m in standin.shown_for(sent)] == ["done"]
