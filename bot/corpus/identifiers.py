"""DOIs, arXiv ids and titles in the canonical forms that tell whether two records are one paper.

The same paper reaches a corpus through Zotero, Google Scholar, arXiv and hand edits, each writing
its identifiers a little differently ("https://doi.org/10.1/X" and "10.1/x"; "arXiv:2101.00001v2"
and "2101.00001"; "{BERT}: Pre-training" and "BERT: pre-training").
"""

from __future__ import annotations

import re

from bot.text.normalise import LETTERS_AND_DIGITS, normalise

_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
# A DOI inside a publisher's link: doi.org/..., dl.acm.org/doi/pdf/..., pnas.org/doi/...,
# biorxiv.org/content/10.1101/...v2.full.pdf.
_DOI_IN_URL = re.compile(
    r"^(?:https?://)?(?:[\w-]+\.)*[\w-]+\.\w+/(?:.*?/)?(?:doi(?:/(?:abs|full|pdf|epdf|book))?|content)"
    r"/(10\.\d{4,9}/[^\s?#]+)|^(?:https?://)?(?:dx\.)?doi\.org/(10\.\d{4,9}/[^\s?#]+)",
    re.IGNORECASE,
)
_PREPRINT_SUFFIX = re.compile(r"(?:v\d+)?(?:\.full(?:\.pdf)?|\.abstract|\.pdf)?/?$", re.IGNORECASE)
# New-style ids (2007 on) and old-style ones such as hep-th/9901001 or math.GT/0309136.
_ARXIV_ID = r"(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7})"
_ARXIV_EXACT = re.compile(rf"(?:arxiv:\s*)?({_ARXIV_ID})(?:v\d+)?", re.IGNORECASE)
# Where an arXiv id shows up in other fields: an abs/pdf URL, an arXiv DOI, "arXiv:ID" in a
# Google Scholar journal or a Zotero note, "abs/ID" in a DBLP volume.
_ARXIV_IN_TEXT = re.compile(
    rf"(?:arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.|arxiv:\s*|(?<![\w/.])abs/)({_ARXIV_ID})(?![\d/])",
    re.IGNORECASE,
)


def normalize_doi(text: str) -> str | None:
    """'https://doi.org/10.1145/X' or 'doi:10.1145/X' -> '10.1145/X'; None if it is no DOI."""
    bare = _DOI_PREFIX.sub("", text.strip()).strip()
    return bare if _DOI.fullmatch(bare) else None


def normalize_arxiv(text: str) -> str | None:
    """'arXiv:2101.00001v2' -> '2101.00001' (no version); None if it is no arXiv id."""
    match = _ARXIV_EXACT.fullmatch(text.strip())
    return match.group(1) if match else None


def doi_in(text: str | None) -> str | None:
    """The DOI of a doi.org link or of a publisher's link that holds one, if `text` is one."""
    if not text:
        return None
    text = text.strip()
    if _DOI_PREFIX.match(text):
        return normalize_doi(text)
    match = _DOI_IN_URL.match(text)
    if match is None:
        return None
    doi = match.group(1) or match.group(2)
    if doi.startswith("10.1101/"):  # bioRxiv and medRxiv: the version and format are no part
        doi = _PREPRINT_SUFFIX.sub("", doi)
    return normalize_doi(doi)


def arxiv_in(text: str | None) -> str | None:
    """The arXiv id mentioned in a URL, an arXiv DOI or a note such as 'arXiv preprint arXiv:ID'."""
    if not text:
        return None
    match = _ARXIV_IN_TEXT.search(text)
    return match.group(1) if match else None


def title_key(title: str) -> str:
    """A title reduced to lower-case ASCII words: equal keys mean the same title."""
    from bot.text.cleaning import (
        latex_to_text,  # pylatexenc loads slowly; the loader never needs it
    )

    return normalise(latex_to_text(title), strip_accents=True, words=LETTERS_AND_DIGITS)


def doi_key(doi: str) -> str:
    return doi.casefold()  # DOIs are case-insensitive


def arxiv_key(arxiv_id: str) -> str:
    return arxiv_id.casefold()
