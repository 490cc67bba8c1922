"""The OAuth2 URL that adds the bot to a server, asking only for the permissions it uses."""

from __future__ import annotations

from urllib.parse import urlencode

# Discord permission bits (https://discord.com/developers/docs/topics/permissions).
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16  # a reply quotes the question, which needs the message history
SEND_MESSAGES_IN_THREADS = 1 << 38

BOT_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY | SEND_MESSAGES_IN_THREADS
)
SCOPES = ("bot", "applications.commands")
AUTHORIZE_URL = "https://discord.com/oauth2/authorize"


def invite_url(application_id: int) -> str:
    query = urlencode(
        {"client_id": application_id, "scope": " ".join(SCOPES), "permissions": BOT_PERMISSIONS}
    )
    return f"{AUTHORIZE_URL}?{query}"
