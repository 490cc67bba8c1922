"""The OAuth2 URL that adds the bot to a server, asking only for the permissions it uses."""

from __future__ import annotations

from urllib.parse import urlencode

# Discord permission bits (https://discord.com/developers/docs/topics/permissions).
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16  # a reply quotes the question, which needs the message history
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38

BOT_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY | SEND_MESSAGES_IN_THREADS
)
# Answer threads (PAPERBOT_ANSWER_THREADS) open a thread on each answer to a mention.
THREAD_PERMISSIONS = CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS
SCOPES = ("bot", "applications.commands")
AUTHORIZE_URL = "https://discord.com/oauth2/authorize"


def invite_url(application_id: int, *, answer_threads: bool = False) -> str:
    permissions = BOT_PERMISSIONS | (THREAD_PERMISSIONS if answer_threads else 0)
    query = urlencode(
        {"client_id": application_id, "scope": " ".join(SCOPES), "permissions": permissions}
    )
    return f"{AUTHORIZE_URL}?{query}"
