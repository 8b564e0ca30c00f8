"""TOTP codes for tests: the server accepts each 30-second step once (and one step either side of now)."""

from __future__ import annotations

import time

import pyotp

STEP_S = 30
_last_used: dict[str, int] = {}


def fresh_code(secret: str) -> str:
    """A valid code for a step this test run has not used yet (waits for the next step if all are used)."""
    totp = pyotp.TOTP(secret)
    while True:
        now = time.time()
        step = int(now // STEP_S)
        # The previous step only while well inside this one: near its end the server may already be a step on.
        first = step - 1 if now % STEP_S < STEP_S - 5 else step
        candidate = max(first, _last_used.get(secret, first - 1) + 1)
        if candidate <= step + 1:
            _last_used[secret] = candidate
            return totp.generate_otp(candidate)
        time.sleep(1)
