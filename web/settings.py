"""Typed runtime settings for the chat web app, read from the environment."""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from actions.deployment import Mode, check_production_secret, check_production_switch
from actions.identity.tokens import DEFAULT_KEY_ID, DEMO_IDENTITY_SECRET
from web.accounts.settings import AccountSettings

logger = logging.getLogger(__name__)

# DEMO DEFAULT, not a secret: set RASA_TOKEN in any real deployment (the stack
# gives the Rasa server and the web app the same value).
DEMO_RASA_TOKEN = "demo-rasa-token-change-me"
# esbuild's output (npm run build at setup): the widget and the consoles' scripts.
# Resolved relative to this file so the default works from any working directory.
DEFAULT_BUILD_DIR = Path(__file__).resolve().parent / "build"
# DEMO DEFAULT, the Rasa server's own (rasa_addons/conversation_ids.py, which the web app's
# image does not hold): set CONVERSATION_SECRET to the same value for both in any real deployment.
DEMO_CONVERSATION_SECRET = "demo-conversation-secret-change-me"


class WebSettings(BaseSettings):
    """Settings for the web app: the chat widget's page and the two consoles.

    Every field is read from the environment variable of the same name in
    upper case (for example ``WEB_PORT``), and ``accounts`` from its own
    variables; constructor arguments win over the environment, which is how
    tests inject their own values.
    """

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    cs_env: Mode = Field(default="demo", description="demo, or production: demo secrets refused (CS_ENV).")
    web_host: str = Field(
        default="127.0.0.1",
        description="Interface uvicorn binds to (WEB_HOST).",
    )
    web_port: int = Field(
        default=8080,
        ge=1,
        le=65535,
        description="TCP port uvicorn listens on (WEB_PORT).",
    )
    rasa_public_url: str = Field(
        default="http://localhost:5005",
        description=(
            "Base URL the *browser* uses to reach Rasa's socket.io channel "
            "(RASA_PUBLIC_URL). Give the origin only: socket.io-client treats "
            "a URL path as a namespace, not as a prefix."
        ),
    )
    web_build_dir: Path = Field(
        default=DEFAULT_BUILD_DIR,
        description="Directory of the bundled widget and console scripts (WEB_BUILD_DIR).",
    )
    rasa_url: str = Field(
        default="http://127.0.0.1:5005",
        description="Base URL the *web app* uses for Rasa's HTTP API (RASA_URL); never exposed to browsers.",
    )
    rasa_token: SecretStr = Field(
        default=SecretStr(DEMO_RASA_TOKEN),
        description="Token of Rasa's HTTP API (RASA_TOKEN); demo default.",
    )
    rasa_timeout_s: float = Field(default=5.0, gt=0, description="Per-request timeout for Rasa's HTTP API.")
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0", description="Redis holding all state (REDIS_URL)."
    )
    cs_key_prefix: str = Field(default="cs", description="Prefix of every Redis key (CS_KEY_PREFIX).")
    cs_identity_secret: SecretStr = Field(
        default=SecretStr(DEMO_IDENTITY_SECRET),
        description=(
            "HMAC secret shared with the store's website and the Rasa server (CS_IDENTITY_SECRET); "
            "the demo page signs with it."
        ),
    )
    cs_identity_key_id: str = Field(
        default=DEFAULT_KEY_ID,
        pattern=r"^[A-Za-z0-9_-]{1,16}$",
        description="Id of that key in the tokens the demo page signs (CS_IDENTITY_KEY_ID).",
    )
    demo_store: bool = Field(
        default=False,
        description=(
            "Serve the demo store page at / that signs demo customers in (DEMO_STORE); only the "
            "demo stack turns it on. A real store's own site signs its customers' tokens."
        ),
    )
    conversation_secret: SecretStr = Field(
        default=SecretStr(DEMO_CONVERSATION_SECRET),
        description=(
            "The Rasa server's CONVERSATION_SECRET: the widget's waiting banner proves its conversation "
            "with the ticket Rasa signed with it (web/waiting.py); demo default."
        ),
    )
    handoff_gone_after_s: float = Field(
        default=600,
        gt=0,
        description=(
            "A waiting customer not seen (no widget check-in) for this long has gone: the handoff "
            "moves to status follow_up (HANDOFF_GONE_AFTER_S, default 10 minutes)."
        ),
    )
    handoff_stale_after_s: float = Field(
        default=24 * 3600,
        gt=0,
        description=(
            "An open handoff untouched for this long is closed automatically with a note "
            "(HANDOFF_STALE_AFTER_S, default 24 hours)."
        ),
    )
    handoff_sweep_every_s: float = Field(
        default=60,
        gt=0,
        description="How often the web app's sweeper looks over the queue (HANDOFF_SWEEP_EVERY_S).",
    )
    accounts: AccountSettings = Field(
        default_factory=AccountSettings,
        description=(
            "Console sign-in (WEB_SECRET_KEY, WEB_SESSION_HOURS, WEB_IDLE_MINUTES, WEB_COOKIE_SECURE); "
            "in production its cookies are always Secure."
        ),
    )

    @model_validator(mode="after")
    def _no_demo_values_in_production(self) -> WebSettings:
        if self.cs_env == "production":
            check_production_secret("RASA_TOKEN", self.rasa_token)
            check_production_secret("CS_IDENTITY_SECRET", self.cs_identity_secret)
            check_production_secret("WEB_SECRET_KEY", self.accounts.web_secret_key)
            check_production_switch("DEMO_STORE", self.demo_store)
            # The widget's waiting banner checks the Rasa server's conversation tickets with it.
            check_production_secret("CONVERSATION_SECRET", self.conversation_secret)
            if not self.accounts.web_cookie_secure:
                # Production is served over HTTPS: a cookie sent in clear text is never right there.
                if "web_cookie_secure" in self.accounts.model_fields_set:
                    logger.warning("WEB_COOKIE_SECURE=false is ignored in production: cookies are Secure")
                self.accounts = self.accounts.model_copy(update={"web_cookie_secure": True})
        return self

    @field_validator("rasa_public_url", "rasa_url")
    @classmethod
    def _require_http_scheme(cls, value: str) -> str:
        # Catch "localhost:5005"-style typos at startup instead of as a silent
        # connection failure in the browser.
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError("RASA_PUBLIC_URL and RASA_URL must start with http:// or https://")
        return value
