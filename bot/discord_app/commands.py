"""The slash commands and the message context menu: thin adapters over the pure reply builders."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.answering.facets import author_choices, choose, venue_choices
from bot.answering.lookup import find_paper, title_choices
from bot.discord_app import replies
from bot.discord_app.buttons import answer_view
from bot.discord_app.checks import owner_only
from bot.discord_app.client import PaperClient
from bot.discord_app.messages import defer, respond
from bot.discord_app.views import PapersView
from bot.index.answer import CitationStyle
from bot.render import discord_reply
from bot.text.normalise import normalise

QUESTION_LIMIT = 300
CHOICE_LIMIT = 100  # Discord's limit for a choice's name and value


@app_commands.command(name="ask")
@app_commands.describe(
    question="What you want to know about the papers",
    top="How many snippets to show (1 to 5)",
    private="Show the answer only to you",
)
async def ask_command(
    interaction: discord.Interaction[PaperClient],
    question: app_commands.Range[str, 1, QUESTION_LIMIT],
    top: app_commands.Range[int, 1, 5] | None = None,
    private: bool = False,
) -> None:
    """Ask a question; get the sentences from the papers that answer it best."""
    interaction.client.cooldown.check(interaction.user.id)
    await defer(interaction, ephemeral=private)
    await _answer(interaction, question, top, private=private)


async def _answer(
    interaction: discord.Interaction[PaperClient],
    question: str,
    top: int | None,
    *,
    private: bool = False,
) -> None:
    """Search (the interaction is deferred), reply with the answer and its vote buttons, then
    record the question if nothing answered it."""
    client = interaction.client
    key, turns = client.context(
        interaction.user.id, interaction.channel_id or 0, in_dm=interaction.guild_id is None
    )
    answer = await client.converse(question, turns, top)
    reply = discord_reply.answer_reply(answer, ephemeral=private, commands=client.command_ids)
    sent = await respond(interaction, reply, view=answer_view(client, answer, top))
    client.remember(key, answer, None if private else sent)
    await client.record_answer(answer, interaction.user.id)


@app_commands.command(name="papers")
@app_commands.describe(
    author="Only the papers by this person",
    venue="Only the papers at this venue (NeurIPS, or NeurIPS 2022)",
    year="Only the papers of this year",
)
async def papers_command(
    interaction: discord.Interaction[PaperClient],
    author: app_commands.Range[str, 1, CHOICE_LIMIT] | None = None,
    venue: app_commands.Range[str, 1, CHOICE_LIMIT] | None = None,
    year: app_commands.Range[int, 1000, 9999] | None = None,
) -> None:
    """List the papers, or only those by an author, at a venue or of a year."""
    client = interaction.client
    retriever = client.live.retriever
    if author is None and venue is None and year is None:
        pages = discord_reply.paper_list_pages(retriever.papers, retriever.corpus.owner)
    else:
        # The catalogue may still be in the making: deferred, and looked up in the search thread.
        await defer(interaction)
        chosen = await client.search(
            lambda served: choose(served.catalogue(), author=author, venue=venue, year=year)
        )
        pages = discord_reply.filtered_list_pages(
            chosen.papers, retriever.corpus.owner, chosen.described
        )
    if len(pages) == 1:
        await respond(interaction, pages[0])
        return
    view = PapersView(pages, owner_id=interaction.user.id, timeout=client.view_timeout)
    await respond(interaction, pages[0], view=view)
    view.interaction = interaction
    client.page_views.add(view)


@papers_command.autocomplete("author")
async def _author_names(
    interaction: discord.Interaction[PaperClient], current: str
) -> list[app_commands.Choice[str]]:
    names = author_choices(interaction.client.catalogue(), current)
    return [_choice(name) for name in names]


@papers_command.autocomplete("venue")
async def _venue_names(
    interaction: discord.Interaction[PaperClient], current: str
) -> list[app_commands.Choice[str]]:
    venues = venue_choices(interaction.client.catalogue(), current)
    return [_choice(venue) for venue in venues]


def _choice(text: str) -> app_commands.Choice[str]:
    shown = discord_reply.fit(" ".join(text.split()), CHOICE_LIMIT, str)
    return app_commands.Choice(name=shown, value=text[:CHOICE_LIMIT])


@app_commands.command(name="paper")
@app_commands.describe(title="The paper's title (pick one from the list, or type part of it)")
async def paper_command(
    interaction: discord.Interaction[PaperClient], title: app_commands.Range[str, 1, CHOICE_LIMIT]
) -> None:
    """Show one paper: its abstract, authors and links."""
    client = interaction.client
    # A title not found is looked for in the abstracts too: a search, so deferred first.
    await defer(interaction)
    found = await client.search(lambda served: find_paper(served, title))
    if found.paper is None:
        reply = discord_reply.not_found_reply(
            title, found.near, found.matched, commands=client.command_ids
        )
        await respond(interaction, reply)
    else:
        await respond(interaction, discord_reply.paper_reply(found.paper))


@paper_command.autocomplete("title")
async def _paper_titles(
    interaction: discord.Interaction[PaperClient], current: str
) -> list[app_commands.Choice[str]]:
    papers = title_choices(interaction.client.live.retriever.papers, current, limit=25)
    return [
        app_commands.Choice(
            name=discord_reply.fit(discord_reply.title_line(p), CHOICE_LIMIT, str),
            value=p.id[:CHOICE_LIMIT],
        )
        for p in papers
    ]


@app_commands.command(name="cite")
@app_commands.describe(
    paper="The paper (pick one from the list, or type part of its title)",
    style="BibTeX (the default) or APA",
)
async def cite_command(
    interaction: discord.Interaction[PaperClient],
    paper: app_commands.Range[str, 1, CHOICE_LIMIT],
    style: CitationStyle = "bibtex",
) -> None:
    """Cite a paper: BibTeX or APA, from the paper's own fields."""
    client = interaction.client
    await defer(interaction)  # a title not found is searched for
    found = await client.search(lambda served: find_paper(served, paper))
    if found.paper is None:
        reply = discord_reply.not_found_reply(
            paper, found.near, found.matched, commands=client.command_ids
        )
        await respond(interaction, reply)
    else:
        await respond(interaction, discord_reply.cite_reply(found.paper, style))


cite_command.autocomplete("paper")(_paper_titles)


@app_commands.command(name="about")
async def about_command(interaction: discord.Interaction[PaperClient]) -> None:
    """What this bot does, whose papers it knows and how to ask."""
    client = interaction.client
    reply = replies.about_reply(
        client.live.retriever.corpus.owner,
        client.live.status,
        record_questions=client.feedback.enabled,
        store_user_ids=client.feedback.store_user_ids,
        commands=client.command_ids,
    )
    await respond(interaction, reply)


@app_commands.command(name="reload")
@owner_only()
async def reload_command(interaction: discord.Interaction[PaperClient]) -> None:
    """Read the corpus files again and answer from them (the bot's owners only)."""
    client = interaction.client
    await defer(interaction, ephemeral=True)
    # Built in a worker thread; questions meanwhile, and those already running, use the old index.
    status = await client.reload_corpus()
    await respond(interaction, replies.reload_reply(status))


@app_commands.context_menu(name="Search papers")
async def search_papers_menu(
    interaction: discord.Interaction[PaperClient], message: discord.Message
) -> None:
    client = interaction.client
    question = message.content
    if client.user is not None:
        question = replies.strip_mentions(question, client.user.id)
    # A long message is searched by its beginning: enough words to rank, bounded work.
    question = normalise(question, casefold=False)[: QUESTION_LIMIT * 3]
    if not question:
        await respond(interaction, discord_reply.Reply(replies.NO_TEXT, ephemeral=True))
        return
    client.cooldown.check(interaction.user.id)
    await defer(interaction)
    await _answer(interaction, question, None)


COMMANDS: tuple[app_commands.Command[Any, ..., Any] | app_commands.ContextMenu, ...] = (
    ask_command,
    papers_command,
    paper_command,
    cite_command,
    about_command,
    reload_command,
    search_papers_menu,
)
