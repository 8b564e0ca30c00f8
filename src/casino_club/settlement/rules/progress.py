"""Mission and event progress: counters advance by what happened, completion is stamped once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

PERIODS = ("daily", "weekly")


def period_start(period: str, today: date) -> date:
    """Local start day of the period containing `today` (weekly periods start on Monday)."""
    return today - timedelta(days=today.weekday()) if period == "weekly" else today


@dataclass(frozen=True)
class Template:
    """A live mission template."""

    id: int
    code: str
    title: str
    metric: str
    target: int
    period: str


@dataclass
class MissionRow:
    """A mission progress counter (id None until inserted)."""

    id: int | None
    value: int
    completed_at: datetime | None
    claimed_at: datetime | None
    dirty: bool = False


@dataclass
class EventRow:
    """A player's open participation in a running event, with its counters."""

    event_id: int
    participation_id: int
    title: str
    requirements: dict[str, int]
    completed_at: datetime | None
    progress: dict[str, int]  # metric -> value, one counter per required metric (made at join)
    progress_ids: dict[str, int] = field(default_factory=dict)  # metric -> counter row id
    dirty: set[str] = field(default_factory=set)
    newly_completed: bool = False
    claimed: bool = False  # claimed earlier in the group: no longer counts


def clean_metrics(metrics: dict[str, int]) -> dict[str, int]:
    """Only positive counts are progress."""
    return {k: int(v) for k, v in metrics.items() if int(v) > 0}


def advance_missions(templates: list[Template], rows: dict[tuple[int, int, date], MissionRow], user_id: int,
                     metrics: dict[str, int], starts: dict[str, date], now: datetime) -> list[dict[str, Any]]:
    """Add `metrics` to the player's mission counters of the current periods; the visible changes."""
    changes = []
    for t in templates:
        inc = metrics.get(t.metric, 0)
        if inc <= 0:
            continue
        start = starts[t.period]
        row = rows.setdefault((t.id, user_id, start), MissionRow(None, 0, None, None))
        row.value += inc
        row.dirty = True
        completed = row.value >= t.target
        if completed and row.completed_at is None:
            row.completed_at = now
        if row.claimed_at is not None:  # already paid this period: keep counting quietly
            continue
        changes.append({"kind": "mission", "id": t.id, "code": t.code, "title": t.title, "metric": t.metric,
                        "value": row.value, "target": t.target, "completed": completed,
                        "period_start": start.isoformat()})
    return changes


def advance_events(events: list[EventRow], metrics: dict[str, int]) -> list[dict[str, Any]]:
    """Add `metrics` to the counters of the player's open events; completion is stamped by the caller's write."""
    changes = []
    for ev in sorted(events, key=lambda e: e.event_id):
        if ev.claimed:
            continue
        touched = [m for m in metrics if m in ev.progress]
        if not touched:
            continue
        for m in touched:
            ev.progress[m] += metrics[m]
            ev.dirty.add(m)
        completed = all(ev.progress.get(m, 0) >= t for m, t in ev.requirements.items())
        if completed and ev.completed_at is None:
            ev.newly_completed = True
        changes.append({"kind": "event", "id": ev.event_id, "title": ev.title, "progress": dict(ev.progress),
                        "requirements": ev.requirements, "completed": completed})
    return changes
