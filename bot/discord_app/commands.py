"""The slash commands and the message context menu: thin adapters over the pure reply builders."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord_app import replies
from bot.discord_app.checks import admin_only
from bot.discord_app.messages import defer, respond
from bot.discord_app.services import PaperServices, services
from bot.discord_app.views import PapersView
from bot.search.lookup import find_paper, title_choices

QUESTION_LIMIT = 300
CHOICE_LIMIT = 100  # Discord's limit for a choice's name and value


def _client(interaction: discord.Interaction) -> PaperServices:
    return services(interaction)


@app_commands.command(name="ask")
@app_commands.describe(
    question="What you want to know about the papers",
    top="How many snippets to show (1 to 5)",
    private="Show the answer only to you",
)
async def ask_command(
    interaction: discord.Interaction,
    question: app_commands.Range[str, 1, QUESTION_LIMIT],
    top: app_commands.Range[int, 1, 5] | None = None,
    private: bool = False,
) -> None:
    """Ask a question; get the sentences from the papers that answer it best."""
    _client(interaction).cooldown.check(interaction.user.id)
    await defer(interaction, ephemeral=private)
    await _answer(interaction, question, top, private=private)


async def _answer(
    interaction: discord.Interaction, question: str, top: int | None, *, private: bool = False
) -> None:
    """Search (the interaction is deferred), reply with the answer and its vote buttons, then
    record the question if nothing answered it."""
    client = _client(interaction)
    answer = await client.ask(question, top)
    reply = replies.answer_reply(answer, ephemeral=private)
    await respond(interaction, reply, view=client.vote_view(answer))
    await client.record_answer(answer, interaction.user.id)


@app_commands.command(name="papers")
async def papers_command(interaction: discord.Interaction) -> None:
    """List every paper: title, authors and year."""
    client = _client(interaction)
    retriever = client.live.retriever
    pages = replies.paper_list_pages(retriever.papers, retriever.corpus.owner)
    if len(pages) == 1:
        await respond(interaction, pages[0])
        return
    view = PapersView(pages, owner_id=interaction.user.id, timeout=client.view_timeout)
    await respond(interaction, pages[0], view=view)
    view.interaction = interaction


@app_commands.command(name="paper")
@app_commands.describe(title="The paper's title (pick one from the list, or type part of it)")
async def paper_command(
    interaction: discord.Interaction, title: app_commands.Range[str, 1, CHOICE_LIMIT]
) -> None:
    """Show one paper: its abstract, authors and links."""
    found = find_paper(_client(interaction).live.retriever.papers, title)
    if found.paper is None:
        await respond(interaction, replies.not_found_reply(title, found.near))
    else:
        await respond(interaction, replies.paper_reply(found.paper))


@paper_command.autocomplete("title")
async def _paper_titles(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    papers = title_choices(_client(interaction).live.retriever.papers, current, limit=25)
    return [
        app_commands.Choice(
            name=replies.fit(replies.title_line(p), CHOICE_LIMIT, str),
            value=p.id[:CHOICE_LIMIT],
        )
        for p in papers
    ]


@app_commands.command(name="about")
async def about_command(interaction: discord.Interaction) -> None:
    """What this bot does, whose papers it knows and how to ask."""
    client = _client(interaction)
    reply = replies.about_reply(
        client.live.retriever.corpus.owner,
        client.live.status,
        record_questions=client.feedback.enabled,
        store_user_ids=client.feedback.store_user_ids,
    )
    await respond(interaction, reply)


@app_commands.command(name="reload")
@admin_only()
async def reload_command(interaction: discord.Interaction) -> None:
    """Read the corpus files again and answer from them (admins only)."""
    client = _client(interaction)
    await defer(interaction, ephemeral=True)
    # Built in a worker thread; questions meanwhile, and those already running, use the old index.
    status = await client.reload_corpus()
    await respond(interaction, replies.reload_reply(status))


@app_commands.context_menu(name="Search papers")
async def search_papers_menu(interaction: discord.Interaction, message: discord.Message) -> None:
    client = _client(interaction)
    question = message.content
    if client.user is not None:
        question = replies.strip_mentions(question, client.user.id)
    # A long message is searched by its beginning: enough words to rank, bounded work.
    question = " ".join(question.split())[: QUESTION_LIMIT * 3]
    if not question:
        await respond(interaction, replies.Reply(replies.NO_TEXT, ephemeral=True))
        return
    client.cooldown.check(interaction.user.id)
    await defer(interaction)
    await _answer(interaction, question, None)


COMMANDS = (
    ask_command,
    papers_command,
    paper_command,
    about_command,
    reload_command,
    search_papers_menu,
)
