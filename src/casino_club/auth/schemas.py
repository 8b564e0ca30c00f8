"""Request and response bodies of the auth endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from casino_club.auth.names import clean_display

SITE_ID_PATTERN = r"^[A-Za-z0-9_.\-]+$"


def _trimmed(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _display(value: Any) -> Any:
    return clean_display(value) if isinstance(value, str) else value


# Trimmed (and checked) before the length limits, so "   " is too short rather than stored as "".
SiteId = Annotated[str, Field(min_length=3, max_length=50, pattern=SITE_ID_PATTERN), BeforeValidator(_trimmed)]
Nickname = Annotated[str, Field(min_length=2, max_length=50), BeforeValidator(_display)]


class SignupIn(BaseModel):
    """Sign-up form."""

    model_config = ConfigDict(extra="forbid")
    site_id: SiteId
    nickname: Nickname
    password: str = Field(min_length=8, max_length=128)
    phone_number: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+\- ]{4,32}$")
    invite_code: str | None = Field(default=None, max_length=32)


class LoginIn(BaseModel):
    """Login by site_id or nickname; admins with TOTP add `otp`."""

    model_config = ConfigDict(extra="forbid")
    site_id: str = Field(min_length=1, max_length=50)
    password: str = Field(min_length=1, max_length=128)
    otp: str | None = Field(default=None, max_length=10)


class RefreshIn(BaseModel):
    """API clients send the refresh token here; browsers use the httpOnly cookie."""

    model_config = ConfigDict(extra="forbid")
    refresh_token: str | None = Field(default=None, max_length=200)


class ProfileUpdateIn(BaseModel):
    """Editable profile fields; a password change needs the current password."""

    model_config = ConfigDict(extra="forbid")
    nickname: Nickname | None = None
    phone_number: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+\- ]{4,32}$")
    current_password: str | None = Field(default=None, max_length=128)
    new_password: str | None = Field(default=None, min_length=8, max_length=128)


class OtpIn(BaseModel):
    """A 6-digit TOTP code."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[0-9]{6}$")


class Profile(BaseModel):
    """The canonical profile (`GET /api/auth/me`)."""

    id: int
    site_id: str
    nickname: str
    phone_number: str | None
    role: str
    rank: str
    gold: int
    level: int
    xp: int
    xp_to_next: int
    vip_points: int
    totp_enabled: bool
    created_at: datetime
    last_login: datetime | None


class TokenOut(BaseModel):
    """Tokens issued at sign-up, login and refresh."""

    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    session_id: str
    user: Profile


class SessionOut(BaseModel):
    """One active login session."""

    id: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str | None
    device: str | None = None  # "Chrome on Linux", parsed from user_agent (None when unrecognised)
    ip: str | None
    current: bool


class TotpEnrollOut(BaseModel):
    """A new TOTP secret and its otpauth:// URI for authenticator apps."""

    secret: str
    otpauth_uri: str
    qr_svg: str = Field(description="the otpauth URI as a QR code: an SVG data URI for an <img>")


class OkOut(BaseModel):
    """Plain acknowledgement."""

    ok: bool = True
