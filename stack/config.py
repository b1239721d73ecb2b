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
# Far more than two cores can use; the bound keeps a typo from starting hundreds of servers.
MAX_REPLICAS = 16


def _ports(base: int, replicas: int) -> list[int]:
    """``[base]`` for one server; else the balancer's ``base`` and the replicas' ``base+1 .. base+N``."""
    return [base] if replicas == 1 else [base + n for n in range(replicas + 1)]


def replica_ports(base: int, replicas: int) -> list[int]:
    """The ports the servers themselves listen on: ``[base]``, or ``base+1 .. base+N`` behind a balancer."""
    return _ports(base, replicas)[-replicas:]


class StackSettings(BaseSettings):
    """Where each process listens and what it runs.

    Every field reads the environment variable of the same name in upper case.
    """

    model_config = SettingsConfigDict(extra="ignore")

    cs_env: Mode = Field(default="demo", description="demo: demo store, accounts and secrets; or production.")
    redis_url: str | None = Field(default=None, description="Redis to use; unset: find or start one.")
    host: str = Field(default="127.0.0.1", description="Interface every server binds to.")
    public_host: str = Field(default="localhost", description="Host name browsers use.")
    rasa_port: int = Field(default=5005, ge=1, le=65535)
    action_port: int = Field(default=5055, ge=1, le=65535)
    web_port: int = Field(default=8080, ge=1, le=65535)
    # Scale-out (docs/deploy.md "Scale-out"): with N > 1 the internal balancer (nginx,
    # deploy/nginx-cluster.conf) listens on rasa_port and action_port, and the replicas on
    # the N ports after each of them.
    replicas: int = Field(
        default=1, ge=1, le=MAX_REPLICAS, description="Rasa server and action-server replicas."
    )
    rasa_token: SecretStr = SecretStr(DEMO_RASA_TOKEN)
    action_server_token: SecretStr = SecretStr(DEMO_ACTION_SERVER_TOKEN)
    # Two Rasa server processes use both cores (benchmarks/README.md has the figures);
    # the Redis lock store keeps each conversation's turns in order across them.
    sanic_workers: int = Field(default=2, ge=1, description="Rasa server processes (per replica).")
    # Two action-server processes: each customer message runs the emotion model there.
    action_workers: int = Field(default=2, ge=1, description="Action server processes (per replica).")
    model_path: Path = ROOT / "models" / "brightcart.tar.gz"
    rasa_endpoints: Path = Field(
        default=ROOT / "bot" / "endpoints.yml", description="Rasa's endpoints (stores, action server)."
    )
    rasa_venv: Path = ROOT / ".venv-rasa"
    app_python: Path = Path(sys.executable)
    data_dir: Path = Field(default=ROOT / ".data", description="Local Redis data and logs.")
    start_timeout_s: float = Field(default=240.0, gt=0)
    nginx: str = Field(default="/usr/sbin/nginx", description="nginx binary of the internal balancer.")
    # Off unless asked for: `python -m stack run` (make run) turns both on; test stacks leave them off.
    demo_history_days: int = Field(
        default=0, ge=0, le=400, description="Days of simulated demo history loaded once (0: none)."
    )
    topics_every_s: float = Field(
        default=0, ge=0, description="Run the topics job every this many seconds (0: not started)."
    )

    @model_validator(mode="after")
    def _one_worker_per_replica(self) -> StackSettings:
        # With replicas the processes are the replicas: each gets one Sanic worker unless
        # SANIC_WORKERS / ACTION_WORKERS say otherwise (benchmarks/README.md, replicas).
        if self.replicas > 1:
            for field in ("sanic_workers", "action_workers"):
                if field not in self.model_fields_set:
                    setattr(self, field, 1)
        return self

    @model_validator(mode="after")
    def _ports_apart(self) -> StackSettings:
        taken: dict[int, str] = {}
        for part, ports in (
            ("rasa", self.rasa_ports),
            ("action server", self.action_ports),
            ("web app", [self.web_port]),
        ):
            for port in ports:
                if port > 65535:
                    raise ValueError(f"{part} port {port} is above 65535: lower its base port or REPLICAS")
                if port in taken:
                    raise ValueError(
                        f"port {port} is wanted by both the {taken[port]} and the {part} "
                        f"(replicas={self.replicas}: a part with replicas takes its port and the "
                        f"{self.replicas} after it)"
                    )
                taken[port] = part
        return self

    @model_validator(mode="after")
    def _no_demo_history_in_production(self) -> StackSettings:
        if self.cs_env == "production" and self.demo_history_days:
            raise ValueError(
                "demo_history_days: the demo history is simulated data for demo mode only; "
                "unset DEMO_HISTORY_DAYS in production"
            )
        return self

    @model_validator(mode="after")
    def _no_demo_secrets_in_production(self) -> StackSettings:
        if self.cs_env == "production":
            check_production_secret("RASA_TOKEN", self.rasa_token)
            check_production_secret("ACTION_SERVER_TOKEN", self.action_server_token)
        return self

    @property
    def scaled_out(self) -> bool:
        """Whether the Rasa and action servers run as replicas behind the internal balancer."""
        return self.replicas > 1

    @property
    def rasa_ports(self) -> list[int]:
        """Every port the Rasa side takes: rasa_port (server or balancer), then the replicas'."""
        return _ports(self.rasa_port, self.replicas)

    @property
    def action_ports(self) -> list[int]:
        """Every port the action side takes: action_port (server or balancer), then the replicas'."""
        return _ports(self.action_port, self.replicas)

    @property
    def rasa_replica_ports(self) -> list[int]:
        """The ports the Rasa servers themselves listen on."""
        return replica_ports(self.rasa_port, self.replicas)

    @property
    def action_replica_ports(self) -> list[int]:
        """The ports the action servers themselves listen on."""
        return replica_ports(self.action_port, self.replicas)

    @property
    def log_dir(self) -> Path:
        """One log file per process."""
        return self.data_dir / "logs"
