"""What the round batcher queues and what each queued round comes back as."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from casino_club.kit.errors import DomainError


@dataclass
class RoundJob:
    """One slot / RPS request waiting for a group commit (bet and choice already validated)."""

    user_id: int
    session_id: str
    game: str
    stake: int
    choice: str | None
    scope: str
    key: str | None = None
    fingerprint: str | None = None
    future: asyncio.Future[Outcome] | None = field(default=None, repr=False)


class Slow:
    """Settle this job on the one-round path (cases the batch leaves to it: first round, events, races)."""


SLOW = Slow()


@dataclass(frozen=True)
class Answer:
    """A committed (or replayed) response."""

    status: int
    body: Any
    replayed: bool = False


Outcome = Answer | DomainError | Slow
