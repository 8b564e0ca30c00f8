"""Settings: one object built from the environment (prefix CASINO_) and `.env`, passed down explicitly."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field, PositiveInt, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "dev-insecure-change-me-casino-club-secret-key"
DEFAULT_SEED_PASSWORD = "casino1234!"


class Env(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class UnsafeSettings(ValueError):
    """Raised when production mode is configured with unsafe values."""


class Settings(BaseSettings):
    """Every tunable of the app; read once at start-up and passed to create_app()."""

    model_config = SettingsConfigDict(env_prefix="CASINO_", env_file=".env", extra="ignore")

    env: Env = Env.DEVELOPMENT
    database_url: str = "sqlite+aiosqlite:///./casino.db"
    redis_url: str | None = None
    redis_prefix: str = "casino:"
    redis_max_connections: int = Field(100, ge=2, le=10_000)  # per instance; callers past it wait their turn
    # PostgreSQL pools per instance: instances × (size + overflow + read pool) must stay under the server's
    # max_connections (100 by default), or new connections fail with "too many clients".
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_pool_timeout_s: float = 30.0
    # PostgreSQL: asyncpg connections for the hot one-statement reads, opened on demand, closed after 5 idle
    # minutes. 4 made 1 % of GETs wait 10-40x their median for a connection at 16-64 clients; 24 did not.
    db_read_pool_size: int = Field(24, ge=1, le=100)
    secret_key: str = DEFAULT_SECRET_KEY
    timezone: str = "Asia/Seoul"

    # Auth
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    jwt_algorithm: str = "HS256"
    login_max_failures: int = 5
    login_failure_window_s: int = 600
    login_account_slow_after: int = 20  # failed logins per account (all addresses) per window, then each attempt waits
    login_account_delay_s: float = 1.0  # first wait past that; doubles per attempt
    login_account_max_delay_s: float = 8.0
    signup_per_ip_limit: int = 30  # sign-ups per client IP per 10 minutes
    require_invite_code: bool = False
    default_invite_code: str | None = "5858"
    admin_totp_required: bool | None = None  # None: required everywhere but development
    seed_password: str | None = None
    # Per-instance cache of live login sessions; logout, ban, password change and admin revocations clear it on
    # every instance through the bus before they answer. 0 turns it off (and it is off on PostgreSQL without
    # Redis, where other instances could not be told).
    session_cache_ttl_s: float = Field(5.0, ge=0, le=300)
    session_cache_confirm_s: float = Field(1.0, ge=0, le=10)  # how long a revocation waits for every instance

    # Web
    cors_origins: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:8000", "http://localhost:8000"])
    allowed_ws_origins: list[str] | None = None  # None: same as cors_origins; same-origin sockets always pass
    # Proxies whose X-Forwarded-For/-Proto/-Host are believed (uvicorn syntax: comma-separated IPs/CIDRs, "*").
    # The unprefixed FORWARDED_ALLOW_IPS (uvicorn's own variable) is read too.
    forwarded_allow_ips: str = Field("127.0.0.1", validation_alias=AliasChoices(
        "forwarded_allow_ips", "CASINO_FORWARDED_ALLOW_IPS", "FORWARDED_ALLOW_IPS"))
    dev_endpoints: bool | None = None  # None: on in development/test, off in production
    max_body_bytes: int = 1_048_576
    body_read_timeout_s: float = Field(default=5.0, gt=0)  # a request body stalling longer → 408, connection dropped
    serve_loop: Literal["asyncio", "uvloop", "auto"] = "asyncio"  # `serve`: event loop (why: cli.py serve)
    serve_limit_concurrency: int = Field(default=8192, gt=0)  # `serve`: connections + tasks per worker, then 503

    # Operations: rate limits (shared through Redis when configured) and metrics
    write_rate_limit: int = 600  # state-changing requests per player per write_rate_window_s
    write_rate_window_s: int = 60
    login_per_ip_limit: int = 300  # login attempts per client IP per login_failure_window_s
    outbox_lag_interval_s: float = 5.0  # how often the outbox lag gauge is refreshed
    # SQLite: how often the WAL is copied into the database file. The second pass holds the write turn, and with
    # groups on the event loop every 0.5 s let it copy enough to hold a spin 30-40 ms (p99 3-5x p50 at 16 clients).
    sqlite_checkpoint_interval_s: float = 0.2
    ready_timeout_s: float = 2.0  # /ready gives up on a dependency after this long (503)

    # Ledger / admin
    starting_gold: int = 1000
    admin_gold_rate_limit: int = 60  # grants/deducts per admin per minute
    idempotency_lock_s: int = 30  # an in-flight key older than this is considered abandoned

    # Games
    min_bet: int = 10
    max_bet: int = 100_000
    # Optional per-rank cap on gold bet per operator day (slot, RPS, crash), e.g. {"STANDARD": 50000};
    # a rank without an entry has no cap. Capped players' slot/RPS rounds skip the group commit.
    daily_bet_limits: dict[str, PositiveInt] = Field(default_factory=dict)
    # Live crash progress: every this many seconds each open round's current multiplier is pushed to its
    # player's sockets on this instance (`crash_tick` frames; nothing is stored); 0 turns it off.
    crash_tick_interval_s: float = Field(0.25, ge=0)
    # Slot / RPS rounds queue and settle together in one transaction (group commit); off: one per request.
    round_batching: bool = True
    round_batch_max: int = Field(64, ge=1, le=1000)  # rounds per group commit at most
    # Settlement groups one instance may have in flight at once. SQLite runs one write at a time anyway;
    # on PostgreSQL a second group is read and applied while the first one's statements are on the server.
    settlement_groups_in_flight: int | None = Field(None, ge=1, le=8)  # None: 1 on SQLite, 2 on PostgreSQL

    # Shop and payments
    # Sandbox gateway behaviour. Unset: "success" in development/test, "pending" in production (purchases
    # wait for the real gateway's signed webhook); auto-approving modes are refused in production.
    payment_mode: Literal["success", "decline", "pending", "random"] | None = None
    # HMAC key of X-Signature; in production the webhook refuses every call while this is the default.
    payment_webhook_secret: str = "dev-insecure-payment-webhook-secret"
    payment_webhook_tolerance_s: int = 300  # X-Timestamp must be within ± this many seconds
    payment_pending_timeout_s: int = 300  # pending purchases are voided after this long
    shop_hold_s: int = 120  # limited-package units held for a pending payment are released after this
    shop_purchase_rate_limit: int = 20  # purchase attempts per player per shop_purchase_rate_window_s
    shop_purchase_rate_window_s: int = 300
    shop_job_interval_s: float = 5.0  # how often pending purchases, holds and nonces are swept

    # Realtime (outbox relay, WebSocket sync)
    outbox_retention_days: int = 7  # outbox rows older than this are pruned; older resumes get resync_required
    outbox_sweep_s: float = 1.0  # relay sweep interval (commits on this instance also poke it at once)
    outbox_prune_interval_s: float = 3600.0
    ws_max_message_bytes: int = 4096  # larger client frames close the socket with 1009
    ws_rate_per_s: float = 10.0  # client frames per second (token bucket) before closing with 4429
    ws_rate_burst: int = 20
    ws_heartbeat_s: float = 25.0  # server ping interval; clients answer with pong
    ws_idle_timeout_s: float = 75.0  # no client frame for this long closes the socket with 4408
    ws_session_check_s: float = 5.0  # how often open sockets re-check their session row (logout, expiry, ban)
    ws_allow_missing_origin: bool = True  # non-browser clients send no Origin; browsers always do
    ws_coalesce_ms: int = 300  # profile_update bursts within this window are coalesced (last wins)

    # Engagement (streak, VIP, rewards, notifications)
    # Free gold (streak, mission, event and VIP rewards) a player may receive per local day; None = no cap.
    free_gold_daily_cap: int | None = Field(default=None, ge=0)
    # Claim gold = min(base + step * n, cap) for streak day n (day 1 = 120). Chosen with `casino-club economy
    # simulate` so that, for the median player, the games and gacha burn >= 60 % of the gold minted and the
    # day-30 median balance is 3-10x the starting balance (docs/economy.md).
    streak_base_gold: int = 100
    streak_step_gold: int = 20
    streak_max_gold: int = 300
    streak_base_xp: int = 25  # claim XP = min(base + step * n, cap) (day 1 = 50)
    streak_step_xp: int = 25
    streak_max_xp: int = 275
    # Those streak amounts, starting_gold and free_gold_daily_cap are the reward schedule's defaults; an admin
    # override (PUT /api/admin/economy/schedule) replaces them. Each instance re-reads the override at least this
    # often (changes on another instance arrive at once through the bus).
    reward_schedule_ttl_s: float = Field(30.0, ge=0, le=3600)
    vip_daily_points: int = 50
    vip_rank_thresholds: dict[str, int] = Field(default_factory=lambda: {"PREMIUM": 500, "VIP": 2000})
    vip_benefits: dict[str, list[str]] = Field(default_factory=lambda: {
        "STANDARD": ["daily_vip_points"],
        "PREMIUM": ["daily_vip_points", "premium_products"],
        "VIP": ["daily_vip_points", "premium_products", "vip_products", "priority_support"]})
    reward_segment_max: int = 1000  # most players one admin distribution may reach
    notification_segment_max: int = 100_000
    notification_poll_s: float = 2.0

    @model_validator(mode="after")
    def _default_payment_mode(self) -> Settings:
        if self.payment_mode is None:
            self.payment_mode = "pending" if self.env == Env.PRODUCTION else "success"
        return self

    @field_validator("daily_bet_limits")
    @classmethod
    def _known_ranks(cls, v: dict[str, int]) -> dict[str, int]:
        if unknown := set(v) - {"STANDARD", "PREMIUM", "VIP"}:
            raise ValueError(f"daily_bet_limits: unknown rank(s) {sorted(unknown)}")
        return v

    @field_validator("timezone")
    @classmethod
    def _valid_tz(cls, v: str) -> str:
        ZoneInfo(v)
        return v

    @cached_property
    def tz(self) -> ZoneInfo:
        """Operator timezone used for day boundaries."""
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")

    @property
    def dev_endpoints_enabled(self) -> bool:
        """Dev-only endpoints (test emit, clock) are on outside production unless set."""
        if self.dev_endpoints is None:
            return self.env != Env.PRODUCTION
        return self.dev_endpoints

    @property
    def totp_required(self) -> bool:
        """Admins must have TOTP enrolled before admin endpoints work."""
        if self.admin_totp_required is None:
            return self.env != Env.DEVELOPMENT
        return self.admin_totp_required

    @property
    def ws_origins(self) -> list[str]:
        """Origins other than the app's own allowed to open the realtime WebSocket."""
        return self.allowed_ws_origins if self.allowed_ws_origins is not None else self.cors_origins

    @property
    def effective_seed_password(self) -> str | None:
        """Seed password: the development default outside production, never a default in production."""
        if self.seed_password:
            return self.seed_password
        return None if self.env == Env.PRODUCTION else DEFAULT_SEED_PASSWORD

    def check_production_safety(self) -> None:
        """Refuse unsafe production settings with one clear message listing every problem."""
        if self.env != Env.PRODUCTION:
            return
        problems = []
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
            problems.append("CASINO_SECRET_KEY is the default or shorter than 32 characters")
        if "*" in self.cors_origins or "*" in self.ws_origins:
            problems.append("CASINO_CORS_ORIGINS / CASINO_ALLOWED_WS_ORIGINS contain the wildcard '*'")
        if self.dev_endpoints_enabled:
            problems.append("CASINO_DEV_ENDPOINTS is on")
        if self.payment_mode in ("success", "random"):
            problems.append("CASINO_PAYMENT_MODE is a sandbox mode that approves payments without a gateway")
        if problems:
            raise UnsafeSettings("refusing to start in production: " + "; ".join(problems))

    def sqlite_path(self) -> Path | None:
        """Filesystem path of the SQLite database, if any."""
        if not self.is_sqlite:
            return None
        return Path(self.database_url.split("///", 1)[1])
