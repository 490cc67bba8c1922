from bot.discord_app.sync_state import (
    STAMP_NAME,
    LastSync,
    command_digest,
    read_last_sync,
    remember_synced,
    scopes_to_clear,
)

ASK = {"name": "ask", "type": 1, "description": "Ask", "options": []}
MENU = {"name": "Search papers", "type": 3}


def test_the_digest_ignores_order_but_not_content_application_or_servers():
    base = command_digest([ASK, MENU], 1, [])
    assert command_digest([MENU, ASK], 1, []) == base
    assert command_digest([{**ASK, "description": "Ask!"}, MENU], 1, []) != base
    assert command_digest([ASK, MENU], 2, []) != base
    assert command_digest([ASK, MENU], 1, [5]) != base
    assert command_digest([ASK, MENU], 1, [5, 6]) == command_digest([ASK, MENU], 1, [6, 5])


def test_the_last_sync_is_remembered_on_disk(tmp_path):
    state = tmp_path / "state" / "nested"
    assert read_last_sync(state) is None
    remember_synced(state, "abc123", ())
    assert read_last_sync(state) == LastSync("abc123", ())
    remember_synced(state, "def456", ())
    assert read_last_sync(state) == LastSync("def456", ())


def test_the_scope_of_the_last_sync_is_remembered_with_it(tmp_path):
    remember_synced(tmp_path, "abc123", (222222222222222222, 111111111111111111))
    assert read_last_sync(tmp_path) == LastSync("abc123", (111111111111111111, 222222222222222222))
    remember_synced(tmp_path, "def456", ())
    assert read_last_sync(tmp_path) == LastSync("def456", ())


def test_a_stamp_from_before_scopes_were_remembered_has_an_unknown_scope(tmp_path):
    (tmp_path / STAMP_NAME).write_text("abc123\n", encoding="ascii")
    assert read_last_sync(tmp_path) == LastSync("abc123", None)


def test_the_scope_left_behind_is_cleared():
    one, two = 111111111111111111, 222222222222222222
    assert scopes_to_clear((), (one,)) == [None]  # global -> servers: clear global
    assert scopes_to_clear((one, two), ()) == [one, two]  # servers -> global: clear them
    assert scopes_to_clear((one, two), (two,)) == [one]  # a server dropped from the list
    assert scopes_to_clear((), ()) == [] and scopes_to_clear((one,), (one,)) == []
    assert scopes_to_clear(None, (one,)) == []  # unknown: nothing known to clear
