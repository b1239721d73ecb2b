"""Settings of a running stack: ports, paths and secrets, from the environment."""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from actions.deployment import Mode, check_production_secret
from actions.settings import DEMO_ACTION_SERVER_TOKEN
from web.settings import DEMO_RASA_TOKEN

ROOT = Path(__file__).resolve().parent.parent


class StackSettings(BaseSettings):
    """Where each process listens and what it runs.

    Every field reads the environment variable of the same name in upper case.
    """

    model_config = SettingsConfigDict(extra="ignore")

    cs_env: Mode = Field(default="demo", description="demo: demo store, accounts and secrets; or production.")
    redis_url: str | None = Field(default=None, description="Redis to use; unset: find or start one.")
    host: str = Field(default="127.0.0.1", description="Interface every server binds to.")
    public_host: str = Field(default="localhost", description="Host name browsers use.")
    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8080
    rasa_token: SecretStr = SecretStr(DEMO_RASA_TOKEN)
    action_server_token: SecretStr = SecretStr(DEMO_ACTION_SERVER_TOKEN)
    # Two Rasa server processes use both cores (benchmarks/README.md has the figures);
    # the Redis lock store keeps each conversation's turns in order across them.
    sanic_workers: int = Field(default=2, ge=1, description="Rasa server processes.")
    # Two action-server processes: each customer message runs the emotion model there.
    action_workers: int = Field(default=2, ge=1, description="Action server processes.")
    model_path: Path = ROOT / "models" / "brightcart.tar.gz"
    rasa_venv: Path = ROOT / ".venv-rasa"
    app_python: Path = Path(sys.executable)
    data_dir: Path = Field(default=ROOT / ".data", description="Local Redis data and logs.")
    start_timeout_s: float = Field(default=240.0, gt=0)

    @model_validator(mode="after")
    def _no_demo_secrets_in_production(self) -> StackSettings:
        if self.cs_env == "production":
            check_production_secret("RASA_TOKEN", self.rasa_token)
            check_production_secret("ACTION_SERVER_TOKEN", self.action_server_token)
        return self

    @property
    def log_dir(self) -> Path:
        """One log file per process."""
        return self.data_dir / "logs"
