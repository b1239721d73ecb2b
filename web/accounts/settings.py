"""Typed settings of console sign-in: the cookie signing key, session lifetime, cookie flags."""

from __future__ import annotations

import hmac
from typing import Literal, TypedDict

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# DEMO DEFAULT, not a secret: anyone can read it here and forge console cookies with it.
# Set WEB_SECRET_KEY (32+ random characters, e.g. `python -c "import secrets;
# print(secrets.token_urlsafe(48))"`) in any real deployment. Using it logs a warning.
DEMO_WEB_SECRET_KEY = "DEMO-ONLY-console-cookie-key-change-me-in-production"
MIN_SECRET_KEY_LENGTH = 32


class CookieFlags(TypedDict):
    """The attributes our cookies are set with; a browser deletes a cookie only when they match."""

    path: str
    secure: bool
    httponly: bool
    samesite: Literal["lax", "strict"]


class AccountSettings(BaseSettings):
    """Console sign-in settings.

    Read from ``WEB_SECRET_KEY``, ``WEB_SESSION_HOURS``, ``WEB_IDLE_MINUTES`` and ``WEB_COOKIE_SECURE``;
    constructor arguments win over the environment, which is how tests set them.
    """

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    web_secret_key: SecretStr = Field(
        default=SecretStr(DEMO_WEB_SECRET_KEY),
        description="Key that signs session and sign-in form cookies (WEB_SECRET_KEY).",
    )
    web_session_hours: float = Field(
        default=8.0,
        gt=0,
        le=30 * 24,
        description="How long a sign-in lasts at most, in hours (WEB_SESSION_HOURS); no sliding renewal.",
    )
    web_idle_minutes: float = Field(
        default=30.0,
        gt=0,
        le=24 * 60,
        description=(
            "A session with no request for this many minutes ends (WEB_IDLE_MINUTES), however "
            "young it is; the live stream of an open console does not count as a request."
        ),
    )
    web_cookie_secure: bool = Field(
        default=False,
        description=(
            "Send cookies over HTTPS only (WEB_COOKIE_SECURE). Off by default so "
            "http://localhost works in the demo; always on in production (CS_ENV=production)."
        ),
    )

    @field_validator("web_secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        # A short key can be guessed offline from any signed cookie.
        if len(value.get_secret_value()) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(f"WEB_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters")
        return value

    @property
    def session_lifetime_s(self) -> int:
        """Session lifetime in whole seconds: Redis TTL, cookie Max-Age and signature max age."""
        return max(1, int(self.web_session_hours * 3600))

    @property
    def idle_timeout_s(self) -> int:
        """Idle timeout in whole seconds: the Redis TTL a request renews, never beyond the lifetime."""
        return max(1, min(int(self.web_idle_minutes * 60), self.session_lifetime_s))

    @property
    def uses_demo_secret(self) -> bool:
        """Whether cookies are signed with the published demo key."""
        return hmac.compare_digest(self.web_secret_key.get_secret_value(), DEMO_WEB_SECRET_KEY)

    @property
    def session_cookie(self) -> str:
        """Name of the session cookie; the ``__Host-`` prefix pins it to this host over HTTPS."""
        return "__Host-bc_session" if self.web_cookie_secure else "bc_session"

    def cookie_flags(self, samesite: Literal["lax", "strict"]) -> CookieFlags:
        """Path ``/``, HttpOnly, Secure when configured and ``samesite``: to set and to delete a cookie."""
        return CookieFlags(path="/", secure=self.web_cookie_secure, httponly=True, samesite=samesite)

    @property
    def login_csrf_cookie(self) -> str:
        """Name of the sign-in form's double-submit cookie."""
        return "__Host-bc_login_csrf" if self.web_cookie_secure else "bc_login_csrf"
