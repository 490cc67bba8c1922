"""Discord: the bot's rules and its transport.

The pure rules (`replies`, `cooldown`, `ballots`, `admin`, `invite`, `sync_state`) never import
discord, so they are tested without it; the transport (`client`, `commands`, `views`, `votes`,
`sync`, `messages`, `checks`, `runner`) is the only code in paperbot that imports discord.
Importing this package imports neither.
"""
