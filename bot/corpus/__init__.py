"""The papers: the `Paper` model, loading and validating corpus files (TOML, JSON Lines),
identifiers (DOI, arXiv, titles), BibTeX reading, importing and appending to a corpus file.
May import `bot.text`; never the search, rendering or transports.
"""
