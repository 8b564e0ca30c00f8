"""Wire protocol of /api/realtime/sync: envelopes, message types and close codes.

Server → client envelope: `{"id", "seq", "type", "ts", "data"}`. Outbox events carry `id` = the outbox
`event_id` and `seq` = the player's sequence number (+1 per event, gap-free). Control messages
(`sync_connected`, `snapshot`, `resumed`, `resync_required`, `ping`, `pong`, `error`, and the live
`crash_tick` of an open crash round) carry `seq: null`: they are not stored and never replayed.

A burst of `profile_update` events is coalesced (see `Connection` in `connection.py`): only the last of a run of
consecutive `profile_update` seqs is sent, with `coalesced_from` = the first seq it replaces. A client's rule is
therefore exact and simple: accept an event when `(coalesced_from or seq) == last_seq + 1`, then set
`last_seq = seq`; skipped `profile_update` seqs are satisfied by the later, complete profile.

Client → server: `{"type": "resume", "last_seq": N}`, `{"type": "ping"}`, `{"type": "pong"}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casino_club.kit import jsonfast
from casino_club.kit.ids import new_uuid

# Close codes (4xxx are application codes; 1xxx from RFC 6455).
CLOSE_NORMAL = 1000
CLOSE_UNSUPPORTED = 1003  # binary frame
CLOSE_BAD_PAYLOAD = 1007  # not JSON / not an object
CLOSE_TOO_BIG = 1009  # frame larger than ws_max_message_bytes
CLOSE_INTERNAL = 1011  # the server could not read the database; reconnect and resume
CLOSE_BAD_MESSAGE = 4400  # well-formed JSON but not a valid message (e.g. resume without an integer last_seq)
CLOSE_UNAUTHORIZED = 4401  # missing/invalid/expired token, session logged out or expired
CLOSE_FORBIDDEN = 4403  # Origin not allowed, or account banned
CLOSE_IDLE = 4408  # no frame from the client within ws_idle_timeout_s
CLOSE_RATE_LIMITED = 4429  # more frames than ws_rate_per_s (burst ws_rate_burst)

PROFILE_UPDATE = "profile_update"
EVENT_TYPES = ("profile_update", "reward_granted", "purchase_update", "streak_update", "game_update",
               "event_progress", "notification", "level_up")


def dumps(obj: dict[str, Any]) -> str:
    """Compact JSON for the wire."""
    return jsonfast.dumps(obj)


def control(type_: str, now: datetime, data: dict[str, Any] | None = None) -> str:
    """A serialized control envelope (seq null)."""
    return dumps({"id": new_uuid(), "seq": None, "type": type_, "ts": now.isoformat(), "data": data or {}})


@dataclass(slots=True)
class Event:
    """An outbox event on its way to sockets; serialized once however many sockets get it."""

    seq: int
    type: str
    envelope: dict[str, Any]
    _text: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, envelope: dict[str, Any]) -> Event:
        """Wrap a published envelope."""
        return cls(int(envelope["seq"]), str(envelope["type"]), envelope)

    def text(self, coalesced_from: int | None = None) -> str:
        """Wire form; with `coalesced_from` when it stands for earlier profile_update seqs too."""
        if coalesced_from is not None:
            return dumps({**self.envelope, "coalesced_from": coalesced_from})
        if self._text is None:
            self._text = dumps(self.envelope)
        return self._text
