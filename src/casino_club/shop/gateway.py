"""Payment gateway interface and the built-in sandbox.

The sandbox decides by the `CASINO_PAYMENT_MODE` setting (success | decline | pending | random). In random
mode the decision is derived from a SHA-256 of the receipt code (itself drawn from `secrets`): stable for
one receipt, unpredictable across receipts, and never the `random` module.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Protocol

from casino_club.config import Settings


class Decision(StrEnum):
    """What the gateway says about a charge."""

    SUCCESS = "success"
    DECLINED = "declined"
    PENDING = "pending"


class Gateway(Protocol):
    """A payment gateway: start a charge, and poll a charge that is still pending."""

    name: str

    async def charge(self, receipt_code: str, amount_cents: int) -> Decision:
        """Start a charge for a purchase."""
        ...

    async def poll(self, receipt_code: str) -> Decision:
        """Ask for the current state of a pending charge."""
        ...


def _draw(receipt_code: str, purpose: str, n: int) -> int:
    digest = hashlib.sha256(f"sandbox:{purpose}:{receipt_code}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % n


class SandboxGateway:
    """Development gateway: no network; behaviour chosen by the payment mode setting (read per call)."""

    name = "sandbox"

    def __init__(self, settings: Settings):
        self.settings = settings

    async def charge(self, receipt_code: str, amount_cents: int) -> Decision:
        """Decide a new charge by mode; random picks success / declined / pending."""
        mode = self.settings.payment_mode or "success"  # Settings fills it in; None only before validation
        if mode == "random":
            return (Decision.SUCCESS, Decision.DECLINED, Decision.PENDING)[_draw(receipt_code, "charge", 3)]
        return _BY_MODE[mode]

    async def poll(self, receipt_code: str) -> Decision:
        """Decide a pending charge by mode; random settles it as success or declined."""
        mode = self.settings.payment_mode or "success"  # Settings fills it in; None only before validation
        if mode == "random":
            return (Decision.SUCCESS, Decision.DECLINED)[_draw(receipt_code, "poll", 2)]
        return _BY_MODE[mode]


_BY_MODE = {"success": Decision.SUCCESS, "decline": Decision.DECLINED, "pending": Decision.PENDING}


def gateway_for(settings: Settings) -> Gateway:
    """The configured gateway (only the sandbox ships; a real one implements the same two calls)."""
    return SandboxGateway(settings)
