"""The provider of a stack: pinned to the environment's account when the config names one."""

from __future__ import annotations

import json

import cdktf
import pytest

from stacks.provider import aws_provider
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp


def _provider(account_id: str | None) -> dict:
    stack = cdktf.TerraformStack(cdktf.Testing.app(), "pinned")
    aws_provider(stack, region="us-east-1", tags={"Environment": "prod"}, account_id=account_id)
    [provider] = json.loads(cdktf.Testing.synth(stack))["provider"]["aws"]
    return dict(provider)


def test_an_environment_with_its_own_account_refuses_other_accounts_credentials() -> None:
    # One account per environment: a prod deploy with dev's credentials fails before any change.
    assert _provider("123456789012")["allowed_account_ids"] == ["123456789012"]
    assert "allowed_account_ids" not in _provider(None)


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_default_config_pins_no_account(synthesized: SynthesizedApp, stack: str) -> None:
    [provider] = synthesized.stack(stack)["provider"]["aws"]
    assert "allowed_account_ids" not in provider
