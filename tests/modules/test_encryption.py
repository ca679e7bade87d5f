"""The customer-managed key of each environment: rotation, alias and a key policy with no open grants."""

from __future__ import annotations

import cdktf
import pytest
from terraform_json import at_path, ref, referenced_policy, statement

from modules.encryption import EncryptionKeyProps
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp

KEY_PATH = "encryption/key"


def key_policy(synthesized: SynthesizedApp, stack: str) -> list[dict]:
    _, key = at_path(synthesized.resources(stack, "aws_kms_key"), KEY_PATH)
    return referenced_policy(synthesized, stack, key["policy"])


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_key_rotates_yearly_and_waits_the_longest_before_deletion(synthesized: SynthesizedApp, stack: str) -> None:
    assert cdktf.Testing.to_have_resource_with_properties(
        synthesized.stack_text(stack),
        "aws_kms_key",
        {"enable_key_rotation": True, "deletion_window_in_days": 30},
    )
    _, key = at_path(synthesized.resources(stack, "aws_kms_key"), KEY_PATH)
    # Yearly: AWS's default period, unless stated explicitly.
    assert key.get("rotation_period_in_days", 365) == 365


@pytest.mark.parametrize(("stack", "alias"), [
    ("fraud-detection-dev", "alias/fraud-pipeline-dev"),
    ("fraud-detection-staging", "alias/fraud-pipeline-stg"),
    ("fraud-detection-prod", "alias/fraud-pipeline-prod"),
    ("fraud-detection-local", "alias/fraud-pipeline-local"),
])
def test_alias_names_the_environment_and_targets_the_key(synthesized: SynthesizedApp, stack: str, alias: str) -> None:
    key_id, _ = at_path(synthesized.resources(stack, "aws_kms_key"), KEY_PATH)
    _, alias_attrs = at_path(synthesized.resources(stack, "aws_kms_alias"), "encryption/alias")
    assert alias_attrs["name"] == alias
    assert alias_attrs["target_key_id"] == ref("aws_kms_key", key_id, "key_id")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_key_policy_is_rendered_from_a_policy_document(synthesized: SynthesizedApp, stack: str) -> None:
    sids = [s["sid"] for s in key_policy(synthesized, stack)]
    assert sids == [
        "KeyAdministrationByAccount",
        "CloudWatchLogsForThisAccount",
        "ServicesActingForAdmittedRoles",
        "GrantsForEncryptedResources",
        "DeliveryIntoEncryptedQueuesAndTopics",
    ]


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_no_statement_opens_the_key_to_everyone_without_conditions(synthesized: SynthesizedApp, stack: str) -> None:
    for stmt in key_policy(synthesized, stack):
        identifiers = [i for p in stmt.get("principals", []) for i in p["identifiers"]]
        if "*" in identifiers:
            assert stmt.get("condition"), f"{stmt['sid']} grants to principal '*' without conditions"


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_every_allow_statement_names_a_principal(synthesized: SynthesizedApp, stack: str) -> None:
    for stmt in key_policy(synthesized, stack):
        assert stmt["effect"] == "Allow"
        assert stmt.get("principals"), f"{stmt['sid']} has no principal"
        assert not any(a == "kms:*" or a == "*" for a in stmt["actions"]), stmt["sid"]


def test_administration_is_delegated_to_the_account_root(synthesized: SynthesizedApp) -> None:
    admin = statement(key_policy(synthesized, "fraud-detection-dev"), "KeyAdministrationByAccount")
    [principal] = admin["principals"]
    assert principal["type"] == "AWS"
    [root] = principal["identifiers"]
    assert root.startswith("arn:${data.aws_partition.") and root.endswith(".account_id}:root")
    # The key stays manageable: policy updates and scheduled deletion are possible.
    assert {"kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"} <= set(admin["actions"])


def test_logs_use_is_scoped_to_this_accounts_log_groups(synthesized: SynthesizedApp) -> None:
    logs = statement(key_policy(synthesized, "fraud-detection-dev"), "CloudWatchLogsForThisAccount")
    [principal] = logs["principals"]
    assert principal["type"] == "Service"
    [service] = principal["identifiers"]
    assert service.startswith("logs.${data.aws_region.")
    [condition] = logs["condition"]
    assert condition["test"] == "ArnLike"
    assert condition["variable"] == "kms:EncryptionContext:aws:logs:arn"
    [log_groups] = condition["values"]
    assert log_groups.startswith("arn:${data.aws_partition.")
    assert ":logs:${data.aws_region." in log_groups
    assert log_groups.endswith(".account_id}:log-group:*")


def _own_role(synthesized: SynthesizedApp, stack: str, role: str) -> str:
    [(partition_id, _)] = synthesized.data(stack, "aws_partition").items()
    [(account_id, _)] = synthesized.data(stack, "aws_caller_identity").items()
    return (f"arn:${{data.aws_partition.{partition_id}.partition}}:iam::"
            f"${{data.aws_caller_identity.{account_id}.account_id}}:{role}")


def _function_roles(synthesized: SynthesizedApp, stack: str) -> list[str]:
    roles = synthesized.resources(stack, "aws_iam_role")
    return [ref("aws_iam_role", at_path(roles, f"{fn}/role")[0], "arn")
            for fn in ("transaction-api", "analyzer", "notifier", "report-generator")]


@pytest.mark.parametrize(("stack", "env", "suffix"), [
    ("fraud-detection-dev", "dev", "dev"), ("fraud-detection-staging", "staging", "stg"),
    ("fraud-detection-prod", "prod", "prod"),
])
def test_services_act_only_for_the_functions_deploy_and_redrive_roles(
    synthesized: SynthesizedApp, stack: str, env: str, suffix: str
) -> None:
    via = statement(key_policy(synthesized, stack), "ServicesActingForAdmittedRoles")
    assert via["principals"] == [{"type": "AWS", "identifiers": ["*"]}]
    assert "kms:CreateGrant" not in via["actions"]
    conditions = {c["variable"]: c for c in via["condition"]}
    assert set(conditions) == {"kms:CallerAccount", "kms:ViaService", "aws:PrincipalArn"}
    assert conditions["kms:CallerAccount"]["test"] == "StringEquals"
    assert conditions["kms:CallerAccount"]["values"][0].endswith(".account_id}")
    services = {v.split(".")[0] for v in conditions["kms:ViaService"]["values"]}
    assert services == {"dynamodb", "sqs", "sns", "s3", "lambda"}
    assert conditions["aws:PrincipalArn"]["test"] == "ArnEquals"
    assert sorted(conditions["aws:PrincipalArn"]["values"]) == sorted([
        _own_role(synthesized, stack, f"role/github-deploy/fraud-deploy-{env}"),
        _own_role(synthesized, stack, f"role/fraud-operations-{suffix}"),
        *_function_roles(synthesized, stack),
    ])


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_only_the_deploy_role_creates_grants_and_only_for_tables_and_functions(
    synthesized: SynthesizedApp, stack: str
) -> None:
    grants = statement(key_policy(synthesized, stack), "GrantsForEncryptedResources")
    assert grants["actions"] == ["kms:CreateGrant"]
    conditions = {c["variable"]: c for c in grants["condition"]}
    assert conditions["kms:GrantIsForAWSResource"] == {
        "test": "Bool", "variable": "kms:GrantIsForAWSResource", "values": ["true"]}
    assert {v.split(".")[0] for v in conditions["kms:ViaService"]["values"]} == {"dynamodb", "lambda"}
    env = stack.rsplit("-", 1)[1]
    assert conditions["aws:PrincipalArn"]["values"] == [
        _own_role(synthesized, stack, f"role/github-deploy/fraud-deploy-{env}")]
    # No other statement of the key hands out grants to anyone but the account's administrators.
    for other in key_policy(synthesized, stack):
        if other["sid"] not in ("GrantsForEncryptedResources", "KeyAdministrationByAccount"):
            assert "kms:CreateGrant" not in other["actions"], other["sid"]


def test_delivering_services_are_bound_to_this_account(synthesized: SynthesizedApp) -> None:
    delivery = statement(key_policy(synthesized, "fraud-detection-dev"), "DeliveryIntoEncryptedQueuesAndTopics")
    assert sorted(delivery["actions"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    services = {i.split(".")[0] for p in delivery["principals"] for i in p["identifiers"]}
    assert services == {"cloudwatch", "events", "sns"}
    [condition] = delivery["condition"]
    assert condition["variable"] == "aws:SourceAccount"
    assert condition["values"][0].endswith(".account_id}")


@pytest.mark.parametrize("days", [6, 31, 0])
def test_deletion_window_outside_7_to_30_days_is_rejected(days: int) -> None:
    with pytest.raises(ValueError, match="deletion_window_days"):
        EncryptionKeyProps(alias="a", description="d", context=None, deletion_window_days=days)  # type: ignore[arg-type]
