"""The Discord transport: the only part of paperbot that imports discord."""

from bot.discord_app.client import PaperClient
from bot.discord_app.runner import StartupError, create_client, run, serve

__all__ = ["PaperClient", "StartupError", "create_client", "run", "serve"]
