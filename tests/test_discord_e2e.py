"""The real bot against the Discord stand-in: login, sync, commands, messages and replies."""

from __future__ import annotations

import json
import logging

from bot.corpus.papers import load_corpus
from bot.discord_app.admin import MANAGE_GUILD
from bot.index.retriever import Retriever
from tests.standin.harness import (
    ALICE,
    APPLICATION_ID,
    BOB,
    BOT_USER_ID,
    CALLBACK,
    CHANNEL_MESSAGES,
    FOLLOWUP,
    ORIGINAL,
    OTHER_BOT,
    TOKEN,
    bot_and_standin,
    bot_settings,
    bots_standin,
    interaction_reply,
    message_of,
    running_bot,
    settle,
)
from tests.standin.server import (
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    EPHEMERAL,
    UPDATE_MESSAGE,
    StandIn,
    rate_limited,
)

FEATURE_LEARNING = "Toward Understanding the Feature Learning Process"
MIM = "Transformers Provably Learn Feature-Position Correlations in Masked Image Modeling"


def bot_user(standin: StandIn) -> dict:
    return standin.bot_user


# --- Login and command sync --------------------------------------------------------------------


async def test_login_registers_the_commands_with_their_options_limits_and_descriptions(
    tmp_path, retriever
):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        assert [(r.method, r.path) for r in standin.requests[:2]] == [
            ("GET", "/users/@me"),
            ("GET", "/oauth2/applications/@me"),
        ]
        assert standin.requests[0].headers["Authorization"] == f"Bot {TOKEN}"
        (sync,) = standin.find("PUT", rf"/applications/{APPLICATION_ID}/commands")
        commands = {c["name"]: c for c in sync.json}

    assert set(commands) == {"ask", "papers", "paper", "cite", "about", "reload", "Search papers"}
    for name in ("ask", "papers", "paper", "cite", "about", "reload"):
        assert commands[name]["type"] == 1
        assert 0 < len(commands[name]["description"]) <= 100
    assert commands["Search papers"]["type"] == 3
    ask = {o["name"]: o for o in commands["ask"]["options"]}
    assert [o["name"] for o in commands["ask"]["options"]] == ["question", "top", "private"]
    assert ask["question"]["type"] == 3 and ask["question"]["required"] is True
    assert (ask["question"]["min_length"], ask["question"]["max_length"]) == (1, 300)
    assert ask["top"]["type"] == 4 and not ask["top"].get("required")
    assert (ask["top"]["min_value"], ask["top"]["max_value"]) == (1, 5)
    assert ask["private"]["type"] == 5 and not ask["private"].get("required")
    assert all(option["description"] for option in ask.values())
    (title,) = commands["paper"]["options"]
    assert title["name"] == "title" and title["autocomplete"] is True and title["required"]
    papers = {o["name"]: o for o in commands["papers"]["options"]}
    assert [o["name"] for o in commands["papers"]["options"]] == ["author", "venue", "year"]
    assert papers["author"]["autocomplete"] is True and papers["venue"]["autocomplete"] is True
    assert papers["year"]["type"] == 4 and not any(o.get("required") for o in papers.values())
    cite = {o["name"]: o for o in commands["cite"]["options"]}
    assert cite["paper"]["autocomplete"] is True and cite["paper"]["required"] is True
    assert [c["value"] for c in cite["style"]["choices"]] == ["bibtex", "apa"]
    assert commands["about"]["options"] == []
    assert commands["reload"]["options"] == []
    # Discord shows /reload only to members who can manage the server; the bot checks again.
    assert str(commands["reload"]["default_member_permissions"]) == str(MANAGE_GUILD)
    assert all(
        commands[name].get("default_member_permissions") is None
        for name in commands
        if name != "reload"
    )
    for command in commands.values():  # user-installable, usable in servers and DMs
        assert sorted(command["integration_types"]) == [0, 1]
        assert sorted(command["contexts"]) == [0, 1, 2]


async def test_a_restart_with_the_same_commands_does_not_sync_but_sync_flag_does(
    tmp_path, retriever
):
    settings = bot_settings(tmp_path / "state")
    sync_route = rf"/applications/{APPLICATION_ID}/commands"
    async with bots_standin() as s:
        async with running_bot(s, settings, retriever):
            assert len(s.find("PUT", sync_route)) == 1
        async with running_bot(s, settings, retriever):
            pass
        assert len(s.find("PUT", sync_route)) == 1, "synced again with unchanged commands"
        async with running_bot(s, settings, retriever, force_sync=True):
            pass
        assert len(s.find("PUT", sync_route)) == 2, "--sync did not sync"
        assert len(s.sessions) == 3


async def test_guild_ids_sync_the_commands_to_those_servers(tmp_path, retriever):
    guild_id = 987654321098765432
    async with bot_and_standin(tmp_path, retriever, guild_ids=(guild_id,)) as (standin, _):
        assert standin.find("PUT", rf"/applications/{APPLICATION_ID}/commands") == []
        (sync,) = standin.find("PUT", rf"/applications/{APPLICATION_ID}/guilds/{guild_id}/commands")
        assert {c["name"] for c in sync.json} == {
            "ask",
            "papers",
            "paper",
            "cite",
            "about",
            "reload",
            "Search papers",
        }


# --- /ask ---------------------------------------------------------------------------------------


async def test_ask_is_answered_with_the_right_paper(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        guild = standin.guilds[0]
        interaction = await standin.slash(
            ALICE, "ask", guild=guild, question="what is feature decoupling?"
        )
        callback = await standin.wait_for_request("POST", CALLBACK)
        assert callback.json["type"] == DEFERRED_CHANNEL_MESSAGE
        assert not callback.json.get("data", {}).get("flags", 0) & EPHEMERAL
        reply = await interaction_reply(standin, interaction)
        papers_id = standin.command("papers")["id"]

    (embed,) = message_of(reply)["embeds"]
    assert embed["title"] == "what is feature decoupling?"
    first_paper = embed["description"].split("\n")[0]
    assert first_paper.startswith("[1] ") and FEATURE_LEARNING in first_paper
    assert "**feature decoupling**" in embed["description"]
    assert embed["description"].count("\n> ") == 3  # the default answer size
    # Commands named in the answer are clickable mentions, with the ids the sync returned.
    assert f"</papers:{papers_id}> for every paper" in embed["description"]


async def test_ask_private_is_ephemeral_and_top_sets_the_snippets(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        interaction = await standin.slash(
            ALICE,
            "ask",
            guild=standin.guilds[0],
            question="masked image modeling",
            top=1,
            private=True,
        )
        callback = await standin.wait_for_request("POST", CALLBACK)
        reply = await interaction_reply(standin, interaction)

    assert callback.json["type"] == DEFERRED_CHANNEL_MESSAGE
    assert callback.json["data"]["flags"] & EPHEMERAL
    (embed,) = message_of(reply)["embeds"]
    assert MIM in embed["description"] and embed["description"].count("\n> ") == 1


async def test_ask_with_nothing_relevant_suggests_papers_and_shows_the_correction(
    tmp_path, retriever
):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        guild = standin.guilds[0]
        nothing = await standin.slash(
            ALICE, "ask", guild=guild, question="recipe for chocolate cake"
        )
        nothing_reply = await interaction_reply(standin, nothing)
        typo = await standin.slash(ALICE, "ask", guild=guild, question="what is feture decoupling")
        typo_reply = await interaction_reply(standin, typo)

    (embed,) = message_of(nothing_reply)["embeds"]
    assert "Nothing in the papers answers that" in embed["description"]
    assert "/papers" in embed["description"]
    (embed,) = message_of(typo_reply)["embeds"]
    assert "Searched for: what is feature decoupling" in embed["description"]
    assert FEATURE_LEARNING in embed["description"]


async def test_the_sixth_question_in_the_window_gets_an_ephemeral_try_again(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        guild = standin.guilds[0]
        for _ in range(5):
            answered = await standin.slash(ALICE, "ask", guild=guild, question="what is BYOL?")
            await interaction_reply(standin, answered)
        sixth = await standin.slash(ALICE, "ask", guild=guild, question="what is BYOL?")
        refused = await interaction_reply(standin, sixth)
        others = await standin.slash(BOB, "ask", guild=guild, question="what is BYOL?")
        bob_reply = await interaction_reply(standin, others)
        since = standin.mark()
        mention = await standin.mention_bot(ALICE, "what is BYOL?", guild=guild)
        mention_reply = await standin.wait_for_request("POST", CHANNEL_MESSAGES, since=since)

    assert refused.json["type"] == CHANNEL_MESSAGE
    assert refused.json["data"]["flags"] & EPHEMERAL
    content = refused.json["data"]["content"]
    assert content.startswith("You're asking quickly: try again in ")
    seconds = int(content.split("try again in ")[1].split(" s")[0])
    assert 1 <= seconds <= 30
    assert message_of(bob_reply)["embeds"], "the cooldown is per user"
    # Over the limit, a mention is told so privately, in a DM, not in the channel.
    assert "try again in" in mention_reply.json["content"]
    assert mention_reply.path == f"/channels/{standin.dm_channels[ALICE['id']]['id']}/messages"
    assert standin.replies_to(mention) == []


async def test_an_unexpected_error_is_logged_and_the_user_gets_an_apology(
    tmp_path, bundled_corpus, caplog
):
    class BrokenRetriever(Retriever):
        def ask(self, question, top=3, papers=10, **options):
            raise RuntimeError("the index is broken")

    caplog.set_level(logging.ERROR)
    async with bot_and_standin(tmp_path, BrokenRetriever(bundled_corpus)) as (standin, bot):
        guild = standin.guilds[0]
        interaction = await standin.slash(ALICE, "ask", guild=guild, question="what is BYOL?")
        # The public "thinking…" is deleted and the apology follows privately (a follow-up
        # right after a deferral would edit the thinking message, for all to see).
        await standin.wait_for_request(
            "POST", FOLLOWUP, where=lambda r: interaction["token"] in r.path
        )
        await settle(bot)
        since = standin.mark()
        await standin.mention_bot(ALICE, "what is BYOL?", guild=guild)
        mention_apology = await standin.wait_for_request("POST", CHANNEL_MESSAGES, since=since)

    (apology,) = standin.shown_for(interaction)
    assert apology["content"].startswith("Sorry, something went wrong")
    assert apology["flags"] & EPHEMERAL, "the apology after a public thinking… is private"
    assert standin.find("DELETE", ORIGINAL)
    assert mention_apology.json["content"].startswith("Sorry, something went wrong")
    tracebacks = [
        r for r in caplog.records if r.exc_info and "index is broken" in str(r.exc_info[1])
    ]
    assert len(tracebacks) == 2


# --- /papers, /paper, /about ---------------------------------------------------------------------


def _many_papers(tmp_path, count: int) -> Retriever:
    corpus = tmp_path / "many.jsonl"
    rows = [
        {
            "id": f"paper-{n}",
            "title": f"Study number {n} of gradient descent",
            "abstract": f"We study gradient descent in setting {n}. It converges.",
            "authors": ["A. Author", "B. Author"],
            "year": 2000 + n,
        }
        for n in range(1, count + 1)
    ]
    corpus.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return Retriever(load_corpus(corpus))


def _button(message: dict, label: str) -> dict:
    for row in message["components"]:
        for component in row["components"]:
            if component.get("label") == label:
                return component
    raise AssertionError(f"no {label!r} button in {message['components']}")


async def test_papers_pages_with_buttons_only_for_the_invoker(tmp_path):
    retriever = _many_papers(tmp_path, 20)
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        guild = standin.guilds[0]
        interaction = await standin.slash(ALICE, "papers", guild=guild)
        first = await interaction_reply(standin, interaction)
        message = standin.originals[interaction["token"]]
        assert _button(message, "Previous")["disabled"] is True
        next_id = _button(message, "Next")["custom_id"]

        since = standin.mark()
        click = await standin.click(ALICE, message, next_id, guild=guild)
        turned = await standin.wait_for_request(
            "POST", CALLBACK, since=since, where=lambda r: click["token"] in r.path
        )
        since = standin.mark()
        intruder = await standin.click(BOB, message, next_id, guild=guild)
        refused = await standin.wait_for_request(
            "POST", CALLBACK, since=since, where=lambda r: intruder["token"] in r.path
        )

    first_page = message_of(first)["embeds"][0]
    assert "Study number 1 of" in first_page["description"]
    assert first_page["footer"]["text"].startswith("Page 1 of 3")
    assert turned.json["type"] == UPDATE_MESSAGE
    second_page = turned.json["data"]["embeds"][0]
    assert second_page["footer"]["text"].startswith("Page 2 of 3")
    assert "Study number 9 of" in second_page["description"]
    assert "Study number 1 of" not in second_page["description"]
    assert refused.json["type"] == CHANNEL_MESSAGE
    assert refused.json["data"]["flags"] & EPHEMERAL
    assert "Only the person who ran /papers" in refused.json["data"]["content"]


async def test_papers_buttons_are_disabled_when_the_view_times_out(tmp_path):
    retriever = _many_papers(tmp_path, 12)
    async with bot_and_standin(tmp_path, retriever, view_timeout=0.2) as (standin, _):
        interaction = await standin.slash(ALICE, "papers", guild=standin.guilds[0])
        await interaction_reply(standin, interaction)
        edit = await standin.wait_for_request(
            "PATCH", ORIGINAL, where=lambda r: interaction["token"] in r.path
        )
    buttons = [c for row in edit.json["components"] for c in row["components"]]
    assert buttons and all(button["disabled"] for button in buttons)


async def test_papers_fits_one_page_without_buttons(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        interaction = await standin.slash(ALICE, "papers", guild=standin.guilds[0])
        reply = await interaction_reply(standin, interaction)
    message = message_of(reply)
    assert not message.get("components")
    (embed,) = message["embeds"]
    assert embed["title"] == "Papers in Zixin Wen's list"
    assert embed["description"].count("\n\n") == 5  # six papers
    assert "Zixin Wen, Yuanzhi Li (2022)" in embed["description"]


async def test_paper_autocomplete_offers_titles_and_the_choice_shows_the_paper(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        guild = standin.guilds[0]
        typing = await standin.autocomplete(ALICE, "paper", "title", "masked imag", guild=guild)
        offered = await standin.wait_for_request(
            "POST", CALLBACK, where=lambda r: typing["token"] in r.path
        )
        everything = await standin.autocomplete(ALICE, "paper", "title", "", guild=guild)
        offered_all = await standin.wait_for_request(
            "POST", CALLBACK, where=lambda r: everything["token"] in r.path
        )
        choice = offered.json["data"]["choices"][0]
        chosen = await standin.slash(ALICE, "paper", guild=guild, title=choice["value"])
        reply = await interaction_reply(standin, chosen)

    assert offered.json["type"] == AUTOCOMPLETE_RESULT
    assert choice == {"name": MIM, "value": "mim-feature-position"}
    assert len(offered_all.json["data"]["choices"]) == 6
    (embed,) = message_of(reply)["embeds"]
    assert embed["title"] == MIM
    assert embed["description"].startswith("Masked image modeling (MIM), which predicts")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Authors"] == "Yu Huang, Zixin Wen, Yuejie Chi, Yingbin Liang"
    assert fields["Year"] == "2025"
    assert fields["Venue"] == "ICLR 2025"
    assert "[arXiv](https://arxiv.org/abs/2403.02233)" in fields["Links"]


async def test_an_unknown_paper_gets_a_polite_reply_with_near_matches(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        interaction = await standin.slash(
            ALICE, "paper", guild=standin.guilds[0], title="contrastive learnin theory"
        )
        reply = await interaction_reply(standin, interaction)
        unknown = await standin.slash(ALICE, "paper", guild=standin.guilds[0], title="zzzz qqqq")
        unknown_reply = await interaction_reply(standin, unknown)

    assert message_of(reply)["flags"] & EPHEMERAL
    content = message_of(reply)["content"]
    assert content.startswith("No paper matches “contrastive learnin theory”. Did you mean:")
    assert "Toward Understanding the Feature Learning Process" in content
    assert "/papers" in message_of(unknown_reply)["content"]


async def test_paper_lists_the_candidates_of_an_ambiguous_word_and_related_papers(
    tmp_path, retriever
):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        guild = standin.guilds[0]
        ambiguous = await standin.slash(ALICE, "paper", guild=guild, title="contrastive")
        ambiguous_reply = await interaction_reply(standin, ambiguous)
        related = await standin.slash(ALICE, "paper", guild=guild, title="BYOL")
        related_reply = await interaction_reply(standin, related)

    content = message_of(ambiguous_reply)["content"]
    assert message_of(ambiguous_reply)["flags"] & EPHEMERAL
    assert content.startswith("“contrastive” matches 2 papers:")
    assert "Toward Understanding the Feature Learning Process" in content
    assert "The Mechanism of Prediction Head" in content
    suggested = message_of(related_reply)["content"].splitlines()
    assert suggested[0] == "No paper matches “BYOL”. Did you mean:"
    assert suggested[1].startswith("• The Mechanism of Prediction Head")


async def test_about_says_whose_papers_and_how_many(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        interaction = await standin.slash(ALICE, "about", guild=standin.guilds[0])
        reply = await interaction_reply(standin, interaction)
    (embed,) = message_of(reply)["embeds"]
    stats = retriever.stats
    assert "Zixin Wen" in embed["description"]
    assert f"{stats.papers} papers, {stats.sentences} sentences" in embed["description"]
    assert "/ask" in embed["description"] and "Search papers" in embed["description"]


# --- The context menu, mentions and DMs ----------------------------------------------------------


async def test_the_context_menu_searches_the_selected_message(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        guild = standin.guilds[0]
        target = await standin.send_message(
            BOB, "how do transformers learn masked image modeling?", guild=guild
        )
        interaction = await standin.message_command(ALICE, "Search papers", target, guild=guild)
        reply = await interaction_reply(standin, interaction)
    (embed,) = message_of(reply)["embeds"]
    assert embed["title"] == "how do transformers learn masked image modeling?"
    assert MIM in embed["description"].split("\n")[0]


async def test_a_mention_is_answered_as_a_reply(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        message = await standin.mention_bot(ALICE, "what is feature decoupling?")
        reply = await standin.wait_for_request("POST", CHANNEL_MESSAGES)
    assert reply.path == f"/channels/{standin.guilds[0].channel_id}/messages"
    assert str(reply.json["message_reference"]["message_id"]) == message["id"]
    (embed,) = reply.json["embeds"]
    assert embed["title"] == "what is feature decoupling?"
    assert FEATURE_LEARNING in embed["description"]


async def test_a_dm_is_answered_as_a_reply(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        message = await standin.send_message(
            ALICE, "what is masked image modeling?", dm_channel_id="300000000000000001"
        )
        reply = await standin.wait_for_request("POST", CHANNEL_MESSAGES)
    assert reply.path == "/channels/300000000000000001/messages"
    assert str(reply.json["message_reference"]["message_id"]) == message["id"]
    assert MIM in reply.json["embeds"][0]["description"]


async def test_no_reply_to_unrelated_own_or_other_bots_messages(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        guild = standin.guilds[0]
        me = standin.bot_user
        await standin.send_message(ALICE, "what is feature decoupling?", guild=guild)
        await standin.send_message(BOB, "@everyone what is BYOL?", guild=guild)
        await standin.send_message(
            me, f"<@{BOT_USER_ID}> what is BYOL?", guild=guild, mentions=[me]
        )
        await standin.send_message(
            OTHER_BOT, f"<@{BOT_USER_ID}> what is BYOL?", guild=guild, mentions=[me]
        )
        await standin.send_message(OTHER_BOT, "what is BYOL?", dm_channel_id="300000000000000002")
        # Events are handled in order: once this one is answered, the others had their chance.
        last = await standin.send_message(
            ALICE, f"<@{BOT_USER_ID}> what is BYOL?", guild=guild, mentions=[me]
        )
        await standin.wait_for_request("POST", CHANNEL_MESSAGES)
        await settle(bot)
        sent = standin.find("POST", CHANNEL_MESSAGES)
    assert len(sent) == 1
    assert str(sent[0].json["message_reference"]["message_id"]) == last["id"]


async def test_a_bare_mention_gets_a_one_line_hint(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        message = await standin.mention_bot(ALICE, " ")
        reply = await standin.wait_for_request("POST", CHANNEL_MESSAGES)
    assert str(reply.json["message_reference"]["message_id"]) == message["id"]
    assert "\n" not in reply.json["content"] and "/ask" in reply.json["content"]
    assert not reply.json.get("embeds")


# --- Limits, escaping and mentions ----------------------------------------------------------------

HOSTILE_TITLE = "**Bold** claims @everyone <@&42> " + "gradient " * 600
HOSTILE_ABSTRACT = (
    "# Heading\n> quote @here [link](https://evil.example) `code` _x_ ~~y~~ ||spoiler|| "
    + "hostile markdown gradient descent in one endless sentence " * 200
    + ". Gradient descent converges for this hostile markdown corpus. " * 100
)


def _hostile_retriever(tmp_path) -> Retriever:
    corpus = tmp_path / "hostile.jsonl"
    rows = [
        {
            "id": "hostile",
            "title": HOSTILE_TITLE,
            "abstract": HOSTILE_ABSTRACT,
            "authors": [f"Author {n} @everyone" for n in range(400)],
            "year": 2025,
            "venue": "Venue " * 400,
            "url": "https://example.org/paper",
        },
        *(
            {
                "id": f"p{n}",
                "title": f"{'Long title about gradient descent ' * 10} {n}",
                "abstract": "Gradient descent converges. " * 50,
            }
            for n in range(30)
        ),
    ]
    corpus.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return Retriever(load_corpus(corpus))


async def test_oversized_and_hostile_corpus_text_is_sent_within_limits_and_escaped(tmp_path):
    retriever = _hostile_retriever(tmp_path)
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        guild = standin.guilds[0]
        me = standin.bot_user
        replies = []
        for command, options in (
            ("ask", {"question": "hostile markdown gradient descent **@everyone**", "top": 5}),
            ("paper", {"title": "hostile"}),
            ("papers", {}),
        ):
            interaction = await standin.slash(ALICE, command, guild=guild, **options)
            replies.append(await interaction_reply(standin, interaction))
        await standin.send_message(
            BOB, f"<@{BOT_USER_ID}> hostile markdown", guild=guild, mentions=[me]
        )
        replies.append(await standin.wait_for_request("POST", CHANNEL_MESSAGES))
        # running_bot checks every message sent for limits and allowed mentions on the way out

    answer, paper, papers, mention = (message_of(r)["embeds"][0] for r in replies)
    assert answer["title"].startswith("hostile markdown gradient descent \\*\\*@\u200beveryone")
    assert "\\*\\*Bold\\*\\* claims @\u200beveryone \\<@&42>" in answer["description"]
    assert answer["description"].count("…") >= 2  # the title and the endless sentence
    assert paper["title"].endswith("…") and len(paper["title"]) <= 256
    assert paper["description"].startswith("\\# Heading > quote @\u200bhere \\[link\\](https:")
    assert "\\`code\\` \\_x\\_ \\~\\~y\\~\\~ \\|\\|spoiler\\|\\|" in paper["description"]
    assert "@everyone" not in json.dumps(paper, ensure_ascii=False)
    assert papers["footer"]["text"].startswith("Page 1 of")
    assert "Bold" in mention["description"]


async def test_the_token_never_shows_in_the_logs(tmp_path, retriever, caplog):
    caplog.set_level(logging.DEBUG)
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        interaction = await standin.slash(ALICE, "ask", guild=standin.guilds[0], question="BYOL")
        await interaction_reply(standin, interaction)
    assert "Logged in as paperbot" in caplog.text
    assert TOKEN not in caplog.text and TOKEN.split(".")[2] not in caplog.text


# --- User installs and reconnects ---------------------------------------------------------------


async def test_commands_work_in_a_dm_as_a_user_installed_app(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        interaction = await standin.slash(ALICE, "ask", question="what is masked image modeling?")
        reply = await interaction_reply(standin, interaction)
        about = await standin.slash(BOB, "about")
        about_reply = await interaction_reply(standin, about)
    assert interaction["context"] == 1 and "guild_id" not in interaction
    assert MIM in message_of(reply)["embeds"][0]["description"]
    assert message_of(about_reply)["embeds"][0]["title"] == "About paperbot"


async def test_a_gateway_reconnect_resumes_without_syncing_again(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        first = standin.session
        await first.send(7)  # RECONNECT
        await standin.wait_for_connection(2)
        assert [frame["op"] for frame in standin.session.received if frame["op"] in (2, 6)] == [6]
        message = await standin.mention_bot(ALICE, "what is BYOL?")
        reply = await standin.wait_for_request("POST", CHANNEL_MESSAGES)
    assert str(reply.json["message_reference"]["message_id"]) == message["id"]
    assert len(standin.find("PUT", rf"/applications/{APPLICATION_ID}/commands")) == 1


async def test_every_message_the_bot_sends_allows_no_mentions(tmp_path):
    retriever = _many_papers(tmp_path, 12)
    async with bot_and_standin(tmp_path, retriever, cooldown_questions=2) as (standin, bot):
        guild, me = standin.guilds[0], standin.bot_user
        for command, options in (
            ("ask", {"question": "gradient descent @everyone"}),
            ("paper", {"title": "Study number 3"}),
            ("paper", {"title": "nothing like it"}),
            ("about", {}),
            ("papers", {}),
        ):
            interaction = await standin.slash(ALICE, command, guild=guild, **options)
            await interaction_reply(standin, interaction)
        message = standin.originals[interaction["token"]]
        click = await standin.click(
            ALICE, message, _button(message, "Next")["custom_id"], guild=guild
        )
        await standin.wait_for_request("POST", CALLBACK, where=lambda r: click["token"] in r.path)
        await standin.send_message(BOB, f"<@{BOT_USER_ID}> gradient", guild=guild, mentions=[me])
        await standin.send_message(BOB, f"<@{BOT_USER_ID}>", guild=guild, mentions=[me])
        await standin.send_message(BOB, "gradient descent", dm_channel_id="300000000000000003")
        await standin.send_message(BOB, "gradient descent", dm_channel_id="300000000000000003")
        await standin.wait_for_requests("POST", CHANNEL_MESSAGES, 3)
        await settle(bot)
        sent = standin.message_bodies()

    # 5 commands, 1 page turn; a mention answered, a hint (both count towards the limit of 2),
    # the first DM over the limit told so once, the second not answered at all
    assert len(sent) == 9
    assert sum("try again in" in (message_of(r).get("content") or "") for r in sent) == 1
    for record in sent:
        assert message_of(record)["allowed_mentions"] == {"parse": []}, record


async def test_paper_autocomplete_offers_at_most_25_choices_within_limits(tmp_path):
    retriever = _hostile_retriever(tmp_path)
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        typing = await standin.autocomplete(ALICE, "paper", "title", "", guild=standin.guilds[0])
        offered = await standin.wait_for_request("POST", CALLBACK)
    assert typing["type"] == 4
    choices = offered.json["data"]["choices"]
    assert len(choices) == 25
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)
    assert choices[0]["name"].startswith("**Bold** claims") and choices[0]["value"] == "hostile"


async def test_a_rate_limited_reply_is_sent_again_after_retry_after(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        standin.override("POST", CHANNEL_MESSAGES, rate_limited(0.05), times=1)
        message = await standin.mention_bot(ALICE, "what is BYOL?")
        await standin.wait_for_requests("POST", CHANNEL_MESSAGES, 2)
        first, second = standin.find("POST", CHANNEL_MESSAGES)
        assert standin.messages, "the retried reply was not accepted"
    assert first.json == second.json
    assert str(second.json["message_reference"]["message_id"]) == message["id"]
