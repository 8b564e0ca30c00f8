"""Password hashing (argon2id, OWASP parameters), JWT access tokens and opaque refresh tokens."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio
import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from casino_club.config import Settings
from casino_club.kit.errors import InvalidToken
from casino_club.kit.ids import new_uuid

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY_HASH = _hasher.hash("timing-equaliser")


async def hash_password(password: str) -> str:
    """argon2id hash, computed off the event loop."""
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; unknown users are checked against a dummy hash so timing does not leak."""
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False
    return await anyio.to_thread.run_sync(check)


@dataclass(frozen=True)
class AccessClaims:
    """The verified claims of an access token."""

    user_id: int
    session_id: str
    jti: str
    role: str
    exp: int


def issue_access_token(settings: Settings, user_id: int, session_id: str, role: str,
                       now: datetime) -> tuple[str, AccessClaims]:
    """Sign a short-lived access JWT with sub, sid, jti, role, iat, exp."""
    exp = int((now + timedelta(minutes=settings.access_token_minutes)).timestamp())
    claims = AccessClaims(user_id=user_id, session_id=session_id, jti=new_uuid(), role=role, exp=exp)
    token = jwt.encode({"sub": str(user_id), "sid": session_id, "jti": claims.jti, "role": role,
                        "iat": int(now.timestamp()), "exp": exp}, settings.secret_key,
                       algorithm=settings.jwt_algorithm)
    return token, claims


@functools.lru_cache(maxsize=4096)
def _verified_payload(token: str, secret_key: str, algorithm: str) -> dict[str, Any]:
    # A signature check is a pure function of these three, so a token seen again (every request of a
    # session) skips it; failures raise and are not cached. Expiry is checked on every call below, on the
    # app's clock; so is nothing else time-based: PyJWT's own "iat not in the future" check reads the wall
    # clock and refused every token signed after the dev/test clock had been moved forward.
    return jwt.decode(token, secret_key, algorithms=[algorithm],
                      options={"require": ["sub", "sid", "jti", "exp", "iat", "role"], "verify_exp": False,
                               "verify_iat": False})


def decode_access_token(settings: Settings, token: str, now: datetime) -> AccessClaims:
    """Verify signature (allow-listed algorithm only), expiry and required claims."""
    try:
        payload = _verified_payload(token, settings.secret_key, settings.jwt_algorithm)
        exp = int(payload["exp"])
        if exp <= int(now.timestamp()):
            raise InvalidToken({"reason": "expired"})
        return AccessClaims(user_id=int(payload["sub"]), session_id=str(payload["sid"]),
                            jti=str(payload["jti"]), role=str(payload["role"]), exp=exp)
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken() from exc


def new_refresh_token() -> tuple[str, str]:
    """An opaque refresh token and the SHA-256 we store instead of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    """SHA-256 hex of a refresh token."""
    return hashlib.sha256(token.encode()).hexdigest()
