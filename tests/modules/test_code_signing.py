"""Code signing: profile, configuration and the ARN's parameter in the account stack; functions of each
environment carry the configuration read from that parameter; the emulator has none."""

from __future__ import annotations

import pytest
from terraform_json import at_path

from tests.conftest import SynthesizedApp

ACCOUNT = "fraud-detection-account-us-east-1"
POLICY = {"dev": ("dev", "Warn"), "staging": ("stg", "Enforce"), "prod": ("prod", "Enforce")}


@pytest.mark.parametrize("environment", sorted(POLICY))
def test_the_account_stack_owns_each_environments_signing_control(
    synthesized: SynthesizedApp, environment: str
) -> None:
    suffix, policy = POLICY[environment]
    profile_id, profile = at_path(synthesized.resources(ACCOUNT, "aws_signer_signing_profile"),
                                  f"code-signing-{environment}/profile")
    config_id, config = at_path(synthesized.resources(ACCOUNT, "aws_lambda_code_signing_config"),
                                f"code-signing-{environment}/config")
    _, parameter = at_path(synthesized.resources(ACCOUNT, "aws_ssm_parameter"),
                           f"code-signing-{environment}/config-arn")
    assert profile["platform_id"] == "AWSLambda-SHA384-ECDSA"
    assert profile["name_prefix"] == f"fraud_functions_{suffix}_"
    assert config["allowed_publishers"]["signing_profile_version_arns"] == [
        f"${{aws_signer_signing_profile.{profile_id}.version_arn}}"]
    assert config["policies"]["untrusted_artifact_on_deployment"] == policy
    assert (parameter["name"], parameter["value"]) == (
        f"/fraud-{suffix}/code-signing-config-arn", f"${{aws_lambda_code_signing_config.{config_id}.arn}}")


@pytest.mark.parametrize("environment", sorted(POLICY))
def test_every_function_carries_the_configuration_the_account_stack_published(
    synthesized: SynthesizedApp, environment: str
) -> None:
    stack = f"fraud-detection-{environment}"
    assert not synthesized.resources(stack, "aws_signer_signing_profile")
    assert not synthesized.resources(stack, "aws_lambda_code_signing_config")
    parameter_id, parameter = at_path(synthesized.data(stack, "aws_ssm_parameter"), "code-signing-config")
    assert parameter["name"] == f"/fraud-{POLICY[environment][0]}/code-signing-config-arn"
    functions = synthesized.resources(stack, "aws_lambda_function").values()
    assert [f["code_signing_config_arn"] for f in functions] == [
        f"${{data.aws_ssm_parameter.{parameter_id}.value}}"] * 4


def test_the_emulator_has_no_signing_control(synthesized: SynthesizedApp) -> None:
    for stack in ("fraud-detection-local", "fraud-detection-account-local"):
        assert not synthesized.resources(stack, "aws_lambda_code_signing_config"), stack
        assert not synthesized.data(stack, "aws_ssm_parameter"), stack
    assert all("code_signing_config_arn" not in f
               for f in synthesized.resources("fraud-detection-local", "aws_lambda_function").values())
