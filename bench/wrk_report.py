"""Tables and issue 18's targets for bench/wrk_bench.py results."""

from __future__ import annotations

from typing import Any

WRITE_RATIO, READ_RATIO = 0.20, 0.40  # × /health rps of the same server in the same run
TAIL_FACTOR = 3.0  # closed loop: p99 ≤ 3 × p50
OPEN_P99_MS = 50.0  # open loop at 50 % of capacity
CENSORED_SHARE = 0.5  # a closed-loop p99 at or past half the run length is cut off by the run's end


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target check of one backend: (target, kind, connections, value, limit, PASS/FAIL)."""
    checks: list[dict[str, Any]] = []

    def check(target: str, kind: str, conns: str, value: float | None, limit: float, ok: bool) -> None:
        checks.append({"target": target, "kind": kind, "connections": conns, "value": value, "limit": limit,
                       "result": "PASS" if ok else "FAIL"})

    for conns, rows in result["closed"].items():
        for row in rows:
            limit = READ_RATIO if row["group"] == "read" else WRITE_RATIO
            ratio = row["ratio"] or 0.0
            check(f"rps ≥ {limit:.2f} × /health", row["kind"], conns, ratio, limit, ratio >= limit)
            tail = row["p99_ms"] / row["p50_ms"] if row["p50_ms"] else float("inf")
            # wrk drops answers that come after the run's end, so a p99 near the run length is a floor, not a
            # measurement: such a tail does not pass.
            censored = row["p99_ms"] >= CENSORED_SHARE * row["seconds"] * 1000
            check("closed p99 ≤ 3 × p50" + (" (censored)" if censored else ""), row["kind"], conns, round(tail, 2),
                  TAIL_FACTOR, tail <= TAIL_FACTOR and not censored)
        health_tail = max(r["health_p99_ms"] / r["health_p50_ms"] for r in rows if r["health_p50_ms"])
        check("closed p99 ≤ 3 × p50", "health (worst run)", conns, round(health_tail, 2), TAIL_FACTOR,
              health_tail <= TAIL_FACTOR)
    for row in result["open"]:
        check("open p99 ≤ 50 ms", row["kind"], "open", row["p99_ms"], OPEN_P99_MS, row["p99_ms"] <= OPEN_P99_MS)
    check("ledger verify clean", "-", "-", result["ledger_verify"]["exit_code"], 0, result["ledger_verify"]["clean"])
    return checks


def _unexpected(row: dict[str, Any]) -> str:
    if not row["requests"]:
        return "none≤T"  # not one answer within the run's duration (wrk drops answers after it)
    other = row["requests"] - row["served"]
    return f"{other}" if other else ""


def _gen_cpu(row: dict[str, Any]) -> str:
    share = row.get("generator_cpu_share")  # absent in runs saved before it was measured
    return "-" if share is None else f"{share:.0%}"


def print_backend(result: dict[str, Any]) -> None:
    """Closed- and open-loop tables of one backend."""
    print(f"\n== {result['backend']} ==")
    print(f"{'conns':>5} {'kind':<18} {'rps':>8} {'/health':>8} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'p99/p50':>7} {'SQL/req':>7} {'in run':>7} {'other':>6}")
    for conns, rows in result["closed"].items():
        for row in rows:
            tail = row["p99_ms"] / row["p50_ms"] if row["p50_ms"] else float("nan")
            print(f"{conns:>5} {row['kind']:<18} {row['rps']:>8.1f} {row['health_rps']:>8.0f} {row['ratio']:>6.3f} "
                  f"{row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} {tail:>7.1f} "
                  f"{row['statements_alone']:>7.1f} {row['statements_per_request_in_run'] or 0:>7.1f} "
                  f"{_unexpected(row):>6}")
    print("other: answers that are not the kind's served statuses; none≤T: no answer came back within the run")
    print(f"\nopen loop (fixed arrival rate, 50 % of capacity) — {result['backend']}")
    print(f"{'kind':<18} {'target/s':>9} {'sent/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'gen lag p99':>11} {'gen CPU':>7} {'other':>6}")
    for row in result["open"]:
        other = row["sent"] - row["served"]
        print(f"{row['kind']:<18} {row['target_rps']:>9.1f} {row['achieved_rps']:>8.1f} {row['p50_ms']:>8.1f} "
              f"{row['p99_ms']:>8.1f} {row['send_lag_p99_ms']:>11.2f} {_gen_cpu(row):>7} {other or '':>6}")
    verify = result["ledger_verify"]
    print(f"ledger verify: {'clean' if verify['clean'] else 'FAILED'} (exit {verify['exit_code']})")


def print_targets(results: list[dict[str, Any]]) -> int:
    """PASS/FAIL per target and backend; returns the number of failed checks."""
    failed = 0
    print("\n== targets (issue 18) ==")
    for result in results:
        for c in result["targets"]:
            failed += c["result"] == "FAIL"
            value = "-" if c["value"] is None else f"{c['value']:g}"
            print(f"{c['result']} {result['backend']:<10} {c['connections']:>4} {c['kind']:<20} {c['target']:<35} "
                  f"{value} (limit {c['limit']:g})")
    return failed
