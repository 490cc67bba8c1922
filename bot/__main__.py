"""`python -m bot`: the `paperbot` command."""

from bot.cli.main import main

raise SystemExit(main())
