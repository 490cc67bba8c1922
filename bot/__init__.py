"""paperbot: answer questions about a researcher's papers, in Discord or a local console."""

__version__ = "0.1.0"
