from bot.discord_app.sync_state import command_digest, last_synced, remember_synced

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
    assert last_synced(state) is None
    remember_synced(state, "abc123")
    assert last_synced(state) == "abc123"
    remember_synced(state, "def456")
    assert last_synced(state) == "def456"
