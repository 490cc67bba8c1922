"""Small text helpers shared by every renderer (console and Discord)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.corpus.papers import Paper

ELLIPSIS = "…"


def short_authors(authors: Sequence[str], limit: int = 3) -> str:
    """'A, B, C' or 'A, B, C et al.' when there are more than `limit` names."""
    if len(authors) <= limit:
        return ", ".join(authors)
    return ", ".join(authors[:limit]) + " et al."


def byline(authors: Sequence[str], year: int | None, limit: int = 3) -> str:
    """'A, B et al. (2024)', or whichever part is known."""
    names = short_authors(authors, limit)
    if year is None:
        return names
    return f"{names} ({year})" if names else str(year)


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def mark_spans(
    text: str,
    spans: Sequence[tuple[int, int]],
    mark: Callable[[str], str],
    plain: Callable[[str], str] = lambda s: s,
) -> str:
    """`text` with each (start, end) span passed through `mark` and the rest through `plain`."""
    out: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if start < position:
            continue
        out.append(plain(text[position:start]))
        out.append(mark(text[start:end]))
        position = end
    out.append(plain(text[position:]))
    return "".join(out)


def paper_links(paper: Paper) -> list[tuple[str, str]]:
    """(label, address) of every link a paper has: arXiv, DOI, its page, its code."""
    links = []
    if paper.arxiv:
        links.append(("arXiv", f"https://arxiv.org/abs/{paper.arxiv}"))
    if paper.doi:
        links.append(("DOI", f"https://doi.org/{paper.doi}"))
    if paper.url:
        links.append(("Paper", paper.url))
    if paper.code_url:
        links.append(("Code", paper.code_url))
    return links


def published(paper: Paper) -> str:
    """'NeurIPS 2022', 'AAAI 2024', '2023' or '': where and when, without saying a year twice."""
    if paper.venue and paper.year is not None and str(paper.year) not in paper.venue:
        return f"{paper.venue}, {paper.year}"
    return paper.venue or (str(paper.year) if paper.year is not None else "")
