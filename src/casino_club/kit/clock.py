"""The one clock: wall time plus an offset that tests (and dev endpoints) can move."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    """UTC now() with a movable offset; local day boundaries in the operator timezone."""

    def __init__(self, tz: ZoneInfo, offset: timedelta = timedelta(0)):
        self.tz = tz
        self.offset = offset

    def now(self) -> datetime:
        """Current UTC time, shifted by the offset."""
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        """Move time forward (or back) for every later now()."""
        self.offset += delta

    def set_offset(self, delta: timedelta) -> None:
        """Set the absolute offset from wall time."""
        self.offset = delta

    def local_now(self) -> datetime:
        """Now in the operator timezone."""
        return self.now().astimezone(self.tz)

    def today(self) -> date:
        """The operator's local calendar day."""
        return self.local_now().date()

    def local_midnight_utc(self, day: date) -> datetime:
        """The UTC instant at which the given local day starts."""
        return datetime(day.year, day.month, day.day, tzinfo=self.tz).astimezone(UTC)
