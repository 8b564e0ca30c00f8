"""The sandbox gateway: decisions by mode; random mode is stable per receipt and covers every outcome."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter

from casino_club.config import Settings
from casino_club.shop.gateway import Decision, SandboxGateway
from casino_club.shop.webhook import sign


async def test_modes_and_random_draws() -> None:
    settings = Settings(_env_file=None)
    gateway = SandboxGateway(settings)
    assert settings.payment_mode == "success"
    for mode, expected in (("success", Decision.SUCCESS), ("decline", Decision.DECLINED), ("pending", Decision.PENDING)):
        settings.payment_mode = mode  # type: ignore[assignment]
        assert await gateway.charge("SP-1", 99) == expected and await gateway.poll("SP-1") == expected
    settings.payment_mode = "random"
    charges = Counter([await gateway.charge(f"SP-{i}", 99) for i in range(300)])
    assert set(charges) == set(Decision) and min(charges.values()) > 60
    assert {await gateway.charge("SP-7", 99) for _ in range(5)} == {await gateway.charge("SP-7", 99)}
    assert {await gateway.poll(f"SP-{i}") for i in range(50)} == {Decision.SUCCESS, Decision.DECLINED}


def test_signature_recipe() -> None:
    # The README's recipe: hex HMAC-SHA256 of the raw body bytes with the shared secret.
    assert sign("k", b'{"a":1}') == "sha256=" + hmac.new(b"k", b'{"a":1}', hashlib.sha256).hexdigest()
