"""The public reverse proxy (deploy/nginx-public.conf) as a process: only socket.io and the web app."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from string import Template

from stack.processes import ManagedProcess

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_CONF = ROOT / "deploy" / "nginx-public.conf"
# nginx answers within a second; the margin is for a loaded machine.
READY_TIMEOUT_S = 20.0


def nginx_paths(run_dir: Path) -> dict[str, str]:
    """``PID_FILE``, ``LOG_DIR`` and ``TEMP_DIR`` of an nginx run in ``run_dir``, the directories made."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / "temp" / name).mkdir(parents=True, exist_ok=True)
    return {
        "PID_FILE": str(run_dir / "nginx.pid"),
        "LOG_DIR": str(run_dir),
        "TEMP_DIR": str(run_dir / "temp"),
    }


def render_nginx_conf(template: Path, values: dict[str, str], out: Path) -> Path:
    """``template`` with its ``${NAME}`` values filled in, written to ``out``; nginx's own $variables stay.

    Written aside and renamed into place: an nginx reloading meanwhile reads the old file or
    the new one, never half of one.
    """
    partial = out.with_name(f".{out.name}.new")
    partial.write_text(Template(template.read_text()).safe_substitute(values))
    os.replace(partial, out)
    return out


def nginx_command(conf: Path, nginx: str = "nginx", *options: str) -> list[str]:
    """The nginx command line for ``conf``; its start-up errors go next to the configuration."""
    binary = shutil.which(nginx) or shutil.which("/usr/sbin/nginx") or nginx
    return [binary, "-e", str(conf.parent / "nginx-error.log"), "-c", str(conf), *options]


def render_public_conf(rasa_upstream: str, web_upstream: str, listen: str, run_dir: Path) -> Path:
    """Write the proxy's configuration for these addresses into ``run_dir``; returns its path."""
    values = {
        "RASA_UPSTREAM": rasa_upstream,
        "WEB_UPSTREAM": web_upstream,
        "LISTEN": listen,
        **nginx_paths(run_dir),
    }
    return render_nginx_conf(PUBLIC_CONF, values, run_dir / "nginx-public.conf")


def public_proxy(conf: Path, log_path: Path, nginx: str = "nginx") -> ManagedProcess:
    """The nginx process, in the foreground, with ``conf`` (not started yet)."""
    return ManagedProcess("proxy", nginx_command(conf, nginx, "-g", "daemon off;"), log_path, cwd=conf.parent)


@contextmanager
def serving_public_proxy(
    rasa_upstream: str, web_upstream: str, listen: str, run_dir: Path, nginx: str = "nginx"
) -> Iterator[str]:
    """The proxy in front of these addresses, started and answering; yields its URL, stops it after.

    With replicas, ``rasa_upstream`` is the internal balancer's address (stack/balancer.py).
    """
    conf = render_public_conf(rasa_upstream, web_upstream, listen, run_dir)
    proxy = public_proxy(conf, run_dir / "proxy.log", nginx)
    proxy.start()
    try:
        proxy.wait_until_ready(f"http://{listen}/healthz", timeout_s=READY_TIMEOUT_S)
        yield f"http://{listen}"
    finally:
        proxy.stop()
