"""Imports every model module so Base.metadata is complete (Alembic and tests rely on it)."""

from casino_club.actions import models as actions_models  # noqa: F401
from casino_club.admin import models as admin_models  # noqa: F401
from casino_club.auth import models as auth_models  # noqa: F401
from casino_club.economy import models as economy_models  # noqa: F401
from casino_club.fairness import models as fairness_models  # noqa: F401
from casino_club.games import models as games_models  # noqa: F401
from casino_club.inventory import models as inventory_models  # noqa: F401
from casino_club.kit import idempotency_models  # noqa: F401
from casino_club.missions import models as missions_models  # noqa: F401
from casino_club.notifications import models as notifications_models  # noqa: F401
from casino_club.outbox import models as outbox_models  # noqa: F401
from casino_club.rewards import models as rewards_models  # noqa: F401
from casino_club.shop import models as shop_models  # noqa: F401
from casino_club.streaks import models as streaks_models  # noqa: F401
from casino_club.vip import models as vip_models  # noqa: F401
from casino_club.wallet import models as wallet_models  # noqa: F401
