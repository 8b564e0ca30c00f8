"""Message bus between app instances (in-process or Redis pub/sub) and the outbox relay feeding it."""
