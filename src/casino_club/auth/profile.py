"""Profile reads shared by auth, realtime snapshots and admin views."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from casino_club.auth.models import User
from casino_club.auth.schemas import Profile
from casino_club.db import core_table
from casino_club.kit.errors import NotFound
from casino_club.kit.jsonfast import json_time
from casino_club.kit.runtime import Runtime
from casino_club.settlement.rules.levels import XP_PER_LEVEL, level_for
from casino_club.wallet.models import Account


@dataclass
class ProfileRow:
    """The user columns a profile shows, read without the ORM (the slot/RPS group commit)."""

    id: int
    site_id: str
    nickname: str
    phone_number: str | None
    role: str
    rank: str
    xp: int
    vip_points: int
    totp_enabled: bool
    created_at: datetime
    last_login_at: datetime | None


def profile_fields(user: User | ProfileRow, gold: int) -> dict[str, Any]:
    """The profile's fields from a user row and its balance."""
    return {"id": user.id, "site_id": user.site_id, "nickname": user.nickname, "phone_number": user.phone_number,
            "role": user.role, "rank": user.rank, "gold": gold, "level": level_for(user.xp), "xp": user.xp,
            "xp_to_next": XP_PER_LEVEL - user.xp % XP_PER_LEVEL, "vip_points": user.vip_points,
            "totp_enabled": user.totp_enabled, "created_at": user.created_at, "last_login": user.last_login_at}


def build_profile(user: User | ProfileRow, gold: int) -> Profile:
    """Profile from a user row and its balance."""
    return Profile(**profile_fields(user, gold))


def profile_json(user: User | ProfileRow, gold: int) -> dict[str, Any]:
    """`build_profile(...).model_dump(mode="json")` without the model (the group commit needs one per player)."""
    fields = profile_fields(user, gold)
    fields["created_at"] = json_time(user.created_at)
    fields["last_login"] = json_time(user.last_login_at) if user.last_login_at is not None else None
    return fields


_PROFILE_COLUMNS = [f.name for f in fields(ProfileRow)]


def _profile_query() -> Select[Any]:
    u, a = core_table(User).c, core_table(Account).c
    return (select(*(u[name] for name in _PROFILE_COLUMNS), a.balance)
            .join_from(core_table(User), core_table(Account), a.user_id == u.id).where(u.id == bindparam("user_id")))


PROFILE = _profile_query()  # built once per process
RANK = select(core_table(User).c.rank).where(core_table(User).c.id == bindparam("user_id"))


async def read_profile_json(rt: Runtime, user_id: int) -> dict[str, Any]:
    """`load_profile(...)` as JSON-ready fields through one Core statement (the GET /api/auth/me path)."""
    rows = await rt.read(PROFILE, {"user_id": user_id})
    if not rows:
        raise NotFound({"user_id": user_id})
    row = rows[0]
    return profile_json(ProfileRow(**{name: row[i] for i, name in enumerate(_PROFILE_COLUMNS)}), row[-1])


async def read_rank(rt: Runtime, user_id: int) -> str:
    """A player's current rank (it changes with VIP points, so the session cache does not keep it)."""
    rows = await rt.read(RANK, {"user_id": user_id})
    if not rows:
        raise NotFound({"user_id": user_id})
    return str(rows[0].rank)


async def load_profile(session: AsyncSession, user_id: int) -> Profile:
    """Read a player's profile with the authoritative balance."""
    row = (await session.execute(select(User, Account.balance).join(Account, Account.user_id == User.id)
                                 .where(User.id == user_id))).one_or_none()
    if row is None:
        raise NotFound({"user_id": user_id})
    return build_profile(row[0], row[1])
