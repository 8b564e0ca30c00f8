"""A plan: one request turned into what the settlement unit of work applies (validated, outcome-ready)."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from casino_club.kit.errors import DomainError
from casino_club.settlement.store import Read, Write

if TYPE_CHECKING:
    from casino_club.settlement.unit import Unit


@dataclass(frozen=True)
class Answer:
    """A committed (or replayed) response."""

    status: int
    body: Any
    replayed: bool = False


Outcome = Answer | DomainError


def error_answer(exc: DomainError, lang: str, request_id: str | None = None) -> Answer:
    """A domain error as a stored answer (its effects are committed, e.g. a declined payment stays recorded)."""
    return Answer(exc.status, {"error": {"code": exc.code, "message": exc.message(lang), "details": exc.details,
                                         "request_id": request_id}})


@dataclass(kw_only=True)
class Plan(ABC):
    """Base of every plan. Subclasses say what they read and write beyond the core, and `apply` the rules.

    `apply` runs against the group's locked, in-memory state and must raise a DomainError only before its
    first change (a check first, then the moves): a plan that fails leaves nothing behind.
    """

    user_id: int
    session_id: str | None = None  # the caller's session, checked live inside the transaction (None: a job)
    caller_id: int | None = None  # whose session it is when not the player's own (an admin acting on a player)
    scope: str = ""
    key: str | None = None
    fingerprint: str | None = None
    lang: str = "ko"  # the request's language, for texts in answers (plans run outside the request's context)
    # "done": the answer is final. "hold": the key stays in flight (under its lease) until a later plan with
    # "finish" and the same key stores the final answer (a payment that waits on the gateway in between).
    key_mode: str = "done"
    future: asyncio.Future[Any] | None = field(default=None, repr=False, compare=False)

    metrics: ClassVar[tuple[str, ...]] = ()  # progress metrics the plan may report (mission templates read)
    reads: ClassVar[tuple[Read, ...]] = ()
    writes: ClassVar[tuple[Write, ...]] = ()

    def authorize(self, unit: Unit) -> None:
        """Refuse the caller (a DomainError) before anything else of the plan is looked at; by default anyone."""
        return

    def players(self) -> tuple[int, ...]:
        """Every player the plan changes, locked in the group's read (by default the one it is for)."""
        return (self.user_id,)

    def extra_reads(self) -> tuple[Read, ...]:
        """The extra read parts this plan needs (by default the class's `reads`)."""
        return self.reads

    @classmethod
    def finish(cls, unit: Unit) -> None:
        """Before the group writes: turn what plans of this class gathered in the unit into rows (once per class)."""
        return  # most plans write their rows as they apply

    def ref_ids(self) -> tuple[int, ...]:
        """Ids of feature rows the plan's extra reads look up (bound as parameter $10)."""
        return ()

    def new_ids(self) -> dict[str, int]:
        """How many new row ids the plan needs, per table (reserved in the group's read)."""
        return {}

    @abstractmethod
    def apply(self, unit: Unit) -> Answer:
        """Apply the rules to the unit's state; the answer to store and send."""
