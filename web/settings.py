"""Typed runtime settings for the chat web app, read from the environment."""

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Resolved relative to this file so the default works from any working directory.
DEFAULT_NODE_MODULES = Path(__file__).resolve().parent / "node_modules"


class WebSettings(BaseSettings):
    """Settings for the chat web app.

    Every field is read from the environment variable of the same name in
    upper case (for example ``WEB_PORT``); constructor arguments win over the
    environment, which is how tests inject their own values.
    """

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

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
    web_node_modules: Path = Field(
        default=DEFAULT_NODE_MODULES,
        description=(
            "Directory holding the npm-installed front-end dependencies "
            "(WEB_NODE_MODULES); defaults to web/node_modules."
        ),
    )

    @field_validator("rasa_public_url")
    @classmethod
    def _require_http_scheme(cls, value: str) -> str:
        # Catch "localhost:5005"-style typos at startup instead of as a silent
        # connection failure in the browser.
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError("RASA_PUBLIC_URL must start with http:// or https://")
        return value
