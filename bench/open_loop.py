"""Open-loop load: requests sent at a fixed arrival rate whatever the answers, latency from the scheduled time.

A small asyncio generator (uvloop when installed) on raw keep-alive HTTP/1.1 sockets: arrival k is due at
t0 + k / rate and is sent on an idle pooled connection (a new one when all are busy), so a slow server gets
more requests in flight instead of fewer (no coordinated omission). It also reports how late the generator
itself sent each request (`send_lag`): when that stays around a millisecond the generator is not the bottleneck.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_CONNECTIONS = 256  # bound on sockets the generator opens; past it arrivals wait (and that wait is counted)
PREWARM = 16  # sockets opened before the first arrival, so the run does not start with a connect storm


@dataclass
class OpenResult:
    """One open-loop run: target and achieved rate, latencies (ms) and answers by status key."""

    target_rps: float
    sent: int
    seconds: float
    latencies_ms: list[float]
    send_lag_ms: list[float]
    statuses: dict[str, int] = field(default_factory=dict)
    connections: int = 0
    cpu_seconds: float = 0.0  # CPU the generator's process used during the run (it does nothing else then)

    @staticmethod
    def _pct(values: list[float], q: float) -> float:
        if not values:
            return float("nan")
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    def pct(self, q: float) -> float:
        """Latency percentile in ms (scheduled send → whole answer read)."""
        return self._pct(self.latencies_ms, q)

    def lag(self, q: float) -> float:
        """Percentile of how late the generator sent requests (ms)."""
        return self._pct(self.send_lag_ms, q)


class _Conn:
    """Keep-alive HTTP/1.1 connection; answers must carry Content-Length (uvicorn's do)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        self.writer.write(head + body)
        header = await self.reader.readuntil(b"\r\n\r\n")
        status = int(header.split(b" ", 2)[1])
        length = 0
        for line in header.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)


# A request maker gets (arrival index) and returns (method, path, token, body, status-key prefix); the
# callback sees (arrival index, status, body) so stateful kinds (crash bet → cash-out) can chain.
Maker = Callable[[int], tuple[str, str, str | None, str | None, str]]
Seen = Callable[[int, int, bytes], None]


async def _run(host: str, port: int, rate: float, seconds: float, make: Maker, seen: Seen | None) -> OpenResult:
    idle: list[_Conn] = []
    opened = 0
    slots = asyncio.Semaphore(MAX_CONNECTIONS)
    run_id = uuid.uuid4().hex[:12]
    result = OpenResult(target_rps=rate, sent=0, seconds=seconds, latencies_ms=[], send_lag_ms=[])

    async def fire(k: int, due: float) -> None:
        nonlocal opened
        result.send_lag_ms.append((time.perf_counter() - due) * 1000)
        method, path, token, body, prefix = make(k)
        payload = (body or "").encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(payload)}"]
        if token:
            lines.append(f"Authorization: Bearer {token}")
        if method != "GET":
            lines += ["Content-Type: application/json", f"Idempotency-Key: {run_id}-{k}"]
        async with slots:
            conn = idle.pop() if idle else None
            if conn is None:
                conn = _Conn(*await asyncio.open_connection(host, port))
                opened += 1
            try:
                status, answer = await conn.request(("\r\n".join(lines) + "\r\n\r\n").encode(), payload)
            except (OSError, asyncio.IncompleteReadError):
                result.statuses[prefix + "socket_error"] = result.statuses.get(prefix + "socket_error", 0) + 1
                conn.writer.close()
                return
            idle.append(conn)
        result.latencies_ms.append((time.perf_counter() - due) * 1000)
        key = prefix + str(status)
        result.statuses[key] = result.statuses.get(key, 0) + 1
        if seen:
            seen(k, status, answer)

    for _ in range(PREWARM):
        idle.append(_Conn(*await asyncio.open_connection(host, port)))
    opened = PREWARM
    total = max(1, int(rate * seconds))
    tasks = []
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for k in range(total):
        due = t0 + k / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(fire(k, due)))
    # The arrival window (last due time + one interval): the achieved rate is what was sent in it.
    result.seconds = max(time.perf_counter() - t0, total / rate)
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=seconds + 30)
    result.sent, result.connections, result.cpu_seconds = total, opened, time.process_time() - cpu0
    for conn in idle:
        conn.writer.close()
    return result


def run_open_loop(base_url: str, rate: float, seconds: float, make: Maker, seen: Seen | None = None) -> OpenResult:
    """Send rate × seconds requests at a fixed rate against base_url (127.0.0.1 only) and time them."""
    host, port = base_url.removeprefix("http://").split(":")
    if host != "127.0.0.1":
        raise ValueError("open-loop load only against 127.0.0.1")
    try:
        import uvloop  # uvicorn[standard] brings it; the generator's own overhead is then ~half asyncio's
    except ImportError:
        return asyncio.run(_run(host, int(port), rate, seconds, make, seen))
    return uvloop.run(_run(host, int(port), rate, seconds, make, seen))
