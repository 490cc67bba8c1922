"""Splitting a list of entries into pages that each fit one message."""

from __future__ import annotations

from collections.abc import Sequence


def paginate(
    entries: Sequence[str], *, per_page: int, max_chars: int, separator: str = "\n\n"
) -> list[tuple[str, ...]]:
    """Consecutive groups of at most `per_page` entries whose joined text fits `max_chars`.

    Every entry must itself fit `max_chars`; there is always at least one (maybe empty) page.
    """
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    pages: list[tuple[str, ...]] = []
    current: list[str] = []
    size = 0
    for entry in entries:
        if len(entry) > max_chars:
            raise ValueError(f"an entry of {len(entry)} characters does not fit {max_chars}")
        added = len(entry) + (len(separator) if current else 0)
        if current and (len(current) >= per_page or size + added > max_chars):
            pages.append(tuple(current))
            current, size, added = [], 0, len(entry)
        current.append(entry)
        size += added
    pages.append(tuple(current))
    return pages


def clamp_page(page: int, count: int) -> int:
    """`page` (0-based) moved into 0..count-1."""
    return min(max(page, 0), max(count - 1, 0))
