"""The base of every error a user can fix: its message says where and why, in one line."""


class PaperbotError(Exception):
    """Bad input (a corpus file, a setting, a command's argument); the CLI exits with code 2."""
