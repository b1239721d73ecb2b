"""Production refuses the demo's published secrets, naming the setting; the demo starts as it is."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from actions.deployment import ProductionRefused, check_production_secret, demo_secret
from actions.identity.tokens import DEMO_IDENTITY_SECRET
from actions.settings import DEMO_ACTION_SERVER_TOKEN, Settings
from stack.config import StackSettings
from web.accounts.settings import DEMO_WEB_SECRET_KEY
from web.settings import DEMO_RASA_TOKEN

REAL = "x" * 40


@pytest.mark.parametrize(
    "value", [DEMO_ACTION_SERVER_TOKEN, DEMO_IDENTITY_SECRET, DEMO_WEB_SECRET_KEY, DEMO_RASA_TOKEN]
)
def test_every_published_default_is_recognised_as_a_demo_value(value: str) -> None:
    assert demo_secret(value)
    with pytest.raises(ProductionRefused, match="SOME_SETTING is a published demo value"):
        check_production_secret("SOME_SETTING", value)


def test_a_short_secret_is_refused_and_a_long_one_accepted() -> None:
    with pytest.raises(ProductionRefused, match="SOME_SETTING must be at least 32 characters"):
        check_production_secret("SOME_SETTING", "s3cret")
    check_production_secret("SOME_SETTING", REAL)


def test_the_action_server_in_production_names_the_demo_secret() -> None:
    # Customer tokens are checked by the Rasa server (rasa_addons/__main__.py checks its secrets).
    assert Settings().cs_env == "demo"  # the demo starts with its marked demo secrets
    with pytest.raises(ValidationError, match="ACTION_SERVER_TOKEN"):
        Settings(cs_env="production")
    assert Settings(cs_env="production", action_server_token=REAL).cs_env == "production"


def test_the_stack_in_production_names_the_demo_secret() -> None:
    with pytest.raises(ValidationError, match="RASA_TOKEN"):
        StackSettings(cs_env="production", action_server_token=REAL)
    with pytest.raises(ValidationError, match="ACTION_SERVER_TOKEN"):
        StackSettings(cs_env="production", rasa_token=REAL)
