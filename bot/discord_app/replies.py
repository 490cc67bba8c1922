"""What the Discord bot says about itself and its own rules (cooldowns, owner commands, votes,
restarts, how to be read), as plain data (no discord import here); answers, paper lists and
citations are rendered by bot/render/discord_reply.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.discord_app.admin import NotAllowed
from bot.discord_app.ballots import Outcome
from bot.discord_app.cooldown import OnCooldown
from bot.render.discord_reply import (
    NO_IDS,
    CommandIds,
    Embed,
    Reply,
    command_mention,
    escape,
    fit,
    fit_embed,
    one_line,
)
from bot.render.presentation import (
    count,
    owners_list,
)

if TYPE_CHECKING:
    from bot.index.live_corpus import CorpusStatus
RESTARTING = "paperbot is restarting: ask again in a moment."
BLOCKED = "The bot's owner has turned it off for you here."
APOLOGY = "Sorry, something went wrong while answering. It has been logged; please try again."
NOT_YOUR_PAGES = "Only the person who ran /papers can turn its pages: run /papers to get your own."
NO_TEXT = "That message has no text to search the papers for."
NOT_ALLOWED = "Only the bot's owner can do that."
HELPFUL, NOT_HELPFUL = "Helpful", "Not helpful"  # the labels of an answer's vote buttons
VOTE_REPLIES = {
    Outcome.COUNTED: "Thanks for your vote: it shows the bot's owner where the papers fall short.",
    Outcome.REPEATED: "You already voted on this answer; your first vote counts.",
    Outcome.CLOSED: (
        "Voting on this answer has closed (answers take votes for a day, and not after the bot "
        "restarts). Ask again to vote on a fresh answer."
    ),
}
_ERROR_LIMIT = 900  # a rejected corpus's reason, in /about and /reload


def strip_mentions(content: str, user_id: int, role_ids: Sequence[int] = ()) -> str:
    """The text of a message with every mention of `user_id`, and of the roles `role_ids` (the
    bot's own role), taken out: the question."""
    roles = "".join(f"|<@&{role_id}>" for role_id in role_ids)
    return one_line(re.sub(rf"<@!?{user_id}>{roles}", " ", content))


def about_reply(
    owner: str | None,
    status: CorpusStatus,
    *,
    record_questions: bool,
    store_user_ids: bool,
    commands: CommandIds = NO_IDS,
) -> Reply:
    """What the bot does, what it serves since when, and what it records."""
    ask, papers_, paper_ = (command_mention(name, commands) for name in ("ask", "papers", "paper"))
    whose = (
        f"the papers in {owners_list(fit(one_line(owner), 200))}" if owner else "a set of papers"
    )
    papers, sentences = status.papers, status.sentences
    loaded = f"The papers were loaded {_when(status.loaded_at)}."
    if status.error is not None:
        failed = f" <t:{int(status.failed_at.timestamp())}:R>" if status.failed_at else ""
        loaded += (
            f" A reload{failed} was rejected, so I still answer from them: "
            f"{fit(one_line(status.error), _ERROR_LIMIT)}"
        )
    switch = escape("PAPERBOT_RECORD_QUESTIONS=off")
    if not record_questions:
        recorded = f"Nothing you ask is recorded ({switch})."
    else:
        who = "with the Discord id of who asked" if store_user_ids else "without who asked"
        recorded = (
            "Questions the papers do not answer, and the Helpful / Not helpful votes on answers, "
            f"are recorded ({who}) so that the bot's owner sees which papers to add; "
            f"the owner turns this off with {switch}."
        )
    description = (
        f"I answer questions about {whose}: {count(papers, 'paper')}, "
        f"{count(sentences, 'sentence')} of abstracts. "
        "I reply with the sentences that answer best, under the papers they come from, and I "
        "say so when nothing fits.\n\n"
        "**How to ask**\n"
        f"• {ask} with your question (add private:True to see the answer alone)\n"
        "• mention me with a question, or send me a direct message\n"
        "• reply to one of my answers to ask a follow-up (“who wrote it?”)\n"
        "• on any message: Apps → Search papers\n"
        f"• {papers_} lists the papers (by author, venue or year), {paper_} shows one paper's "
        f"abstract, {command_mention('cite', commands)} gives its citation\n"
        "• ask about the papers themselves too: “papers by …”, “NeurIPS papers”, “papers since "
        "2023”, “who wrote the … paper?”, “cite the … paper”\n\n"
        f"**The papers**\n{loaded}\n\n"
        f"**What is recorded**\n{recorded}"
    )
    return Reply(embed=fit_embed(Embed("About paperbot", description)))


def reload_reply(status: CorpusStatus) -> Reply:
    """The outcome of /reload, for the admin who ran it."""
    counts = f"{count(status.papers, 'paper')}, {count(status.sentences, 'sentence')}"
    if status.error is None:
        return Reply(
            f"Reloaded the corpus: {counts}. Questions are answered from it now.", ephemeral=True
        )
    reason = fit(one_line(status.error), _ERROR_LIMIT)
    return Reply(
        f"The corpus was not reloaded: {reason}\n"
        f"I keep answering from the corpus loaded {_when(status.loaded_at)}: {counts}. "
        "Fix the files and run /reload again (paperbot check shows the problem too).",
        ephemeral=True,
    )


def vote_reply(outcome: Outcome) -> Reply:
    return Reply(VOTE_REPLIES[outcome], ephemeral=True)


def _when(moment: datetime) -> str:
    """`moment` as Discord shows it to each reader: their own time zone and language."""
    seconds = int(moment.timestamp())
    return f"<t:{seconds}:f> (<t:{seconds}:R>)"


def _mention(bot_name: str) -> str:
    return fit("@" + one_line(bot_name), 81)  # escaped whole: a bot named "here" is no @here


def mention_hint(bot_name: str, *, commands: CommandIds = NO_IDS) -> Reply:
    mention = _mention(bot_name)
    ask = command_mention("ask", commands)
    return Reply(f"Ask me a question after the mention (“{mention} what is …?”), or use {ask}.")


def unread_reply_hint(bot_name: str) -> Reply:
    """For a message that reached the bot without its text (a reply with its @ ping turned off,
    or a mention of the bot's role, without the Message Content intent): how to be read."""
    mention = _mention(bot_name)
    return Reply(
        "Discord did not pass your message's text on to me: reply with the @ ping on, or "
        f"mention me in your message (“{mention} what is …?”), or use /ask."
    )


def cooldown_reply(error: OnCooldown) -> Reply:
    return Reply(f"You're asking quickly: try again in {error.seconds} s.", ephemeral=True)


def error_reply(error: BaseException) -> Reply:
    """The one sentence a user sees for a failure: the fixable ones named, the rest an apology."""
    if isinstance(error, OnCooldown):
        return cooldown_reply(error)
    if isinstance(error, NotAllowed):
        return Reply(NOT_ALLOWED, ephemeral=True)
    return Reply(APOLOGY, ephemeral=True)
