"""Typed settings for the action server, read from the environment once at start-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from actions.deployment import Mode, check_production_secret

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# DEMO DEFAULT: public, for `make run` only.
DEMO_ACTION_SERVER_TOKEN = "DEMO-ONLY-action-server-token-change-me"


class Settings(BaseSettings):
    """Action-server settings.

    Every field can be set from an environment variable of the same name in upper
    case (``REDIS_URL``, ``CS_KEY_PREFIX``...). Tests build ``Settings(...)`` directly.
    """

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    cs_env: Mode = Field(default="demo", description="demo, or production: demo secrets refused (CS_ENV).")
    redis_url: str = Field(default=DEFAULT_REDIS_URL, description="Redis holding all state.")
    cs_key_prefix: str = Field(default="cs", description="Prefix of every key we write.")
    redis_timeout_s: float = Field(default=2.0, gt=0, description="Per-command timeout.")
    max_order_lookup_failures: int = Field(
        default=3, ge=1, description="Failed order/e-mail pairs before a person is offered."
    )
    order_id_pattern: str = Field(
        default=r"\d{6}", description="Regex an order number must match in full (demo: 6 digits)."
    )
    emotion_model_dir: Path = Field(
        default=PROJECT_ROOT / "models" / "emotion", description="Trained emotion classifier (committed)."
    )
    emotion_onnx_dir: Path = Field(
        default=PROJECT_ROOT / "models" / "emotion-onnx",
        description="ONNX export of the emotion model (made at setup); torch reads emotions without it.",
    )
    minilm_onnx_dir: Path = Field(
        default=PROJECT_ROOT / "models" / "minilm-onnx",
        description="ONNX export of all-MiniLM-L6-v2 (made at setup); torch encodes texts without it.",
    )
    escalation_policy: Path = Field(
        default=PROJECT_ROOT / "escalation.yml", description="When conversations go to a person."
    )
    torch_threads: int = Field(default=1, ge=1, description="CPU threads per inference call.")
    retrieval_min_score: float = Field(
        default=0.5, description="Best passage score below which the assistant says it does not know."
    )
    answer_passages: int = Field(default=3, ge=1, le=8, description="Passages shown to the generator.")
    answer_wait_for_busy_model: bool = Field(
        default=False,
        description="Whether an answer waits for an in-process model busy with another customer's answer "
        "(false: it is answered from the extractive quote at once).",
    )
    # DEMO DEFAULT: the Rasa server sends it with every action call (actions/endpoint_auth.py)
    # and keys its word for a verified customer with it (actions/identity/metadata.py).
    # Customer tokens themselves are checked by the Rasa server as messages arrive.
    action_server_token: SecretStr = Field(
        default=SecretStr(DEMO_ACTION_SERVER_TOKEN),
        min_length=1,
        description="Shared secret the action server requires on every call (ACTION_SERVER_TOKEN).",
    )

    @model_validator(mode="after")
    def _no_demo_secrets_in_production(self) -> Settings:
        if self.cs_env == "production":
            check_production_secret("ACTION_SERVER_TOKEN", self.action_server_token)
        return self
