"""Provably fair random stream: HMAC-SHA256(server_seed, "client_seed:nonce:round") -> floats in [0, 1).

This module is pure (no database, no clock, no `random`). Games map the floats to outcomes in
`casino_club.games.rules`; play, verify and RTP computation all go through `outcome_floats`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

FLOATS_PER_DIGEST = 8  # 32-byte digest / 4 bytes per float
_BYTES_PER_FLOAT = 4
_FLOAT_SCALE = 2**32
MAX_FLOATS = 4096  # no game needs more; bounds the work a verify request can ask for


def new_server_seed() -> str:
    """Return a fresh secret server seed (64 hex chars, 256 bits)."""
    return secrets.token_hex(32)


def new_client_seed() -> str:
    """Return a fresh default client seed (16 hex chars); players may replace it with their own."""
    return secrets.token_hex(8)


def hash_seed(server_seed: str) -> str:
    """Return the SHA-256 hex commitment of a server seed (shown before the seed is revealed)."""
    return hashlib.sha256(server_seed.encode("utf-8")).hexdigest()


def outcome_floats(server_seed: str, client_seed: str, nonce: int, count: int) -> list[float]:
    """Return `count` floats in [0, 1): 4-byte big-endian words of HMAC(server, "client:nonce:round")."""
    if nonce < 0:
        raise ValueError("nonce must be >= 0")
    if not 0 <= count <= MAX_FLOATS:
        raise ValueError(f"count must be in [0, {MAX_FLOATS}]")
    key = server_seed.encode("utf-8")
    out: list[float] = []
    round_ = 0
    while len(out) < count:
        digest = hmac.digest(key, f"{client_seed}:{nonce}:{round_}".encode(), "sha256")
        for i in range(0, len(digest), _BYTES_PER_FLOAT):
            # k / 2**32 is exact in a double (k < 2**32 needs 32 of the 53 mantissa bits).
            out.append(int.from_bytes(digest[i : i + _BYTES_PER_FLOAT], "big") / _FLOAT_SCALE)
        round_ += 1
    return out[:count]


def float_word(u: float) -> int:
    """The 32-bit word a stream float came from (u = word / 2**32), for storing a float exactly."""
    word = int(u * _FLOAT_SCALE)
    if word / _FLOAT_SCALE != u or not 0 <= word < _FLOAT_SCALE:
        raise ValueError("u is not a stream float k / 2**32")
    return word


def word_float(word: int) -> float:
    """Inverse of float_word."""
    return word / _FLOAT_SCALE


def uniform_index(u: float, n: int) -> int:
    """Map u in [0, 1) to an integer in [0, n) as floor(u * n)."""
    if n <= 0:
        raise ValueError("n must be > 0")
    if not 0.0 <= u < 1.0:
        raise ValueError("u must be in [0, 1)")
    # For u = k / 2**32 and n < 2**21 the product is exact; min() only guards arbitrary doubles
    # just below 1.0 whose product could round up to n.
    return min(int(u * n), n - 1)


def weighted_index(u: float, weights: Sequence[int]) -> int:
    """Pick an index with probability weights[i] / sum(weights) from one float (integer weights)."""
    if not weights or any(w < 0 for w in weights):
        raise ValueError("weights must be non-empty and non-negative")
    ticket = uniform_index(u, sum(weights))
    for i, w in enumerate(weights):
        if ticket < w:
            return i
        ticket -= w
    raise AssertionError("unreachable: ticket < sum(weights)")  # pragma: no cover
