"""Leaving a page while its token refresh is in flight must not log the player out.

The refresh token rotates on every use and a reused one revokes the session. Here the old page's refresh
reaches the server (which rotates the token) and its answer is held back until after the reload: the new
page must not send the superseded cookie meanwhile, and the held answer's Set-Cookie must still land.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.helpers import open_page, signup_in_context


def test_reload_during_a_refresh_keeps_the_session(new_context, server) -> None:  # type: ignore[no-untyped-def]
    ctx = new_context()
    signup_in_context(ctx)
    page = open_page(ctx, "/")
    held: list[tuple[Any, Any]] = []
    answers: list[int] = []

    def hold_first(route) -> None:  # type: ignore[no-untyped-def]
        if held:  # the new page's refresh goes through
            response = route.fetch()
            answers.append(response.status)
            route.fulfill(response=response)
            return
        before = ctx.cookies()
        response = route.fetch()  # the server rotates the token now
        ctx.clear_cookies()
        ctx.add_cookies(before)  # Playwright's fetch stored the new cookie at once; a browser would not have it yet
        held.append((route, response))

    page.route("**/api/auth/refresh", hold_first)
    page.evaluate("import('/static/js/api.js').then((m) => { m.refreshToken().catch(() => {}); })")
    page.wait_for_timeout(300)
    assert held, "the refresh was not sent"
    page.evaluate("location.reload()")
    page.wait_for_timeout(300)
    route, response = held[0]
    try:
        route.fulfill(response=response)  # the answer arrives after the page it was for has gone
    except Exception:  # noqa: BLE001, S110 - a request the browser cancelled cannot be answered: that is the bug
        pass
    page.wait_for_selector("body[data-booted=true]")
    page.wait_for_timeout(500)
    assert "/login" not in page.url, "the player was logged out (the superseded refresh token was sent)"
    assert answers == [200]
    assert page.evaluate("import('/static/js/api.js').then((m) => m.get('/auth/me')).then((me) => me.id)")
