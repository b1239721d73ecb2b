"""The internal load balancer of a scaled-out stack: nginx with deploy/nginx-cluster.conf.

One nginx process listens where a single Rasa server and a single action server would
(``rasa_port``, ``action_port``) and spreads the calls over the replicas on the ports
after them; see the configuration's own comments for the routing and retry rules.

Open-source nginx does not probe its upstreams, and a restarted action server accepts
connections some seconds before it answers them (Sanic binds its port before the worker
has loaded its models): calls sent there would wait for Rasa's turn budget to run out.
So the stack's supervisor takes a replica out of rotation as soon as it finds it down
and puts it back once its readiness URL answers (``Balancer.take_out``/``put_back``:
the configuration is written again with the replica marked ``down`` and nginx reloads,
finishing the requests in flight).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stack.config import ROOT
from stack.processes import ManagedProcess
from stack.proxy import nginx_command, nginx_paths, render_nginx_conf

logger = logging.getLogger(__name__)

CLUSTER_CONF = ROOT / "deploy" / "nginx-cluster.conf"
# The balancer's own readiness URL (a fixed answer from nginx, on the action-server side).
HEALTH_PATH = "/balancer/health"


@dataclass(frozen=True)
class BalancerLayout:
    """Where the balancer listens, the replicas it spreads calls over and those out of rotation."""

    host: str
    rasa_port: int
    action_port: int
    rasa_replicas: Sequence[int]
    action_replicas: Sequence[int]
    # Whose X-Real-IP header is believed: the public proxy's address (or a CIDR).
    trusted_proxy: str = "127.0.0.1"
    down: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.rasa_replicas or not self.action_replicas:
            raise ValueError("a balancer needs at least one Rasa and one action-server replica")

    @property
    def health_url(self) -> str:
        """Answers 200 once nginx runs, whatever the replicas do."""
        return f"http://{self.host}:{self.action_port}{HEALTH_PATH}"


def server_lines(host: str, ports: Sequence[int], down: Collection[int] = ()) -> str:
    """The ``server`` lines of an upstream block, one per replica; those in ``down`` marked so.

    ``max_fails=0``: nginx counts a read timeout as a failed attempt whatever
    ``proxy_next_upstream`` says, and a turn waiting for its conversation's lock is slow,
    not dead; it would take healthy replicas out ("no live upstreams"). A refused
    connection is still passed to the next replica, and the supervisor takes a replica
    that is down out of rotation (``Balancer.take_out``).
    """
    return "\n".join(
        f"        server {host}:{port} max_fails=0{' down' if port in down else ''};" for port in ports
    )


def render_cluster_conf(layout: BalancerLayout, run_dir: Path) -> Path:
    """Write the balancer's configuration for ``layout`` into ``run_dir``; returns its path."""
    values = {
        "RASA_LISTEN": f"{layout.host}:{layout.rasa_port}",
        "ACTION_LISTEN": f"{layout.host}:{layout.action_port}",
        "RASA_SERVERS": server_lines(layout.host, layout.rasa_replicas, layout.down),
        "ACTION_SERVERS": server_lines(layout.host, layout.action_replicas, layout.down),
        "TRUSTED_PROXY": layout.trusted_proxy,
        **nginx_paths(run_dir),
    }
    return render_nginx_conf(CLUSTER_CONF, values, run_dir / "nginx-cluster.conf")


class Balancer:
    """The balancer's configuration and process, and which replicas are out of rotation."""

    def __init__(self, layout: BalancerLayout, run_dir: Path, nginx: str = "nginx") -> None:
        self.layout = layout
        self.run_dir = run_dir
        self.conf = render_cluster_conf(layout, run_dir)
        self.command = nginx_command(self.conf, nginx, "-g", "daemon off;")
        self.process: ManagedProcess | None = None
        # Supervisor threads call take_out/put_back; one rewrite and reload at a time.
        self._lock = threading.Lock()

    @property
    def replica_ports(self) -> frozenset[int]:
        """The ports of every replica behind the balancer."""
        return frozenset((*self.layout.rasa_replicas, *self.layout.action_replicas))

    def take_out(self, port: int) -> None:
        """Stop sending calls to the replica on ``port`` (it is down or not ready yet)."""
        self._set_down(port, True)

    def put_back(self, port: int) -> None:
        """Send calls to the replica on ``port`` again (it answers its readiness URL)."""
        self._set_down(port, False)

    def _set_down(self, port: int, down: bool) -> None:
        with self._lock:
            ports = self.layout.down | {port} if down else self.layout.down - {port}
            if ports == self.layout.down:
                return
            self.layout = dataclasses.replace(self.layout, down=frozenset(ports))
            render_cluster_conf(self.layout, self.run_dir)
            process = self.process
            if process is not None and process.running and process.pid is not None:
                # SIGHUP: nginx reads the file again; old workers finish what they hold.
                os.kill(process.pid, signal.SIGHUP)
            logger.info(
                "balancer: replica on port %d %s rotation (out: %s)",
                port, "taken out of" if down else "back in",
                ", ".join(map(str, sorted(ports))) or "none",
            )  # fmt: skip
