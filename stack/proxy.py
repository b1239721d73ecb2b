"""The public reverse proxy (deploy/nginx-public.conf) as a process: only socket.io and the web app."""

from __future__ import annotations

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


def render_public_conf(rasa_upstream: str, web_upstream: str, listen: str, run_dir: Path) -> Path:
    """Write the proxy's configuration for these addresses into ``run_dir``; returns its path."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / "temp" / name).mkdir(parents=True, exist_ok=True)
    values = {
        "RASA_UPSTREAM": rasa_upstream,
        "WEB_UPSTREAM": web_upstream,
        "LISTEN": listen,
        "PID_FILE": str(run_dir / "nginx.pid"),
        "LOG_DIR": str(run_dir),
        "TEMP_DIR": str(run_dir / "temp"),
    }
    # nginx's own $variables are left as they are.
    conf = run_dir / "nginx-public.conf"
    conf.write_text(Template(PUBLIC_CONF.read_text()).safe_substitute(values))
    return conf


def public_proxy(conf: Path, log_path: Path, nginx: str = "nginx") -> ManagedProcess:
    """The nginx process, in the foreground, with ``conf`` (not started yet)."""
    binary = shutil.which(nginx) or shutil.which("/usr/sbin/nginx") or nginx
    command = [binary, "-e", str(conf.parent / "nginx-error.log"), "-c", str(conf), "-g", "daemon off;"]
    return ManagedProcess("proxy", command, log_path, cwd=conf.parent)


@contextmanager
def serving_public_proxy(
    rasa_upstream: str, web_upstream: str, listen: str, run_dir: Path, nginx: str = "nginx"
) -> Iterator[str]:
    """The proxy in front of these addresses, started and answering; yields its URL, stops it after."""
    conf = render_public_conf(rasa_upstream, web_upstream, listen, run_dir)
    proxy = public_proxy(conf, run_dir / "proxy.log", nginx)
    proxy.start()
    try:
        proxy.wait_until_ready(f"http://{listen}/healthz", timeout_s=READY_TIMEOUT_S)
        yield f"http://{listen}"
    finally:
        proxy.stop()
