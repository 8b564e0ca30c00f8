"""Browser tests: one app server (fresh SQLite copy, seeded) and one Chromium per module, a new context per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import Api
from tests.support.servers import ROOT, Server, server_env

# Generous waits: the suite often shares the machine with other test runs.
expect.set_options(timeout=10_000)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Everything here drives a browser."""
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def server(sqlite_templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    """The app on a free port, shared by the e2e package (starting one costs seconds): seeded (admin +
    catalog), sandbox payments stay pending until settled, admin TOTP off so the console login is a form.
    No origin setting: the random port is in no allow-list, so realtime works only because same-origin sockets
    are always accepted (issue 19) — as for a player who runs `make run PORT=…`."""
    directory = tmp_path_factory.mktemp("e2e")
    url = sqlite_templates.fresh(directory)
    env = server_env(url, admin_totp_required="false", payment_mode="pending")
    srv = Server(env, log_path=directory / "server.log")
    srv.start(extra_args=["--seed"])
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium for the module (Debian's build; Playwright's download is not used)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Problems:
    """Page errors and CSP violations seen by a context (asserted empty after each test)."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def watch(self, page) -> None:  # type: ignore[no-untyped-def]
        page.on("pageerror", lambda e: self.items.append(f"pageerror: {e}"))
        page.on("console", lambda m: self.items.append(f"console: {m.text}")
                if m.type == "error" and "Content Security Policy" in m.text else None)


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def new_context(browser, server, problems: Problems):  # type: ignore[no-untyped-def]
    """Factory for fresh browser contexts (each its own cookie jar); all closed at the end."""
    contexts = []

    def make(width: int = 1280, height: int = 900):  # type: ignore[no-untyped-def]
        ctx = browser.new_context(viewport={"width": width, "height": height}, base_url=server.url,
                                  reduced_motion="no-preference")
        ctx.set_default_timeout(20_000)
        ctx.on("page", problems.watch)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()
    assert not problems.items, problems.items


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ (gitignored): screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="package")
def api(server: Server) -> Iterator[Api]:
    """Direct API client for assertions."""
    client = Api(server.url)
    yield client
    client.http.close()
