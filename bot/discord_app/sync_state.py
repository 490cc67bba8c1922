"""Remembering which slash commands were last synced, and where, so a restart syncs only after a
change and a move between server commands and global ones clears the scope left behind."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.files import write_atomic

STAMP_NAME = "commands.sha256"
_SCOPE_PREFIX = "scope: "
_GLOBAL = "global"


@dataclass(frozen=True)
class LastSync:
    """What the last sync sent: its digest, and where (server ids; empty: globally). `scope` is
    None for a sync remembered before scopes were (nothing is known to clear)."""

    digest: str
    scope: tuple[int, ...] | None


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


def read_last_sync(state_dir: Path) -> LastSync | None:
    try:
        lines = (state_dir / STAMP_NAME).read_text(encoding="ascii").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    digest = lines[0].strip()
    if not digest:
        return None
    scope_line = next((line for line in lines[1:] if line.startswith(_SCOPE_PREFIX)), None)
    return LastSync(digest, _parse_scope(scope_line[len(_SCOPE_PREFIX) :]) if scope_line else None)


def _parse_scope(text: str) -> tuple[int, ...] | None:
    text = text.strip()
    if text == _GLOBAL:
        return ()
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        return None


def remember_synced(state_dir: Path, digest: str, scope: Sequence[int]) -> None:
    """Store `digest` and `scope` (server ids; empty: globally); raises OSError when the folder
    cannot be written."""
    where = ",".join(str(guild_id) for guild_id in sorted(scope)) or _GLOBAL
    write_atomic(state_dir / STAMP_NAME, f"{digest}\n{_SCOPE_PREFIX}{where}\n".encode("ascii"))


def scopes_to_clear(previous: tuple[int, ...] | None, current: Sequence[int]) -> list[int | None]:
    """Where commands synced before are no longer wanted: None for the global scope, else a
    server id. Moving to servers clears the global commands; moving to global (or dropping a
    server from the list) clears the servers left; an unknown previous scope clears nothing."""
    if previous is None:
        return []
    if not previous:
        return [None] if current else []
    return [guild_id for guild_id in previous if guild_id not in set(current)]
