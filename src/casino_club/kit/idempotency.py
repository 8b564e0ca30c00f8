"""Idempotent writes: one effect and one response per (caller, Idempotency-Key), across instances."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.db import core_table, rows_matched
from casino_club.kit.errors import (
    DomainError,
    IdempotencyInFlight,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
)
from casino_club.kit.http_errors import domain_response
from casino_club.kit.idempotency_models import IdempotencyRecord
from casino_club.kit.jsonfast import FastJSONResponse
from casino_club.kit.runtime import Runtime

HEADERS = ("idempotency-key", "x-idempotency-key")
REPLAYED = "Idempotent-Replayed"


class KeepEffects:
    """Mixin for a DomainError whose transaction still commits (e.g. a declined payment is recorded)."""

    keep_effects = True


class _KeyRace(Exception):
    """Another first attempt with this key inserted its record first (this transaction must start over)."""


class LeaseLost(IdempotencyInFlight):
    """Another request took over this key after our lease expired; our transaction must not commit."""


def request_key(request: Request) -> str | None:
    """The Idempotency-Key (or X-Idempotency-Key) header, validated."""
    for name in HEADERS:
        value = request.headers.get(name)
        if value is not None:
            if not (1 <= len(value) <= 255) or not value.isprintable():
                raise InvalidIdempotencyKey()
            return value
    return None


async def fingerprint(request: Request) -> str:
    """SHA-256 over method, path and the canonical JSON body (formatting does not matter)."""
    raw = await request.body()
    try:
        # The standard library, not orjson: orjson reads integers beyond 64 bits as floats, so two bodies
        # differing in a huge number would share a fingerprint.
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")) if raw else ""
    except (ValueError, UnicodeDecodeError):
        body = raw.hex()
    # The scope's path: request.url.path builds the whole URL to give the same text (bar escaped ?, # and \).
    material = f"{request.method}\n{request.scope['path']}\n{body}"
    return hashlib.sha256(material.encode()).hexdigest()


def user_scope(user_id: int) -> str:
    """Idempotency scope of a player's writes (keys are unique per caller)."""
    return f"user:{user_id}"


def stored_outcome(record: Any, fp: str, now: datetime) -> str:
    """What an existing record means for a request with fingerprint `fp`: "done" (replay its response)
    or "abandoned" (its first attempt died: take over); raises 422 for another body, 409 while in flight."""
    if record.fingerprint != fp:
        raise IdempotencyKeyReused({"key_scope": "per user"})
    if record.state == "done":
        return "done"
    if record.locked_until > now:
        raise IdempotencyInFlight()
    return "abandoned"


_k = core_table(IdempotencyRecord).c
STORED = select(_k.fingerprint, _k.state, _k.status_code, _k.response, _k.locked_until).where(
    _k.scope == bindparam("scope"), _k.key == bindparam("key"))


async def stored_replay(rt: Runtime, scope: str, key: str, fp: str) -> Response | None:
    """The stored answer of a finished first attempt with this key (422 for another body), else None."""
    rows = await rt.read(STORED, {"scope": scope, "key": key})  # one Core statement (no ORM session)
    record = rows[0] if rows else None
    if record is None or record.state != "done":
        return None
    if stored_outcome(record, fp, rt.clock.now()) != "done":
        return None  # pragma: no cover - a done record is "done" or raises for another body
    return FastJSONResponse(record.response, status_code=record.status_code or 200, headers={REPLAYED: "true"})


def _encode(result: Any) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    return jsonable_encoder(result)


class Writer:
    """Runs one state-changing request body inside a transaction, guarded by its idempotency key."""

    def __init__(self, rt: Runtime, request: Request, scope: str):
        self.rt = rt
        self.request = request
        self.scope = scope

    async def run(self, fn: Callable[[AsyncSession], Awaitable[Any]], status_code: int = 200,
                  admit: Callable[[], Awaitable[None]] | None = None) -> Response:
        """Execute fn(session) exactly once per key; replays return the first response.

        `admit` (e.g. a rate limit) runs only for a first attempt, never for a replay: a client retrying
        with its key gets its stored answer instead of being counted again.
        """
        key = request_key(self.request)
        if key is None:
            if admit is not None:
                await admit()
            result = await self.run_unkeyed(fn)
            return self._respond(result, status_code)
        fp = await fingerprint(self.request)
        admitted = False
        for _ in range(3):
            try:
                async with self.rt.transaction() as session:
                    record_id, lease, replay = await self._claim(session, key, fp)
                    if replay is not None:
                        return replay
                    if admit is not None and not admitted:
                        await admit()
                        admitted = True
                    try:
                        result = await fn(session)
                    except DomainError as exc:
                        if not getattr(exc, "keep_effects", False):
                            raise
                        response = domain_response(self.request, exc)
                        await self._finish(session, record_id, lease, response.status_code,
                                           json.loads(bytes(response.body)))
                        return response
                    body = _encode(result)
                    await self._finish(session, record_id, lease, status_code, body)
                return FastJSONResponse(body, status_code=status_code)
            except _KeyRace:
                continue  # a concurrent first attempt with this key committed first: replay it on the next pass
        raise IdempotencyInFlight()

    async def run_unkeyed(self, fn: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        """Run fn in one transaction without storing a response; KeepEffects errors still commit."""
        async with self.rt.transaction() as session:
            try:
                return await fn(session)
            except DomainError as exc:
                if not getattr(exc, "keep_effects", False):
                    raise
                return domain_response(self.request, exc)

    def _respond(self, result: Any, status_code: int) -> Response:
        if isinstance(result, Response):
            return result
        return FastJSONResponse(_encode(result), status_code=status_code)

    async def _claim(self, session: AsyncSession, key: str,
                     fp: str) -> tuple[int, datetime, Response | None]:
        """Record the key as in flight inside the effect's own transaction (record id, lease, or the replay).

        The record, the effect and the stored answer commit or roll back together: a request that dies (an
        error, a lost database, a killed server) leaves nothing behind, so its retry runs at once. A concurrent
        first attempt with the same key waits on the unique key and then replays the committed answer.
        """
        now = self.rt.clock.now()
        lease = now + timedelta(seconds=self.rt.settings.idempotency_lock_s)
        record = (await session.execute(select(IdempotencyRecord).where(
            IdempotencyRecord.scope == self.scope, IdempotencyRecord.key == key))).scalar_one_or_none()
        if record is not None:
            if stored_outcome(record, fp, now) == "done":
                return record.id, lease, FastJSONResponse(record.response, status_code=record.status_code or 200,
                                                          headers={REPLAYED: "true"})
            # An in-flight record committed by an older version whose request died: take over its lease.
            taken = await session.execute(update(IdempotencyRecord).where(
                IdempotencyRecord.id == record.id, IdempotencyRecord.state == "in_flight",
                IdempotencyRecord.locked_until == record.locked_until).values(locked_until=lease))
            if rows_matched(taken) != 1:
                raise IdempotencyInFlight()
            return record.id, lease, None
        record = IdempotencyRecord(scope=self.scope, key=key, fingerprint=fp, state="in_flight", created_at=now,
                                   locked_until=lease)
        session.add(record)
        try:
            await session.flush()
        except IntegrityError as exc:
            raise _KeyRace() from exc
        return record.id, lease, None

    async def _finish(self, session: AsyncSession, record_id: int, lease: datetime, status: int,
                      body: Any) -> None:
        done = await session.execute(update(IdempotencyRecord).where(
            IdempotencyRecord.id == record_id, IdempotencyRecord.state == "in_flight",
            IdempotencyRecord.locked_until == lease).values(state="done", status_code=status, response=body))
        if rows_matched(done) != 1:
            raise LeaseLost()
