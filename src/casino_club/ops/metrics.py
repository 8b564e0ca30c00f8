"""Prometheus metrics exported at /metrics (one registry per process)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUEST_LATENCY = Histogram(
    "casino_http_request_duration_seconds", "HTTP request latency by route template",
    ["method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
GAME_ROUNDS = Counter("casino_game_rounds_total", "Game rounds settled", ["game", "result"])
GAME_WAGER = Counter("casino_game_wager_gold_total", "Gold wagered", ["game"])
ROUND_BATCH_SIZE = Histogram("casino_round_batch_size", "Plans (gold-moving requests) settled per settlement group",
                             buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256))
GAME_PAYOUT = Counter("casino_game_payout_gold_total", "Gold paid out", ["game"])
PURCHASES = Counter("casino_purchases_total", "Purchase attempts by result and reason code", ["result", "reason"])
WS_CONNECTIONS = Gauge("casino_ws_connections", "Open realtime WebSocket connections")
WS_REFUSED = Counter("casino_ws_refused_total", "Realtime sockets refused at open, by reason",
                     ["reason"])  # origin, token, banned, cursor
OUTBOX_LAG = Gauge("casino_outbox_lag_seconds", "Age of the oldest unpublished outbox event")
LOGIN_FAILURES = Counter("casino_login_failures_total", "Failed login attempts")
LEDGER_GOLD = Counter("casino_ledger_gold_total", "Gold moved through the ledger", ["reason", "direction"])
DB_STATEMENTS = Counter("casino_db_statements_total",
                        "SQL statements sent to the database (engine executions plus raw-driver calls that report)")


def count_statements(n: int = 1) -> None:
    """Count n statements sent outside SQLAlchemy's cursor events (raw asyncpg/aiosqlite calls)."""
    DB_STATEMENTS.inc(n)
