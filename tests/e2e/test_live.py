"""The live layer in a browser: works on any origin without settings, backs off under failure, says why it is off.

The failure tests put Playwright's WebSocket route in front of /api/realtime/sync (a scripted server), and fix
Math.random so the full-jitter delays are the ceilings: 0.5 s, 1 s, 2 s, 4 s, …
"""

from __future__ import annotations

import json
import re
import time

from playwright.sync_api import WebSocketRoute, expect

from tests.e2e.helpers import open_page, signup_in_context

SYNC = re.compile(r"/api/realtime/sync")
MAX_JITTER = "Math.random = () => 0.999;"
HIDE = """(hidden) => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => hidden ? "hidden" : "visible" });
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def hello(ws: WebSocketRoute) -> None:
    """What a real server sends first: the socket counts as connected (live) on the client."""
    for type_, data in (("sync_connected", {"user_id": 1, "latest_seq": 0}), ("snapshot", {"seq": 0})):
        ws.send(json.dumps({"id": None, "seq": None, "type": type_, "ts": "", "data": data}))


class Script:
    """A scripted realtime server: every socket gets `hello` (optional) and is then closed with `code`."""

    def __init__(self, code: int, reason: str = "", greet: bool = True, keep_after: int | None = None) -> None:
        self.code, self.reason, self.greet, self.keep_after = code, reason, greet, keep_after
        self.opened: list[float] = []
        self.kept: list[WebSocketRoute] = []  # sockets past `keep_after` stay open until the test closes them
        self.refreshes = 0  # POST /api/auth/refresh seen from the page

    def __call__(self, ws: WebSocketRoute) -> None:
        self.opened.append(time.monotonic())
        if self.greet:
            hello(ws)
        if self.keep_after is not None and len(self.opened) > self.keep_after:
            self.kept.append(ws)
        else:
            ws.close(code=self.code, reason=self.reason)


def scripted(new_context, script: Script):  # type: ignore[no-untyped-def]
    ctx = new_context()
    signup_in_context(ctx)
    ctx.add_init_script(MAX_JITTER)
    page = ctx.new_page()
    page.route_web_socket(SYNC, script)
    page.on("request", lambda r: setattr(script, "refreshes", script.refreshes + 1)
            if r.url.endswith("/api/auth/refresh") else None)
    return open_page(ctx, "/")


def test_a_second_tab_sees_the_first_tabs_spin_within_2s_with_no_origin_setting(  # type: ignore[no-untyped-def]
        new_context, server, api) -> None:
    assert "CASINO_CORS_ORIGINS" not in server.env and "CASINO_ALLOWED_WS_ORIGINS" not in server.env
    assert server.port != 8000  # a random port no default allow-list names
    ctx = new_context()
    site_id = signup_in_context(ctx)
    first, second = ctx.new_page(), ctx.new_page()
    first.goto("/games/slot")
    second.goto("/")
    for page in (first, second):
        page.wait_for_selector("body[data-realtime=on]")
        expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live")
    first.get_by_test_id("slot-spin").click()
    expect(first.get_by_test_id("slot-results").locator("li")).to_have_count(1)
    gold = api.get(api.token(site_id, "password123"), "/api/users/balance")["gold"]
    expect(second.get_by_test_id("header-gold")).to_have_attribute("data-value", str(gold), timeout=2000)


def test_backoff_grows_even_after_the_socket_was_live_and_the_header_counts_down(new_context) -> None:  # type: ignore[no-untyped-def]
    script = Script(1011, "temporarily unavailable")
    page = scripted(new_context, script)
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "retrying")
    page.wait_for_timeout(6000)
    opened = script.opened
    # 0.5 s, 1 s, 2 s, 4 s after each close: 4 sockets in the first ~3.5 s, then the next at ~7.5 s. The old client
    # reset its delay whenever a socket opened and reconnected every 0.5-0.8 s (8+ sockets in 6 s).
    assert 3 <= len(opened) <= 4, [round(t - opened[0], 2) for t in opened]
    gaps = [b - a for a, b in zip(opened, opened[1:], strict=False)]
    # Each gap is its delay plus the time to open a socket and be closed (up to ~0.2 s on a busy box): check the
    # delays doubled, not the gaps' ratios, which that overhead blurs.
    assert all(gap >= 0.5 * 2 ** i * 0.95 for i, gap in enumerate(gaps)), gaps
    status = page.get_by_test_id("live-status")
    expect(status).to_have_attribute("data-state", "retrying")
    expect(status).to_have_attribute("aria-label", re.compile(r"\d+초 후 재연결"))
    expect(page.get_by_test_id("live-status-sr")).to_have_text("재연결 대기 중")  # announced once, not per second


def wait_for_sockets(page, script: Script, n: int, within_ms: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(within_ms // 50):
        if len(script.opened) >= n:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{len(script.opened)} sockets, expected {n}")


def test_backoff_resets_only_after_a_socket_stayed_up_10s(new_context) -> None:  # type: ignore[no-untyped-def]
    script = Script(1011, "temporarily unavailable", keep_after=3)
    page = scripted(new_context, script)
    wait_for_sockets(page, script, 4, 8000)  # three quick failures: the next delay would be 4 s
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live")
    page.wait_for_timeout(10_500)
    script.kept[0].close(code=1011, reason="temporarily unavailable")
    dropped = time.monotonic()
    wait_for_sockets(page, script, 5, 3000)
    assert script.opened[4] - dropped < 1.5  # healthy for 10 s: back to the 0.5 s ceiling


def test_origin_refusal_stops_retrying_and_says_why(new_context) -> None:  # type: ignore[no-untyped-def]
    script = Script(4403, "origin not allowed", greet=False)
    page = scripted(new_context, script)
    status = page.get_by_test_id("live-status")
    expect(status).to_have_attribute("data-state", "off")
    page.wait_for_timeout(3000)
    assert len(script.opened) == 1
    expect(status).to_contain_text("꺼짐: 허용되지 않은 주소")
    expect(page.get_by_test_id("live-status-sr")).to_have_text("꺼짐: 허용되지 않은 주소")
    status.click()  # the player asks: one more attempt, then off again
    expect(status).to_have_attribute("data-state", "off")
    page.wait_for_timeout(1500)
    assert len(script.opened) == 2


def test_unauthorized_gets_one_token_refresh_then_stops(new_context) -> None:  # type: ignore[no-untyped-def]
    script = Script(4401, "token expired", greet=False)
    page = scripted(new_context, script)
    status = page.get_by_test_id("live-status")
    expect(status).to_have_attribute("data-state", "off")
    page.wait_for_timeout(2500)
    assert len(script.opened) == 2  # the refreshed token was refused too: no loop
    assert script.refreshes == 2  # the boot's own, and the one for the socket
    expect(status).to_contain_text("로그아웃됨")


def test_a_hidden_tab_does_not_retry_and_reconnects_when_shown(new_context) -> None:  # type: ignore[no-untyped-def]
    script = Script(1011, "temporarily unavailable")
    page = scripted(new_context, script)
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "retrying")
    page.evaluate(HIDE, True)
    page.wait_for_timeout(800)  # a retry already due finds the tab hidden
    count = len(script.opened)
    page.wait_for_timeout(3000)
    assert len(script.opened) == count
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "paused")
    page.evaluate(HIDE, False)
    page.wait_for_timeout(700)
    assert len(script.opened) == count + 1  # shown again: at once, not after the backoff
