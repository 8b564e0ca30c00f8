"""Redis pub/sub bus: one channel per deployment (prefix), reconnecting with backoff when Redis goes away."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterable
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from casino_club.bus.base import BusMessage, _Fanout
from casino_club.kit import jsonfast

log = structlog.get_logger("casino_club.bus")

# Errors meaning "Redis is unreachable right now"; anything else is a bug and propagates (job supervisor logs it).
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


ACK = "_ack"  # control-message field naming the list a receiver confirms on (publish_control's confirm_s)
ACK_TTL_S = 30  # an ack list nobody waits on any more disappears

PACK = 200  # envelopes per pub/sub message when publishing many (one message per event cost a round trip each)


def _encode(user_id: int | None, payload: dict[str, Any]) -> str:
    return jsonfast.dumps({"u": user_id, "p": payload})


def _encode_pack(items: list[tuple[int, dict[str, Any]]]) -> str:
    # "<user ids>\n<json>": a receiver holding no socket for any of them skips the message undecoded
    # (with several instances, most packs concern players connected elsewhere).
    header = ",".join(dict.fromkeys(str(user_id) for user_id, _ in items))
    return f"{header}\n{jsonfast.dumps({'m': items})}"


async def _as_is(message: Any) -> Any:
    """RESP3 push handler that hands a pub/sub message on untouched.

    redis-py's default one builds a debug line from `str(message)` for every message, even with debug
    logging off: for a group commit's pack of events that was ~1 % of a spin's CPU.
    """
    return message


class RedisBus(_Fanout):
    """Every instance subscribes to one channel and keeps the messages for players it holds sockets for.

    Pub/sub is at-most-once: a message published while an instance is disconnected is lost for it. That is
    fine because the outbox table is the truth: after a reconnect the hub re-reads what its sockets missed.
    """

    def __init__(self, redis: Redis, channel: str, backoff_max_s: float = 5.0) -> None:
        super().__init__()
        self.redis = redis
        self.channel = channel
        self.backoff_max_s = backoff_max_s
        self.connected = asyncio.Event()
        self._confirming: set[asyncio.Task[None]] = set()

    async def publish(self, user_id: int, envelope: dict[str, Any]) -> None:
        await self.redis.publish(self.channel, _encode(user_id, envelope))

    async def publish_many(self, items: Iterable[tuple[int, dict[str, Any]]]) -> None:
        # Envelopes travel in packs (one message each) over one pipeline; pack and pipeline order are
        # publish order, so per-player seq order holds.
        batch = list(items)
        async with self.redis.pipeline(transaction=False) as pipe:
            for start in range(0, len(batch), PACK):
                pipe.publish(self.channel, _encode_pack(batch[start:start + PACK]))
            await pipe.execute()

    async def publish_control(self, message: dict[str, Any], confirm_s: float = 0.0) -> None:
        if confirm_s <= 0:
            await self.redis.publish(self.channel, _encode(None, message))
            return
        # PUBLISH answers how many subscribers (instances, this one included) got the message; each pushes
        # one item onto the ack list after its handlers ran, and we wait for that many.
        ack = f"{self.channel}:ack:{uuid.uuid4().hex}"
        receivers = await self.redis.publish(self.channel, _encode(None, {**message, ACK: ack}))
        deadline = time.monotonic() + confirm_s
        confirmed = 0
        try:
            while confirmed < receivers:
                left = deadline - time.monotonic()
                if left <= 0 or await self.redis.blpop([ack], timeout=left) is None:
                    log.warning("bus_control_unconfirmed", receivers=receivers, confirmed=confirmed)
                    return
                confirmed += 1
        finally:
            await self.redis.delete(ack)

    async def run(self) -> None:
        """Subscribe and dispatch forever; on a lost connection retry with exponential backoff."""
        delay = 0.05
        first = True
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True, push_handler_func=_as_is)
            try:
                await pubsub.subscribe(self.channel)
                self.connected.set()
                if not first:
                    log.info("bus_redis_reconnected", channel=self.channel)
                first = False
                self._reconnected()  # messages published while we were away are lost: let the hub re-read
                delay = 0.05
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is not None and message.get("type") == "message":
                        self._handle(message["data"])
            except REDIS_DOWN as exc:
                log.warning("bus_redis_unavailable", error=repr(exc), retry_in_s=delay)
            finally:
                self.connected.clear()
                with contextlib.suppress(*REDIS_DOWN):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_max_s)

    def _handle(self, raw: bytes | str) -> None:
        if isinstance(raw, str):
            raw = raw.encode()
        try:
            if not raw.startswith(b"{"):  # a pack: user-id header line, then the JSON
                header, _, raw = raw.partition(b"\n")
                if not self._wanted(int(uid) for uid in header.split(b",")):
                    return
            decoded = jsonfast.loads(raw)
            messages = decoded["m"] if "m" in decoded else [(decoded["u"], decoded["p"])]
            parsed = [BusMessage(user_id, payload) for user_id, payload in messages]
        except (ValueError, KeyError, TypeError):
            log.warning("bus_bad_message", size=len(raw))
            return
        for message in parsed:
            self._dispatch(message)
            if message.is_control and isinstance(message.payload.get(ACK), str):
                self._confirm(message.payload[ACK])

    def _confirm(self, ack: str) -> None:
        """Tell the publisher this instance ran its handlers for a control message it waits on."""
        async def push() -> None:
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    pipe.rpush(ack, 1)
                    pipe.expire(ack, ACK_TTL_S)
                    await pipe.execute()
            except REDIS_DOWN as exc:  # the publisher stops waiting at its deadline
                log.warning("bus_control_confirm_failed", error=repr(exc))
        task = asyncio.create_task(push(), name="bus-confirm")
        self._confirming.add(task)
        task.add_done_callback(self._confirming.discard)
