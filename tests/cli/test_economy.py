"""`casino-club economy simulate` with the shipped schedule: the defaults keep gold meaningful (issue 21 §3)."""

from __future__ import annotations

import os
import re
import subprocess
import sys


def _simulate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "casino_club", "economy", "simulate", *args], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "CASINO_ENV": "test", **(env or {})})


def test_the_median_player_burns_most_of_what_is_minted_and_ends_at_3_to_10x() -> None:
    # The run recorded in docs/economy.md (deterministic for its seed).
    out = _simulate("--players", "150", "--days", "30", "--profile", "median", "--seed", "1")
    assert out.returncode == 0, out.stderr
    ratio = float(re.search(r"burned / minted: ([\d.]+)%", out.stdout).group(1))  # type: ignore[union-attr]
    final = float(re.search(r"day-30 median = ([\d.]+) x", out.stdout).group(1))  # type: ignore[union-attr]
    assert ratio >= 60 and 3 <= final <= 10, out.stdout
    for source in ("streak_reward", "mission_reward", "signup_bonus", "slot_house", "gacha"):
        assert source in out.stdout
    # A player at zero plays again within a day: every day's no-stake share stays 0 for this profile.
    days = re.findall(r"^\s*\d+\s+[\d,]+\s+[\d,]+\s+([\d.]+)%$", out.stdout, re.M)
    assert len(days) == 30 and all(float(d) == 0 for d in days)
    again = _simulate("--players", "150", "--days", "30", "--profile", "median", "--seed", "1")
    assert again.stdout == out.stdout  # deterministic for a seed


def test_the_old_schedule_inflates_and_a_cap_curbs_the_mission_farmer() -> None:
    old = {"CASINO_STREAK_BASE_GOLD": "800", "CASINO_STREAK_STEP_GOLD": "200", "CASINO_STREAK_MAX_GOLD": "2800"}
    inflated = _simulate("--players", "30", "--days", "30", "--seed", "3", env=old)
    final = float(re.search(r"day-30 median = ([\d.]+) x", inflated.stdout).group(1))  # type: ignore[union-attr]
    assert final > 10, inflated.stdout
    free = _simulate("--players", "30", "--days", "10", "--profile", "grinder", "--seed", "3")
    capped = _simulate("--players", "30", "--days", "10", "--profile", "grinder", "--seed", "3",
                       env={"CASINO_FREE_GOLD_DAILY_CAP": "150"})
    day10 = [float(re.search(r"day-10 median = ([\d.]+) x", r.stdout).group(1)) for r in (free, capped)]  # type: ignore[union-attr]
    assert day10[1] < day10[0], (free.stdout, capped.stdout)


def test_an_unknown_profile_is_refused() -> None:
    out = _simulate("--profile", "nobody")
    assert out.returncode == 2 and "unknown profile" in out.stderr


def test_schedule_options_try_a_schedule_before_it_is_applied() -> None:
    base = _simulate("--players", "20", "--days", "5", "--profile", "casual", "--seed", "2")
    tried = _simulate("--players", "20", "--days", "5", "--profile", "casual", "--seed", "2",
                      "--welcome-gold", "3000", "--streak-base-gold", "400", "--streak-max-gold", "400")
    assert base.returncode == tried.returncode == 0, (base.stderr, tried.stderr)
    assert "start 1000 gold" in base.stdout and "start 3000 gold" in tried.stdout
    assert re.search(r"signup_bonus\s+60,000$", tried.stdout, re.M), tried.stdout
    streak = [int(re.search(r"streak_reward\s+([\d,]+)$", r.stdout, re.M).group(1).replace(",", ""))  # type: ignore[union-attr]
              for r in (base, tried)]
    assert streak[1] > streak[0]
    refused = _simulate("--players", "5", "--days", "2", "--streak-base-gold", "500")  # above the max (300)
    assert refused.returncode == 2 and "streak_base_gold" in refused.stderr and "above_streak_max_gold" in refused.stderr
