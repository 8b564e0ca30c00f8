"""Idempotent demo data: admin + user001–user004, dev invite code, and each feature's catalog seeds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.admin.invites import ensure_invite
from casino_club.auth.models import User
from casino_club.auth.schemas import SignupIn
from casino_club.auth.service import ClientInfo, signup
from casino_club.config import Env
from casino_club.economy.schedule_cache import fetch
from casino_club.fairness.service import commit_seed_pair
from casino_club.kit.runtime import Runtime, session_settings
from casino_club.rewards.plans import WelcomePlan
from casino_club.settlement.writer import SettlementWriter

SEED_ADMIN = "admin"
SEED_PLAYERS = ("user001", "user002", "user003", "user004")
SEED_ACCOUNTS = (SEED_ADMIN, *SEED_PLAYERS)

Seeder = Callable[[AsyncSession], Awaitable[None]]


class SeedRefused(RuntimeError):
    """Seeding cannot run with these settings."""


def feature_seeders() -> list[Seeder]:
    """Catalog seeders of feature packages (shop products, missions, events…), each idempotent."""
    from casino_club.games.service_gacha import ensure_gacha_items
    from casino_club.inventory.service import CORE_ITEMS, upsert_items
    from casino_club.missions.seed import engagement_seeder
    from casino_club.shop.seed import seed_shop

    async def core_items(session: AsyncSession) -> None:
        await upsert_items(session, CORE_ITEMS)

    return [
        core_items,
        ensure_gacha_items,
        seed_shop,
        engagement_seeder,
    ]


async def _seed_accounts(session: AsyncSession, password: str) -> list[tuple[str, int]]:
    created = []
    for site_id in SEED_ACCOUNTS:
        if (await session.execute(select(User.id).where(User.site_id_lower == site_id))).first():
            continue
        nickname = "Admin" if site_id == SEED_ADMIN else f"Player{site_id[-3:]}"
        out = await signup(session, SignupIn(site_id=site_id, nickname=nickname, password=password),
                           ClientInfo(user_agent="seed", ip=None))
        if site_id == SEED_ADMIN:
            user = await session.get(User, out.user.id)
            assert user is not None
            user.role = "admin"
        created.append((site_id, out.user.id))
    return created


async def run_seed(rt: Runtime) -> list[str]:
    """Create missing seed accounts and catalog data; returns the site_ids created now."""
    password = rt.settings.effective_seed_password
    if password is None:
        raise SeedRefused("CASINO_SEED_PASSWORD must be set to seed in production")

    async def work(session: AsyncSession) -> list[tuple[str, int]]:
        settings = session_settings(session)
        # Seed accounts sign up without an invite, whatever the operator requires of real players.
        original = settings.require_invite_code
        settings.require_invite_code = False
        try:
            created = await _seed_accounts(session, password)
        finally:
            settings.require_invite_code = original
        if settings.env != Env.PRODUCTION and settings.default_invite_code:
            await ensure_invite(session, settings.default_invite_code)
        for seeder in feature_seeders():
            await seeder(session)
        return created

    created = await rt.run(work)
    writer = SettlementWriter(rt, commit_seed_pair)  # the welcome gold, as every sign-up gets it
    welcome = (await fetch(rt)).schedule.welcome_gold
    try:
        for _, user_id in created:
            await writer.settle(WelcomePlan.of(user_id, welcome))
    finally:
        await writer.close()
    return [site_id for site_id, _ in created]
