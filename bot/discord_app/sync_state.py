"""Remembering which slash commands were last synced, so a restart syncs only after a change."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.files import write_atomic

STAMP_NAME = "commands.sha256"


def command_digest(
    payloads: Sequence[dict[str, Any]], application_id: int | None, guild_ids: Sequence[int]
) -> str:
    """A hash of everything Discord is told at a sync: the commands, for which app, to where."""
    document = {
        "application_id": application_id,
        "guilds": sorted(guild_ids),
        "commands": sorted(payloads, key=lambda c: (c.get("type", 1), c.get("name", ""))),
    }
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def last_synced(state_dir: Path) -> str | None:
    try:
        return (state_dir / STAMP_NAME).read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def remember_synced(state_dir: Path, digest: str) -> None:
    """Store `digest`; raises OSError when the folder cannot be written."""
    write_atomic(state_dir / STAMP_NAME, (digest + "\n").encode("ascii"))
