"""The private network (each environment's network stack): two AZs, no route to the internet,
HTTPS-only egress to AWS endpoints."""

from __future__ import annotations

import pytest
from terraform_json import at_path, data_ref, ref, referenced_policy, statement

from modules.network import PrivateNetworkProps
from tests.conftest import LOG_RETENTION_DAYS, NETWORK_STACKS, SynthesizedApp

SUFFIX = {"fraud-detection-dev-network": "dev", "fraud-detection-staging-network": "stg",
          "fraud-detection-prod-network": "prod", "fraud-detection-local-network": "local"}
INTERNET_PATHS = ("aws_nat_gateway", "aws_internet_gateway", "aws_egress_only_internet_gateway", "aws_eip")


def _subnet_ids(synthesized: SynthesizedApp, stack: str) -> list[str]:
    subnets = synthesized.resources(stack, "aws_subnet")
    return [ref("aws_subnet", at_path(subnets, f"network/private-{i}")[0], "id") for i in (0, 1)]


def _sg_id(synthesized: SynthesizedApp, stack: str, name: str) -> str:
    logical_id, _ = at_path(synthesized.resources(stack, "aws_security_group"), f"network/{name}")
    return ref("aws_security_group", logical_id, "id")


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_two_private_subnets_in_zones_pinned_by_name(synthesized: SynthesizedApp, stack: str) -> None:
    subnets = synthesized.resources(stack, "aws_subnet")
    assert len(subnets) == 2
    vpc_id, _ = at_path(synthesized.resources(stack, "aws_vpc"), "network/vpc")
    region_id, _ = at_path(synthesized.data(stack, "aws_region"), "context/region")
    region = data_ref("aws_region", region_id, "name")
    for index, (zone_letter, cidr) in enumerate((("a", "10.20.0.0/20"), ("b", "10.20.16.0/20"))):
        _, subnet = at_path(subnets, f"network/private-{index}")
        assert subnet["availability_zone"] == f"{region}{zone_letter}"
        assert subnet["cidr_block"] == cidr
        assert subnet["vpc_id"] == ref("aws_vpc", vpc_id, "id")
        assert subnet["map_public_ip_on_launch"] is False
    # A looked-up zone list can grow or reorder, which would move (replace) a subnet.
    assert not synthesized.data(stack, "aws_availability_zones")


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_nothing_routes_to_the_internet(synthesized: SynthesizedApp, stack: str) -> None:
    for resource_type in INTERNET_PATHS:
        assert not synthesized.resources(stack, resource_type), f"{stack} has {resource_type}"
    assert not synthesized.resources(stack, "aws_route"), "the private route table must carry no extra routes"
    for table in synthesized.resources(stack, "aws_route_table").values():
        assert "route" not in table


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_both_subnets_use_the_private_route_table(synthesized: SynthesizedApp, stack: str) -> None:
    table_id, _ = at_path(synthesized.resources(stack, "aws_route_table"), "network/private-routes")
    associations = synthesized.resources(stack, "aws_route_table_association").values()
    assert sorted(a["subnet_id"] for a in associations) == sorted(_subnet_ids(synthesized, stack))
    assert {a["route_table_id"] for a in associations} == {ref("aws_route_table", table_id, "id")}


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_function_security_group_allows_no_ingress_and_only_https_out(
    synthesized: SynthesizedApp, stack: str
) -> None:
    functions_sg = _sg_id(synthesized, stack, "functions-sg")
    groups = synthesized.resources(stack, "aws_security_group")
    for group in groups.values():
        assert "ingress" not in group and "egress" not in group, "rules are separate resources"
    ingress = [r for r in synthesized.resources(stack, "aws_vpc_security_group_ingress_rule").values()
               if r["security_group_id"] == functions_sg]
    assert ingress == []
    egress = [r for r in synthesized.resources(stack, "aws_vpc_security_group_egress_rule").values()
              if r["security_group_id"] == functions_sg]
    assert len(egress) == 3
    for rule in egress:
        assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 443, 443)
        assert "cidr_ipv4" not in rule and "cidr_ipv6" not in rule, "egress goes to endpoints, not address ranges"


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_function_egress_targets_the_endpoints(synthesized: SynthesizedApp, stack: str) -> None:
    rules = synthesized.resources(stack, "aws_vpc_security_group_egress_rule")
    endpoints = synthesized.resources(stack, "aws_vpc_endpoint")
    _, to_endpoints = at_path(rules, "network/functions-to-endpoints")
    assert to_endpoints["referenced_security_group_id"] == _sg_id(synthesized, stack, "endpoints-sg")
    for service in ("dynamodb", "s3"):
        endpoint_id, _ = at_path(endpoints, f"network/{service}-gateway")
        _, rule = at_path(rules, f"network/functions-to-{service}")
        assert rule["prefix_list_id"] == ref("aws_vpc_endpoint", endpoint_id, "prefix_list_id")


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_endpoint_security_group_admits_https_from_the_functions_only(
    synthesized: SynthesizedApp, stack: str
) -> None:
    endpoints_sg = _sg_id(synthesized, stack, "endpoints-sg")
    ingress = [r for r in synthesized.resources(stack, "aws_vpc_security_group_ingress_rule").values()
               if r["security_group_id"] == endpoints_sg]
    assert len(ingress) == 1
    [rule] = ingress
    assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 443, 443)
    assert rule["referenced_security_group_id"] == _sg_id(synthesized, stack, "functions-sg")


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_gateway_endpoints_for_dynamodb_and_s3_on_the_private_route_table(
    synthesized: SynthesizedApp, stack: str
) -> None:
    table_id, _ = at_path(synthesized.resources(stack, "aws_route_table"), "network/private-routes")
    gateways = {e["service_name"].rsplit(".", 1)[1]: e
                for e in synthesized.resources(stack, "aws_vpc_endpoint").values()
                if e["vpc_endpoint_type"] == "Gateway"}
    assert set(gateways) == {"dynamodb", "s3"}
    for service, endpoint in gateways.items():
        assert endpoint["service_name"].startswith("com.amazonaws.${data.aws_region.")
        assert endpoint["service_name"].endswith(f".name}}.{service}")
        assert endpoint["route_table_ids"] == [ref("aws_route_table", table_id, "id")]


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_interface_endpoints_with_private_dns_in_both_subnets(synthesized: SynthesizedApp, stack: str) -> None:
    interfaces = {e["service_name"].rsplit(".", 1)[1]: e
                  for e in synthesized.resources(stack, "aws_vpc_endpoint").values()
                  if e["vpc_endpoint_type"] == "Interface"}
    assert set(interfaces) == {"sqs", "sns", "kms"}
    for endpoint in interfaces.values():
        assert endpoint["private_dns_enabled"] is True
        assert endpoint["subnet_ids"] == _subnet_ids(synthesized, stack)
        assert endpoint["security_group_ids"] == [_sg_id(synthesized, stack, "endpoints-sg")]


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_every_endpoint_admits_only_this_accounts_principals_on_this_accounts_resources(
    synthesized: SynthesizedApp, stack: str
) -> None:
    endpoints = synthesized.resources(stack, "aws_vpc_endpoint")
    assert len(endpoints) == 5
    [account_id] = synthesized.data(stack, "aws_caller_identity")
    account = data_ref("aws_caller_identity", account_id, "account_id")
    for endpoint in endpoints.values():
        [perimeter] = referenced_policy(synthesized, stack, endpoint["policy"])
        assert perimeter["effect"] == "Allow"
        assert perimeter["principals"] == [{"type": "AWS", "identifiers": ["*"]}]
        conditions = {c["variable"]: c for c in perimeter["condition"]}
        assert set(conditions) == {"aws:PrincipalAccount", "aws:ResourceAccount"}
        for condition in conditions.values():
            assert condition["test"] == "StringEquals"
            assert condition["values"] == [account]


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_vpc_resolves_endpoint_dns_names(synthesized: SynthesizedApp, stack: str) -> None:
    [vpc] = synthesized.resources(stack, "aws_vpc").values()
    assert vpc["enable_dns_support"] is True
    assert vpc["enable_dns_hostnames"] is True
    assert vpc["cidr_block"] == "10.20.0.0/16"


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_default_security_group_is_stripped_of_every_rule(synthesized: SynthesizedApp, stack: str) -> None:
    vpc_id, _ = at_path(synthesized.resources(stack, "aws_vpc"), "network/vpc")
    [default_sg] = synthesized.resources(stack, "aws_default_security_group").values()
    assert default_sg["vpc_id"] == ref("aws_vpc", vpc_id, "id")
    assert "ingress" not in default_sg
    assert "egress" not in default_sg


def _flow_log_group(synthesized: SynthesizedApp, stack: str) -> tuple[str, dict]:
    return at_path(synthesized.resources(stack, "aws_cloudwatch_log_group"), "network/flow-logs")


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_flow_log_group_is_encrypted_with_the_network_stacks_cmk_and_expires(
    synthesized: SynthesizedApp, stack: str
) -> None:
    key_id, _ = at_path(synthesized.resources(stack, "aws_kms_key"), "flow-logs-key/key")
    _, group = _flow_log_group(synthesized, stack)
    assert group["name"] == f"/aws/vpc/fraud-network-{SUFFIX[stack]}/flow-logs"
    assert group["kms_key_id"] == ref("aws_kms_key", key_id, "arn")
    assert group["retention_in_days"] == LOG_RETENTION_DAYS[stack.removesuffix("-network")]


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_every_flow_of_the_vpc_is_logged_to_its_group(synthesized: SynthesizedApp, stack: str) -> None:
    vpc_id, _ = at_path(synthesized.resources(stack, "aws_vpc"), "network/vpc")
    group_id, _ = _flow_log_group(synthesized, stack)
    role_id, _ = at_path(synthesized.resources(stack, "aws_iam_role"), "network/flow-logs-role")
    policy_id, _ = at_path(synthesized.resources(stack, "aws_iam_role_policy"), "network/flow-logs-policy")
    [flow_log] = synthesized.resources(stack, "aws_flow_log").values()
    assert flow_log["vpc_id"] == ref("aws_vpc", vpc_id, "id")
    assert flow_log["traffic_type"] == "ALL", "rejected flows matter as much as accepted ones"
    assert flow_log["log_destination_type"] == "cloud-watch-logs"
    assert flow_log["log_destination"] == ref("aws_cloudwatch_log_group", group_id, "arn")
    assert flow_log["iam_role_arn"] == ref("aws_iam_role", role_id, "arn")
    # Delivery fails until the role may write to the group.
    assert f"aws_iam_role_policy.{policy_id}" in flow_log["depends_on"]


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_flow_log_role_is_assumed_by_this_accounts_flow_logs_only(synthesized: SynthesizedApp, stack: str) -> None:
    _, role = at_path(synthesized.resources(stack, "aws_iam_role"), "network/flow-logs-role")
    assert role["name"] == f"fraud-network-{SUFFIX[stack]}-flow-logs"
    [trust] = referenced_policy(synthesized, stack, role["assume_role_policy"])
    assert trust["effect"] == "Allow"
    assert trust["actions"] == ["sts:AssumeRole"]
    [principal] = trust["principals"]
    assert principal["type"] == "Service"
    [service] = principal["identifiers"]
    assert service.startswith("vpc-flow-logs.${data.aws_partition.")
    conditions = {c["test"]: c for c in trust["condition"]}
    assert set(conditions) == {"StringEquals", "ArnLike"}
    assert conditions["StringEquals"]["variable"] == "aws:SourceAccount"
    [account] = conditions["StringEquals"]["values"]
    assert account.startswith("${data.aws_caller_identity.") and account.endswith(".account_id}")
    assert conditions["ArnLike"]["variable"] == "aws:SourceArn"
    [source_arn] = conditions["ArnLike"]["values"]
    assert source_arn.startswith("arn:${data.aws_partition.")
    assert ":ec2:${data.aws_region." in source_arn
    assert source_arn.endswith(".account_id}:vpc-flow-log/*")


@pytest.mark.parametrize("stack", NETWORK_STACKS)
def test_flow_log_role_may_write_to_its_own_group_only(synthesized: SynthesizedApp, stack: str) -> None:
    role_id, _ = at_path(synthesized.resources(stack, "aws_iam_role"), "network/flow-logs-role")
    group_id, _ = _flow_log_group(synthesized, stack)
    _, policy = at_path(synthesized.resources(stack, "aws_iam_role_policy"), "network/flow-logs-policy")
    assert policy["role"] == ref("aws_iam_role", role_id, "id")
    statements = referenced_policy(synthesized, stack, policy["policy"])
    assert len(statements) == 1
    deliver = statement(statements, "DeliverToOwnLogGroup")
    assert deliver["effect"] == "Allow"
    assert sorted(deliver["actions"]) == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    group_arn = ref("aws_cloudwatch_log_group", group_id, "arn")
    assert deliver["resources"] == [group_arn, f"{group_arn}:log-stream:*"]


def _props(**overrides: object) -> PrivateNetworkProps:
    return PrivateNetworkProps(**{"name": "n", "context": None, "kms_key_arn": "k", "log_retention_days": 7,
                                  **overrides})  # type: ignore[arg-type]


def test_defaults_put_one_subnet_in_each_of_zones_a_and_b() -> None:
    props = _props()
    assert tuple(props.subnet_cidrs) == ("10.20.0.0/20", "10.20.16.0/20")
    assert tuple(props.zone_letters) == ("a", "b")


def test_flow_log_key_and_retention_are_required() -> None:
    with pytest.raises(TypeError, match="kms_key_arn"):
        PrivateNetworkProps(name="n", context=None, log_retention_days=7)  # type: ignore[arg-type, call-arg]
    with pytest.raises(TypeError, match="log_retention_days"):
        PrivateNetworkProps(name="n", context=None, kms_key_arn="k")  # type: ignore[arg-type, call-arg]


def test_a_single_subnet_is_rejected() -> None:
    with pytest.raises(ValueError, match="two private subnets"):
        _props(subnet_cidrs=("10.20.0.0/20",), zone_letters=("a",))


@pytest.mark.parametrize("zone_letters", [("a",), ("a", "b", "c"), ("a", "a")])
def test_zones_must_be_distinct_and_one_per_subnet(zone_letters: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="zone_letters"):
        _props(zone_letters=zone_letters)
