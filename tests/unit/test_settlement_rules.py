"""The settlement's pure rules: ledger posting, XP and levels, stats, mission and event progress."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_club.kit.errors import InsufficientGold
from casino_club.settlement.rules.ledger import (
    Wallet,
    claw_back,
    incur_debt,
    post_credit,
    post_debit,
    post_repayment,
)
from casino_club.settlement.rules.levels import gain_xp, wager_xp, xp_to_next
from casino_club.settlement.rules.progress import (
    EventRow,
    MissionRow,
    Template,
    advance_events,
    advance_missions,
    period_start,
)
from casino_club.settlement.rules.stats import add_round, empty_stats

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


@given(start=st.integers(0, 10**9), moves=st.lists(st.tuples(st.booleans(), st.integers(1, 10**6)), max_size=40))
def test_postings_keep_the_balance_equal_to_the_sum_of_its_transfers_and_never_negative(
        start: int, moves: list[tuple[bool, int]]) -> None:
    wallet = Wallet(account_id=7, balance=start)
    net = start
    for is_debit, amount in moves:
        if is_debit:
            if wallet.balance < amount:
                with pytest.raises(InsufficientGold):
                    post_debit(wallet, 1, amount, "bet")
                continue
            posting = post_debit(wallet, 1, amount, "bet")
            assert (posting.debit_id, posting.credit_id, posting.debit_after) == (7, 1, wallet.balance)
            net -= amount
        else:
            posting = post_credit(wallet, 1, amount, "payout")
            assert (posting.debit_id, posting.credit_id, posting.credit_after) == (1, 7, wallet.balance)
            net += amount
        assert wallet.balance == net >= 0


def test_a_refused_debit_changes_nothing() -> None:
    wallet = Wallet(1, 99)
    with pytest.raises(InsufficientGold) as caught:
        post_debit(wallet, 2, 100, "bet")
    assert wallet.balance == 99 and caught.value.details == {"required": 100}


@pytest.mark.parametrize("amount", [0, -5, True, 1.5])
def test_amounts_are_positive_ints(amount: object) -> None:
    with pytest.raises(ValueError):
        post_credit(Wallet(1, 0), 2, amount, "x")  # type: ignore[arg-type]


@given(xp=st.integers(0, 10**7), gained=st.integers(0, 10**5))
def test_gain_xp_reports_a_level_up_exactly_when_the_level_changes(xp: int, gained: int) -> None:
    after, level_up = gain_xp(xp, gained, "game")
    assert after == xp + gained
    assert (level_up is not None) == (after // 500 > xp // 500)
    if level_up is not None:
        assert level_up == {"level": after // 500 + 1, "previous_level": xp // 500 + 1, "xp": after, "source": "game"}
    assert 1 <= xp_to_next(after) <= 500


def test_wager_xp_is_one_per_ten_gold() -> None:
    assert [wager_xp(v) for v in (0, 9, 10, 1005, -3)] == [0, 0, 1, 100, 0]


def test_stats_sum_counts_and_keep_maxima() -> None:
    row = empty_stats()
    add_round(row, 100, 300, "win", 300)
    add_round(row, 100, 0, "lose")
    add_round(row, 100, 100, "draw")
    add_round(row, 500, 0, "item")  # a gacha pull: a round, neither a win nor a loss
    assert row == {"rounds": 4, "wins": 1, "losses": 1, "ties": 1, "wagered": 800, "won": 400, "biggest_win": 200,
                   "highest_multiplier_x100": 300}


def test_missions_count_complete_once_and_keep_counting_quietly_after_a_claim() -> None:
    today = date(2026, 12, 9)  # a Wednesday
    starts = {"daily": today, "weekly": period_start("weekly", today)}
    assert starts["weekly"] == date(2026, 12, 7)
    templates = [Template(1, "daily_slot_5", "t", "slot_spins", 5, "daily"),
                 Template(2, "weekly", "w", "games_played", 2, "weekly")]
    rows: dict[tuple[int, int, date], MissionRow] = {}
    changes = advance_missions(templates, rows, 9, {"slot_spins": 4, "games_played": 1}, starts, NOW)
    assert [(c["id"], c["value"], c["completed"]) for c in changes] == [(1, 4, False), (2, 1, False)]
    changes = advance_missions(templates, rows, 9, {"slot_spins": 1, "games_played": 1}, starts, NOW)
    assert [(c["id"], c["value"], c["completed"]) for c in changes] == [(1, 5, True), (2, 2, True)]
    assert rows[(1, 9, today)].completed_at == NOW and rows[(2, 9, starts["weekly"])].dirty
    rows[(1, 9, today)].claimed_at = NOW
    changes = advance_missions(templates, rows, 9, {"slot_spins": 2}, starts, NOW)
    assert changes == [] and rows[(1, 9, today)].value == 7  # counted, not shown


def test_events_count_only_required_metrics_and_stop_once_claimed() -> None:
    ev = EventRow(3, 30, "Event", {"wins": 2, "games_played": 3}, None, {"wins": 0, "games_played": 2})
    changes = advance_events([ev], {"wins": 2, "slot_spins": 5, "games_played": 1})
    assert changes == [{"kind": "event", "id": 3, "title": "Event", "progress": {"wins": 2, "games_played": 3},
                        "requirements": {"wins": 2, "games_played": 3}, "completed": True}]
    assert ev.newly_completed and ev.dirty == {"wins", "games_played"}
    ev.claimed = True
    assert advance_events([ev], {"wins": 1}) == [] and ev.progress["wins"] == 2


@given(balance=st.integers(0, 10**6), refund=st.integers(1, 10**6),
       credits=st.lists(st.integers(1, 10**5), max_size=30))
def test_a_debt_is_what_the_claw_back_could_not_take_and_later_credits_pay_it_first(
        balance: int, refund: int, credits: list[int]) -> None:
    wallet = Wallet(account_id=7, balance=balance)
    take, owed = claw_back(wallet, refund)
    assert (take, owed) == (min(balance, refund), refund - min(balance, refund))
    if take:
        post_debit(wallet, 1, take, "purchase_refund")
    if owed:
        incur_debt(wallet, owed)
    repaid = 0
    for amount in credits:
        post_credit(wallet, 2, amount, "gift")
        posting = post_repayment(wallet, 3)
        if posting is not None:
            assert posting.reason == "debt_repayment" and posting.credit_id == 3
            repaid += posting.amount
        # Nothing is kept while anything is owed; the debt never goes below zero.
        assert wallet.owed == 0 or wallet.balance == 0
        assert wallet.owed >= 0 and wallet.balance >= 0
    assert repaid == min(owed, sum(credits))
    assert wallet.owed == owed - repaid and wallet.balance == balance - take + sum(credits) - repaid
