"""The reward schedule editor on the admin economy page: checks, save, the streak preview, reset (issue 21 §3)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.test_console import admin_page


def test_admin_edits_checks_previews_and_resets_the_reward_schedule(new_context) -> None:  # type: ignore[no-untyped-def]
    page = admin_page(new_context, "/admin/economy")
    form = page.get_by_test_id("schedule-form")
    expect(page.get_by_test_id("sched-streak_base_gold")).to_have_value("100")
    expect(page.get_by_test_id("schedule-status")).to_contain_text("기본값")
    expect(page.get_by_test_id("schedule-days")).to_contain_text("1: 120")
    page.get_by_test_id("sched-streak_base_gold").fill("400")  # above the max (300)
    expect(page.get_by_test_id("sched-streak_base_gold-error")).to_have_text("기본값이 최대값보다 클 수 없습니다.")
    page.get_by_test_id("sched-streak_step_gold").fill("-1")
    expect(page.get_by_test_id("sched-streak_step_gold-error")).to_have_text("0 이상이어야 합니다.")
    page.get_by_test_id("schedule-save").click()
    expect(page.get_by_test_id("schedule-error")).to_have_text("표시된 항목을 고쳐 주세요.")
    page.get_by_test_id("sched-streak_base_gold").fill("200")
    page.get_by_test_id("sched-streak_step_gold").fill("50")
    expect(page.get_by_test_id("schedule-days")).to_contain_text("1: 250")
    expect(form.locator(".error-msg:not(:empty)")).to_have_count(0)
    page.get_by_test_id("schedule-save").click()
    expect(page.get_by_test_id("schedule-receipt")).to_have_text("저장했습니다. 모든 서버에 바로 적용됩니다.")
    expect(page.get_by_test_id("schedule-status")).to_contain_text("관리자가 변경함")
    page.get_by_test_id("schedule-reset").click()
    page.get_by_test_id("confirm-ok").click()
    expect(page.get_by_test_id("schedule-receipt")).to_have_text("기본값으로 되돌렸습니다.")
    expect(page.get_by_test_id("sched-streak_base_gold")).to_have_value("100")
    expect(page.get_by_test_id("schedule-days")).to_contain_text("1: 120")
