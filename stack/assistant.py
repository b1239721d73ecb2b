"""The whole assistant as one object: start everything in order, stop everything."""

from __future__ import annotations

import logging
import os
from datetime import date
from urllib.parse import urlparse

from redis import Redis

from actions.errors import AssistantError
from actions.keys import Keys
from seed.demo_accounts import ensure_demo_accounts
from seed.export_files import read_export
from seed.generate import generate, write_export
from seed.history.loader import HistoryOptions, load_history
from seed.knowledge import index_knowledge
from seed.personalisation import prepare_personalisation
from seed.redis_loader import LoadReport, load_store
from stack.balancer import Balancer, BalancerLayout
from stack.config import ROOT, StackSettings
from stack.processes import ManagedProcess, ProcessFailed, port_in_use
from stack.redis_server import RedisEndpoint, resolve
from stack.supervision import RestartPolicy, Supervisor

logger = logging.getLogger(__name__)

DEMO_SEED = 7
DEFAULT_RESTART_POLICY = RestartPolicy()


class Assistant:
    """Redis (found or started), the action server, the Rasa server and the web app.

    Use as a context manager; leaving it stops every process it started, in
    reverse order. While it runs, a supervisor (stack/supervision.py) restarts
    the action server, the Rasa server or the web app when one exits on its own;
    ``restart_policy=None`` turns that off. A Redis it started is not restarted.

    With ``settings.replicas`` N > 1 the Rasa and action servers run as N replicas each
    (parts ``rasa-1`` ... and ``action-server-1`` ...), behind the internal balancer (part
    ``balancer``, stack/balancer.py) on the ports a single server would take; each replica
    is supervised on its own.
    """

    def __init__(
        self, settings: StackSettings, restart_policy: RestartPolicy | None = DEFAULT_RESTART_POLICY
    ) -> None:
        self.settings = settings
        self.processes: list[ManagedProcess] = []
        self.redis: RedisEndpoint | None = None
        self.restart_policy = restart_policy
        self.supervisor: Supervisor | None = None
        self.balancer: Balancer | None = None

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server's HTTP API and channels (the balancer's, with replicas)."""
        return f"http://{self.settings.host}:{self.settings.rasa_port}"

    @property
    def action_url(self) -> str:
        """Base URL of the action server (the balancer's, with replicas)."""
        return f"http://{self.settings.host}:{self.settings.action_port}"

    @property
    def rasa_replica_urls(self) -> list[str]:
        """Base URL of each Rasa server itself (``[rasa_url]`` without replicas)."""
        return [f"http://{self.settings.host}:{port}" for port in self.settings.rasa_replica_ports]

    @property
    def action_replica_urls(self) -> list[str]:
        """Base URL of each action server itself (``[action_url]`` without replicas)."""
        return [f"http://{self.settings.host}:{port}" for port in self.settings.action_replica_ports]

    @property
    def web_url(self) -> str:
        """URL of the web app as a browser on this machine opens it."""
        return f"http://{self.settings.public_host}:{self.settings.web_port}"

    def __enter__(self) -> Assistant:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self, seed_demo: bool = True) -> None:
        """Start every part and wait until each one answers."""
        s = self.settings
        self.redis, redis_process = resolve(s.redis_url, s.data_dir, s.log_dir)
        if redis_process is not None:
            self.processes.append(redis_process)
        # Production loads the store's own export; the demo store and accounts are the demo's.
        if seed_demo and s.cs_env == "demo":
            report = self.seed_demo_store()
            logger.info("demo store loaded: %d products, %d orders", report.products, report.orders)
            if s.demo_history_days:
                self.load_demo_history()
        if s.scaled_out:
            self.start_balancer()
        self.start_action_server()
        self.start_rasa()
        self.start_web()
        if s.topics_every_s:
            self.start_topics_job()
            self.start_outcomes_job()

    def seed_demo_store(self) -> LoadReport:
        """Generate the demo store (seeded, dated today) and load it into Redis."""
        assert self.redis is not None
        directory = self.settings.data_dir / "demo_store"
        write_export(generate(DEMO_SEED, date.today()), directory)
        prefix = os.environ.get("CS_KEY_PREFIX", "cs")  # the action server's key prefix
        redis, keys, store = Redis.from_url(self.redis.url), Keys(prefix), read_export(directory)
        report = load_store(redis, keys, store, source="demo")
        index = index_knowledge(redis, keys, store)
        logger.info("knowledge index: %d passages (%d embedded)", index.passages, index.embedded)
        for line in prepare_personalisation(redis, self.redis.url, keys, store).lines():
            logger.info("%s", line)
        for account in ensure_demo_accounts(self.redis.url, keys):
            logger.info("DEMO console account created: %s (%s)", account.username, account.role)
        return report

    def load_demo_history(self) -> None:
        """Load the simulated demo history once (seed/history); the topics job places it on its first run."""
        assert self.redis is not None
        prefix = os.environ.get("CS_KEY_PREFIX", "cs")
        options = HistoryOptions(days=self.settings.demo_history_days)
        try:
            report = load_history(self.redis.url, Keys(prefix), self.settings.cs_env, options)
        except AssistantError as error:  # the assistant works without it: say so and carry on
            logger.warning("demo history not loaded: %s", error)
            return
        for line in report.lines():
            logger.info("%s", line)

    def start_topics_job(self) -> ManagedProcess:
        """The topics job (jobs/topics.py ``run --every``): at once, then every ``topics_every_s``.

        It serves nothing, so it has no readiness URL: it is up while it runs, and the
        supervisor starts it again if it exits (docs/insights.md).
        """
        s = self.settings
        assert self.redis is not None
        prefix = os.environ.get("CS_KEY_PREFIX", "cs")
        command = [
            str(s.app_python), "-m", "jobs.topics", "run", "--every", f"{s.topics_every_s:g}",
            "--redis-url", self.redis.url, "--prefix", prefix,
            # One torch thread: a run must not take both cores from the servers answering customers.
            "--threads", "1",
        ]  # fmt: skip
        env = {**self._environment(), "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}
        process = ManagedProcess("topics", command, s.log_dir / "topics.log", env=env, cwd=ROOT)
        process.start()
        self.processes.append(process)
        logger.info("topics job started: every %g s (log %s)", s.topics_every_s, process.log_path)
        if self.restart_policy is not None:
            if self.supervisor is None:
                self.supervisor = Supervisor(self.restart_policy, s.start_timeout_s)
            self.supervisor.watch(process, None)
        return process

    def start_outcomes_job(self) -> ManagedProcess:
        """Purchases after offers (jobs/offer_outcomes.py ``run --every``), as often as the topics job.

        Its own small process beside the topics job, so neither one's failure stops the other;
        supervised the same way (docs/offers.md, "Uplift against the control group").
        """
        s = self.settings
        assert self.redis is not None
        prefix = os.environ.get("CS_KEY_PREFIX", "cs")
        command = [
            str(s.app_python), "-m", "jobs.offer_outcomes", "--redis-url", self.redis.url, "--prefix", prefix,
            "run", "--every", f"{s.topics_every_s:g}",
        ]  # fmt: skip
        process = ManagedProcess(
            "offer-outcomes", command, s.log_dir / "offer-outcomes.log", env=self._environment(), cwd=ROOT
        )
        process.start()
        self.processes.append(process)
        if self.supervisor is not None:  # the topics job, started just before, created it
            self.supervisor.watch(process, None)
        return process

    def _environment(self) -> dict[str, str]:
        assert self.redis is not None
        return {
            **os.environ,
            **self.redis.rasa_environment(),
            "ACTION_SERVER_URL": f"{self.action_url}/webhook",
            # Rasa sends it with every action call (bot/endpoints.yml); the action server checks it.
            "ACTION_SERVER_TOKEN": self.settings.action_server_token.get_secret_value(),
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONUNBUFFERED": "1",
        }

    def _launch(self, name: str, command: list[str], ready_url: str, env: dict[str, str]) -> ManagedProcess:
        return self._launch_all([(name, command, ready_url, env)])[0]

    def _launch_all(self, parts: list[tuple[str, list[str], str, dict[str, str]]]) -> list[ManagedProcess]:
        """Start every part at once (replicas load their models side by side), then wait for each."""
        for name, _, ready_url, _ in parts:
            port = urlparse(ready_url).port
            if port is not None and port_in_use(self.settings.host, port):
                # Otherwise another server on the port would answer the readiness check.
                raise ProcessFailed(
                    f"{name}: port {port} is already in use; stop what runs there or set another port"
                )
        started = []
        for name, command, ready_url, env in parts:
            process = ManagedProcess(name, command, self.settings.log_dir / f"{name}.log", env=env, cwd=ROOT)
            process.start()
            self.processes.append(process)
            started.append((process, ready_url))
        for process, ready_url in started:
            process.wait_until_ready(ready_url, self.settings.start_timeout_s)
            logger.info("%s is up", process.name)
            port = urlparse(ready_url).port
            if self.balancer is not None and port in self.balancer.replica_ports:
                self.balancer.put_back(port)  # a replica started again by hand after a give-up
            self._supervise(process, ready_url)
        return [process for process, _ in started]

    def _supervise(self, process: ManagedProcess, ready_url: str) -> None:
        if self.restart_policy is None:
            return
        if self.supervisor is None:
            self.supervisor = Supervisor(self.restart_policy, self.settings.start_timeout_s)
        port, balancer = urlparse(ready_url).port, self.balancer
        if balancer is None or port is None or port not in balancer.replica_ports:
            self.supervisor.watch(process, ready_url)
            return
        # A replica leaves the balancer's rotation while it is down or loading.
        self.supervisor.watch(
            process,
            ready_url,
            on_down=lambda _: balancer.take_out(port),
            on_up=lambda _: balancer.put_back(port),
        )

    def _replica_names(self, part: str) -> list[str]:
        count = self.settings.replicas
        return [part] if count == 1 else [f"{part}-{n}" for n in range(1, count + 1)]

    def start_balancer(self) -> ManagedProcess:
        """The balancer (nginx, deploy/nginx-cluster.conf) on the ports a single server would take."""
        s = self.settings
        layout = BalancerLayout(
            host=s.host,
            rasa_port=s.rasa_port,
            action_port=s.action_port,
            rasa_replicas=s.rasa_replica_ports,
            action_replicas=s.action_replica_ports,
            trusted_proxy=s.host,
        )
        if port_in_use(s.host, s.rasa_port):  # _launch checks the other port, action_port
            raise ProcessFailed(f"balancer: port {s.rasa_port} is already in use; stop what runs there")
        self.balancer = Balancer(layout, s.data_dir / "balancer", s.nginx)
        self.balancer.process = self._launch("balancer", self.balancer.command, layout.health_url, {})
        return self.balancer.process

    def start_action_server(self) -> list[ManagedProcess]:
        """rasa-sdk action server with our actions package (each replica)."""
        s = self.settings
        env = {
            **self._environment(),
            "ACTION_SERVER_SANIC_WORKERS": str(s.action_workers),
            # rasa-sdk binds 0.0.0.0 unless told otherwise; only Rasa needs to reach it.
            "SANIC_HOST": s.host,
            # glibc gives each thread its own malloc arena; torch's and llama.cpp's threads
            # then hold ~200 MB more per server for no speed (benchmarks/README.md).
            "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2"),
        }
        parts = []
        for name, port in zip(self._replica_names("action-server"), s.action_replica_ports, strict=True):
            command = [str(s.app_python), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]
            parts.append((name, command, f"http://{s.host}:{port}/health", env))
        return self._launch_all(parts)

    def start_rasa(self) -> list[ManagedProcess]:
        """Rasa server: REST and socket.io channels, HTTP API behind the token (each replica)."""
        s = self.settings
        if not s.model_path.is_file():
            raise FileNotFoundError(f"no trained model at {s.model_path}: run `make setup`")
        env = {
            **self._environment(),
            "SANIC_WORKERS": str(s.sanic_workers),
            "RASA_AUTH_TOKEN": s.rasa_token.get_secret_value(),
        }
        if s.scaled_out:
            # Every socket reaches a replica through the balancer, which sets X-Real-IP (and
            # believes only the public proxy's): the per-address limits count clients, not it.
            env.setdefault("CLIENT_ADDRESS_HEADER", "X-Real-IP")
        parts = []
        for name, port in zip(self._replica_names("rasa"), s.rasa_replica_ports, strict=True):
            command = [
                # The rasa CLI with rasa_addons applied (see rasa_addons/__main__.py).
                str(s.rasa_venv / "bin" / "python"), "-m", "rasa_addons", "run",
                "--model", str(s.model_path),
                "--endpoints", str(s.rasa_endpoints),
                "--credentials", str(ROOT / "bot" / "credentials.yml"),
                # The API token comes from RASA_AUTH_TOKEN (rasa_addons/__main__.py), never the command line.
                "--enable-api",
                "--interface", s.host, "--port", str(port),
            ]  # fmt: skip
            # /version needs no token, and Rasa answers only once the model is loaded.
            parts.append((name, command, f"http://{s.host}:{port}/version", env))
        return self._launch_all(parts)

    def start_web(self) -> ManagedProcess:
        """The web app with the chat page."""
        s = self.settings
        assert self.redis is not None
        env = {
            **self._environment(),
            "WEB_HOST": s.host,
            "DEMO_STORE": "true" if s.cs_env == "demo" else "false",
            "WEB_PORT": str(s.web_port),
            "RASA_PUBLIC_URL": f"http://{s.public_host}:{s.rasa_port}",
            # Server side only: the consoles reach Rasa's HTTP API with its token.
            "RASA_URL": self.rasa_url,
            "RASA_TOKEN": s.rasa_token.get_secret_value(),
        }
        return self._launch(
            "web", [str(s.app_python), "-m", "web"], f"http://{s.host}:{s.web_port}/healthz", env
        )

    def stop_part(self, name: str) -> None:
        """Stop one part ("rasa", "action-server", "web"), e.g. to test a dead dependency.

        "rasa" and "action-server" stop every replica; "rasa-2" only that one. A deliberate
        stop: the supervisor leaves the part down until it is started again.
        """
        for process in [p for p in self.processes if _of_part(p.name, name)]:
            process.stop()
            self.processes.remove(process)

    def restart_rasa(self) -> None:
        """Stop and start the Rasa server (conversations must survive this)."""
        self.stop_part("rasa")
        self.start_rasa()

    def exited_for_good(self) -> list[str]:
        """Processes that exited and that nothing restarts: unsupervised ones, such as our Redis.

        A part the supervisor is restarting, or gave up on, is not listed.
        """
        supervisor = self.supervisor
        return [
            p.name
            for p in self.processes
            if not p.running and (supervisor is None or not supervisor.watches(p))
        ]

    def stop(self) -> None:
        """Stop every process we started, newest first."""
        supervisor, self.supervisor = self.supervisor, None
        self.balancer = None
        if supervisor is not None:
            supervisor.close()  # before stopping: these exits are no crashes
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()
        if supervisor is not None:
            supervisor.join()


def _of_part(process_name: str, part: str) -> bool:
    """Whether ``process_name`` is ``part`` or one of its replicas (``rasa-2`` of ``rasa``)."""
    replica = process_name.removeprefix(f"{part}-")
    return process_name == part or (replica != process_name and replica.isdigit())


def pids(assistant: Assistant) -> dict[str, int]:
    """Process ids by part, for benchmarks that read memory."""
    return {p.name: p.pid for p in assistant.processes if p.pid is not None}
