"""The command line: `paperbot` and its subcommands, and the interactive console.
The one transport besides Discord; it starts the Discord bot only through `bot.discord_app.runner`.
"""
