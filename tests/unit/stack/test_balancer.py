"""The balancer's configuration (deploy/nginx-cluster.conf) rendered for N replicas, checked by nginx."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from stack.balancer import Balancer, BalancerLayout, render_cluster_conf
from stack.config import StackSettings
from stack.processes import ManagedProcess
from stack.proxy import nginx_command, render_public_conf

NGINX = shutil.which("nginx") or shutil.which("/usr/sbin/nginx")
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (make setup installs it)")


def _layout(replicas: int, down: frozenset[int] = frozenset()) -> BalancerLayout:
    settings = StackSettings(replicas=replicas, rasa_port=27005, action_port=27055, web_port=27080)
    return BalancerLayout(
        host=settings.host,
        rasa_port=settings.rasa_port,
        action_port=settings.action_port,
        rasa_replicas=settings.rasa_replica_ports,
        action_replicas=settings.action_replica_ports,
        down=down,
    )


def _upstreams(conf: str) -> dict[str, list[str]]:
    """Each upstream block's server lines, as written."""
    return {
        name: re.findall(r"^\s*server (\S+.*?);$", body, re.MULTILINE)
        for name, body in re.findall(r"upstream (\w+) \{(.*?)\n    \}", conf, re.DOTALL)
    }


def _nginx_accepts(conf: Path) -> subprocess.CompletedProcess[str]:
    assert NGINX is not None
    return subprocess.run(nginx_command(conf, NGINX, "-t"), capture_output=True, text=True, timeout=30)


@needs_nginx
@pytest.mark.parametrize("replicas", [2, 3, 5])
def test_the_rendered_configuration_passes_nginx_t_with_one_server_per_replica(
    replicas: int, tmp_path: Path
) -> None:
    conf = render_cluster_conf(_layout(replicas), tmp_path)
    checked = _nginx_accepts(conf)
    assert checked.returncode == 0, checked.stderr
    upstreams = _upstreams(conf.read_text())
    rasa = [f"127.0.0.1:{27005 + n} max_fails=0" for n in range(1, replicas + 1)]
    actions = [f"127.0.0.1:{27055 + n} max_fails=0" for n in range(1, replicas + 1)]
    assert upstreams == {"rasa": rasa, "rasa_sockets": rasa, "action_servers": actions}


def test_listen_lines_routing_and_retry_rules(tmp_path: Path) -> None:
    conf = render_cluster_conf(_layout(2), tmp_path).read_text()
    assert "listen 127.0.0.1:27005;" in conf and "listen 127.0.0.1:27055;" in conf
    assert not re.search(r"\$\{[A-Z_]+\}", conf)  # every placeholder filled in
    # socket.io sticks to a replica per client address; the REST channel and the API go round robin.
    sockets = conf[conf.index("upstream rasa_sockets") :]
    assert sockets.split("\n")[1].strip() == "hash $remote_addr consistent;"
    assert (
        "hash" not in conf[conf.index("upstream rasa {") : conf.index("upstream rasa {") + 200].split("}")[0]
    )
    # A POST already sent to Rasa is never sent again; a broken action call is, once.
    rasa_server = conf[conf.index("listen 127.0.0.1:27005") : conf.index("listen 127.0.0.1:27055")]
    assert "proxy_next_upstream error;" in rasa_server and "non_idempotent" not in rasa_server
    actions = conf[conf.index("listen 127.0.0.1:27055") :]
    assert "proxy_next_upstream error non_idempotent;" in actions
    # The access log never carries the HTTP API's token (it travels in the query string).
    assert "$request " not in conf and "$request_uri" not in conf and "$args" not in conf


@needs_nginx
def test_replicas_out_of_rotation_are_marked_down_and_nginx_still_accepts_it(tmp_path: Path) -> None:
    conf = render_cluster_conf(_layout(2, down=frozenset({27006, 27056, 27057})), tmp_path)
    assert _nginx_accepts(conf).returncode == 0
    upstreams = _upstreams(conf.read_text())
    assert [line.endswith(" down") for line in upstreams["rasa"]] == [True, False]
    assert [line.endswith(" down") for line in upstreams["action_servers"]] == [True, True]


class _Running(ManagedProcess):
    """A process that looks started (nothing is)."""

    def __init__(self) -> None:
        super().__init__("balancer", ["true"], Path("unused.log"))

    @property
    def running(self) -> bool:
        return True

    @property
    def pid(self) -> int | None:
        return 4242


def test_taking_a_replica_out_and_back_rewrites_the_file_and_reloads_nginx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr("stack.balancer.os.kill", lambda pid, sig: sent.append((pid, sig)))
    balancer = Balancer(_layout(2), tmp_path)
    balancer.process = _Running()
    balancer.take_out(27007)
    assert "127.0.0.1:27007 max_fails=0 down;" in balancer.conf.read_text()
    balancer.take_out(27007)  # already out: nothing to do
    balancer.put_back(27007)
    assert " down;" not in balancer.conf.read_text()
    assert len(sent) == 2 and all(pid == 4242 for pid, _ in sent)
    assert not list(tmp_path.glob(".*.new"))  # written aside and renamed into place


def test_a_balancer_without_replicas_is_refused() -> None:
    with pytest.raises(ValueError):
        BalancerLayout("127.0.0.1", 27005, 27055, rasa_replicas=[], action_replicas=[27056])


@needs_nginx
def test_the_public_proxy_still_renders_and_passes_nginx_t(tmp_path: Path) -> None:
    conf = render_public_conf("127.0.0.1:27005", "127.0.0.1:27080", "127.0.0.1:27443", tmp_path)
    checked = _nginx_accepts(conf)
    assert checked.returncode == 0, checked.stderr
