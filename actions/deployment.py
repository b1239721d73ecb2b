"""The two modes every process runs in: the demo (`make run`) and production.

``CS_ENV=production`` makes each process refuse to start, naming the setting, when a
secret is one of the published demo values or too short, or when a demo-only feature
is switched on. The demo (the default) starts with its marked demo secrets and says so.
"""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr

from actions.errors import ConfigError

Mode = Literal["demo", "production"]
# Long enough that guessing offline from a signed value is hopeless.
MIN_SECRET_LENGTH = 32
# Every demo default is marked with one of these; a production secret never contains them.
_DEMO_MARKS = ("demo", "change-me")


class ProductionRefused(ConfigError, ValueError):
    """A production process was configured with a demo value; the message names the setting.

    A ``ValueError`` too, so that a settings validator reports it as the field's error.
    """


def demo_secret(value: str) -> bool:
    """Whether ``value`` is a published demo default."""
    lowered = value.lower()
    return any(mark in lowered for mark in _DEMO_MARKS)


def check_production_secret(setting: str, secret: SecretStr | str) -> None:
    """Raise ``ProductionRefused`` naming ``setting`` if the secret is a demo value or too short."""
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    if demo_secret(value):
        raise ProductionRefused(f"{setting} is a published demo value: set a secret of your own")
    if len(value) < MIN_SECRET_LENGTH:
        raise ProductionRefused(f"{setting} must be at least {MIN_SECRET_LENGTH} characters in production")


def check_production_switch(setting: str, on: bool) -> None:
    """Raise ``ProductionRefused`` naming ``setting`` if a demo-only feature is on."""
    if on:
        raise ProductionRefused(f"{setting} is a demo feature and must be off in production")
