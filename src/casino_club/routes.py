"""Every router the app mounts, in one list (each feature package adds its own line)."""

from __future__ import annotations

from fastapi import APIRouter

from casino_club.actions.router import router as actions_router
from casino_club.admin.router import router as admin_router
from casino_club.auth.router import router as auth_router
from casino_club.fairness.router import router as fairness_router
from casino_club.games.router import router as games_router
from casino_club.inventory.router import router as inventory_router
from casino_club.ops.router import router as ops_router
from casino_club.shop.admin_router import router as shop_admin_router
from casino_club.shop.router import router as shop_router
from casino_club.wallet.router import router as wallet_router


def all_routers() -> list[APIRouter]:
    """Routers in mount order."""
    return [
        ops_router,
        auth_router,
        wallet_router,
        actions_router,
        admin_router,
        inventory_router,
        games_router,
        fairness_router,
        shop_router,
        shop_admin_router,
    ]
