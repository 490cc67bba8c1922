"""A loopback stand-in of the Discord API, and the harness that runs the real bot against it.

- `payloads`: Discord's objects (users, members, guilds, messages) as the gateway carries them.
- `rules`: what Discord refuses (message limits, empty messages, components, privileged intents).
- `server`: `StandIn`, the REST API and gateway on 127.0.0.1, recording every request.
- `harness`: the bot started as `paperbot serve` starts it, pointed at a `StandIn`.

The `test_*.py` files here check the stand-in itself against Discord's documented behaviour.
"""
