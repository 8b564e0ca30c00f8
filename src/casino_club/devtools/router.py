"""Development-only clock control: POST /api/test/clock/advance moves this instance's clock.

Mounted only when settings.dev_endpoints_enabled; subprocess tests use it to move time (token expiry, day
boundaries). The clock is per process: with several instances, advance each. Hidden from the OpenAPI document
so schema fuzzing never moves the clock under other tests.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from casino_club.kit.runtime import Runtime, get_runtime

router = APIRouter(prefix="/api/test/clock", tags=["dev"], include_in_schema=False)

MAX_SHIFT_S = 400 * 86400


class AdvanceIn(BaseModel):
    """How far to move the clock (negative moves it back)."""

    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(ge=-MAX_SHIFT_S, le=MAX_SHIFT_S, allow_inf_nan=False)


class ClockOut(BaseModel):
    """The instance clock after the change."""

    now: datetime
    offset_seconds: float


def _out(rt: Runtime) -> ClockOut:
    return ClockOut(now=rt.clock.now(), offset_seconds=rt.clock.offset.total_seconds())


@router.post("/advance", response_model=ClockOut)
async def advance_clock(body: AdvanceIn, rt: Runtime = Depends(get_runtime)) -> ClockOut:
    """Move the clock by `seconds`."""
    rt.clock.advance(timedelta(seconds=body.seconds))
    return _out(rt)


@router.get("", response_model=ClockOut)
async def read_clock(rt: Runtime = Depends(get_runtime)) -> ClockOut:
    """The instance clock."""
    return _out(rt)
