from urllib.parse import parse_qs, urlsplit

from bot.discord_app.invite import (
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    invite_url,
)


def test_the_invite_asks_for_both_scopes_and_only_the_permissions_used():
    url = urlsplit(invite_url(123456789012345678))
    assert (url.scheme, url.netloc, url.path) == ("https", "discord.com", "/oauth2/authorize")
    query = parse_qs(url.query)
    assert query["client_id"] == ["123456789012345678"]
    assert query["scope"] == ["bot applications.commands"]
    used = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY
    used |= SEND_MESSAGES_IN_THREADS
    assert int(query["permissions"][0]) == used == 274877991936


def test_with_answer_threads_the_invite_also_asks_for_the_thread_permissions():
    without = int(parse_qs(urlsplit(invite_url(123456789012345678)).query)["permissions"][0])
    url = invite_url(123456789012345678, answer_threads=True)
    asked = int(parse_qs(urlsplit(url).query)["permissions"][0])
    assert asked == without | CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS
    assert asked & CREATE_PUBLIC_THREADS and not without & CREATE_PUBLIC_THREADS
