"""The pseudonym key of each environment: an HMAC key only the analyzer's role may use, for GenerateMac only."""

from __future__ import annotations

import pytest
from terraform_json import at_path, ref, referenced_policy, statement

from modules.pseudonym_key import PseudonymKeyProps
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp

KEY_PATH = "pseudonyms/key"


def _key(synthesized: SynthesizedApp, stack: str) -> tuple[str, dict]:
    return at_path(synthesized.resources(stack, "aws_kms_key"), KEY_PATH)


def _policy(synthesized: SynthesizedApp, stack: str) -> list[dict]:
    return referenced_policy(synthesized, stack, _key(synthesized, stack)[1]["policy"])


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_key_is_an_hmac_key_kept_the_longest_before_deletion(synthesized: SynthesizedApp, stack: str) -> None:
    _, key = _key(synthesized, stack)
    assert (key["customer_master_key_spec"], key["key_usage"]) == ("HMAC_256", "GENERATE_VERIFY_MAC")
    assert key["deletion_window_in_days"] == 30
    assert "enable_key_rotation" not in key  # KMS does not rotate HMAC keys


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_only_the_analyzers_role_may_generate_macs(synthesized: SynthesizedApp, stack: str) -> None:
    policy = _policy(synthesized, stack)
    assert [s["sid"] for s in policy] == ["KeyAdministrationByAccount", "MacForAdmittedRoles"]
    # Administration is the account's, without the MAC: IAM policies (plan and deploy roles) cannot compute one.
    assert not any("Mac" in action for action in statement(policy, "KeyAdministrationByAccount")["actions"])
    mac = statement(policy, "MacForAdmittedRoles")
    assert mac["actions"] == ["kms:GenerateMac"]
    conditions = {c["variable"]: c for c in mac["condition"]}
    roles = synthesized.resources(stack, "aws_iam_role")
    assert conditions["aws:PrincipalArn"]["values"] == [ref("aws_iam_role", at_path(roles, "analyzer/role")[0], "arn")]
    assert set(conditions) == {"aws:PrincipalArn", "kms:CallerAccount"}


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_analyzer_gets_the_key_by_reference(synthesized: SynthesizedApp, stack: str) -> None:
    key_id, _ = _key(synthesized, stack)
    functions = synthesized.resources(stack, "aws_lambda_function")
    with_key = {f["function_name"]: f["environment"]["variables"].get("PSEUDONYM_KEY_ID")
                for f in functions.values()}
    _, analyzer = at_path(functions, "analyzer/function")
    assert with_key.pop(analyzer["function_name"]) == ref("aws_kms_key", key_id, "arn")
    assert set(with_key.values()) == {None}


def test_props_reject_a_bad_deletion_window() -> None:
    with pytest.raises(ValueError, match="deletion_window_days"):
        PseudonymKeyProps(alias="a", description="d", context=None, deletion_window_days=3)  # type: ignore[arg-type]
