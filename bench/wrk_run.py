"""One closed-loop wrk run (bench/wrk/kinds.lua): per-connection lines in, JSON summary out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

LUA = Path(__file__).resolve().parent / "wrk" / "kinds.lua"
WRK = shutil.which("wrk") or "/usr/bin/wrk"


@dataclass
class Conn:
    """What one connection sends: its player's token (or None), path and JSON body."""

    token: str | None
    path: str
    body: str | None = None


@dataclass
class WrkResult:
    """wrk's summary of one run: counts, latency percentiles (ms) and answers by status."""

    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]
    socket_errors: dict[str, int] = field(default_factory=dict)

    def ok(self, expected: frozenset[str]) -> int:
        """Answers whose status key (e.g. "200", "cashout:409") is one the kind expects."""
        return sum(n for key, n in self.statuses.items() if key in expected)

    def rate(self, expected: frozenset[str]) -> float:
        """Expected answers per second."""
        return self.ok(expected) / self.seconds if self.seconds else 0.0


def run_wrk(base_url: str, conns: list[Conn], *, connections: int, seconds: float, method: str = "GET",
            mode: str = "plain", timeout_s: float = 10.0) -> WrkResult:
    """Run wrk with one thread per connection (so each connection keeps its own token) and parse its summary."""
    with tempfile.TemporaryDirectory(prefix="wrk-bench-") as tmp:
        lines = Path(tmp) / "conns.tsv"
        lines.write_text("".join(f"{c.token or '-'}\t{c.path}\t{c.body or '-'}\n" for c in conns))
        out = Path(tmp) / "out.json"
        env = {**os.environ, "WRK_CONNS_FILE": str(lines), "WRK_METHOD": method, "WRK_MODE": mode,
               "WRK_RUN_ID": uuid.uuid4().hex[:12], "WRK_OUT": str(out)}
        cmd = [WRK, "-t", str(connections), "-c", str(connections), "-d", f"{seconds:g}s",
               "--timeout", f"{timeout_s:g}s", "-s", str(LUA), base_url + conns[0].path]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + timeout_s + 30)
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
        data = json.loads(out.read_text())
    lat = data["latency_us"]
    return WrkResult(requests=data["requests"], seconds=data["duration_us"] / 1e6, p50_ms=lat["p50"] / 1000,
                     p90_ms=lat["p90"] / 1000, p99_ms=lat["p99"] / 1000, max_ms=lat["max"] / 1000,
                     statuses=data["statuses"], socket_errors={k: v for k, v in data["errors"].items() if v and k != "status"})  # non-2xx: in statuses
