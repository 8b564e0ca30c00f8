"""`make screenshots`: desktop (1366x900) and mobile (390x844) screenshots of every player and admin page.

Serves a fresh seeded SQLite app on a free 127.0.0.1 port, signs a player up, plays one round of each
game so the pages carry data, and writes PNGs to screenshots/ (gitignored) for review.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("SCREENSHOTS_DIR", ROOT / "screenshots"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SIZES = {"desktop": (1366, 900), "mobile": (390, 844)}
PLAYER_PAGES = ["/", "/games", "/games/slot", "/games/rps", "/games/gacha", "/games/crash", "/shop",
                "/inventory", "/events", "/fairness", "/notifications", "/profile", "/no-such-page"]
GUEST_PAGES = ["/login", "/signup"]
ADMIN_SECTIONS = ["users", "products", "limited", "promos", "transactions", "events", "missions",
                  "notifications", "invites", "audit", "economy"]
PASSWORD = "password123"
ADMIN_PASSWORD = os.environ.get("CASINO_SEED_PASSWORD", "casino1234!")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The seeded app (admin TOTP off so the console logs in with a form)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASINO_")}
    env.update({"CASINO_ENV": "development", "CASINO_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'shots.db'}",
                "CASINO_ADMIN_TOTP_REQUIRED": "false", "CASINO_SEED_PASSWORD": ADMIN_PASSWORD,
                # the live layer accepts this port's origin even before same-origin sockets land
                "CASINO_CORS_ORIGINS": f'["http://127.0.0.1:{port}"]'})
    log = open(workdir / "server.log", "wb")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen([sys.executable, "-m", "casino_club", "serve", "--seed", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited; see {workdir / 'server.log'}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    sys.exit("server did not become healthy")


def _play(http: httpx.Client, token: str) -> None:
    """One round of each game so the results strips, stats and history are not empty."""
    auth = {"Authorization": f"Bearer {token}"}

    def post(path: str, body: dict[str, object]) -> None:
        http.post(path, json=body, headers={**auth, "Idempotency-Key": uuid.uuid4().hex})

    post("/api/games/slot/spin", {"bet": 10})
    post("/api/games/rps/play", {"bet": 10, "choice": "rock"})
    post("/api/games/gacha/pull", {"count": 1})
    post("/api/shop/buy", {"product_code": "lucky_clover", "quantity": 1})


def _shoot(page, url: str, name: str, size: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.wait_for_selector("body[data-booted=true]", timeout=20_000)
    page.wait_for_timeout(700)  # let fetches and count-ups settle
    page.screenshot(path=str(OUT / f"{name}-{size}.png"), full_page=True)
    print(f"  {name}-{size}.png  {page.url}")


def main() -> None:
    """Write every page at both sizes."""
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="cc-shots-"))
    proc, url = _serve(workdir)
    try:
        http = httpx.Client(base_url=url, timeout=30)
        site_id = f"shot{uuid.uuid4().hex[:8]}"
        r = http.post("/api/auth/signup", json={"site_id": site_id, "nickname": "Screenshot", "password": PASSWORD})
        r.raise_for_status()
        _play(http, r.json()["access_token"])
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
            for size, (width, height) in SIZES.items():
                for who, login, pages in (("player", site_id, PLAYER_PAGES + GUEST_PAGES),
                                          ("admin", "admin", [f"/admin/{s}" for s in ADMIN_SECTIONS])):
                    ctx = browser.new_context(viewport={"width": width, "height": height}, base_url=url)
                    page = ctx.new_page()
                    page.goto("/login")
                    page.get_by_test_id("login-site-id").fill(login)
                    page.get_by_test_id("login-password").fill(PASSWORD if who == "player" else ADMIN_PASSWORD)
                    page.get_by_test_id("login-submit").click()
                    page.wait_for_url(f"{url}/", timeout=30_000)
                    # let the landing page's token refresh finish: leaving mid-refresh would present the
                    # rotated refresh token next time, which (by design) ends the whole session
                    page.wait_for_selector("body[data-booted=true]", timeout=30_000)
                    for path in pages:
                        if path in GUEST_PAGES:
                            ctx.clear_cookies()
                        name = (path.strip("/").replace("/", "-") or "home") if who == "player" else path.strip("/").replace("/", "-")
                        _shoot(page, path, name, size)
                    ctx.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
