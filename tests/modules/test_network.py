"""The private network: two AZs, no route to the internet, HTTPS-only egress to AWS endpoints."""

from __future__ import annotations

import pytest
from terraform_json import at_path, ref

from modules.network import PrivateNetworkProps
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp

INTERNET_PATHS = ("aws_nat_gateway", "aws_internet_gateway", "aws_egress_only_internet_gateway", "aws_eip")


def _subnet_ids(synthesized: SynthesizedApp, stack: str) -> list[str]:
    subnets = synthesized.resources(stack, "aws_subnet")
    return [ref("aws_subnet", at_path(subnets, f"network/private-{i}")[0], "id") for i in (0, 1)]


def _sg_id(synthesized: SynthesizedApp, stack: str, name: str) -> str:
    logical_id, _ = at_path(synthesized.resources(stack, "aws_security_group"), f"network/{name}")
    return ref("aws_security_group", logical_id, "id")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_two_private_subnets_in_different_availability_zones(synthesized: SynthesizedApp, stack: str) -> None:
    subnets = synthesized.resources(stack, "aws_subnet")
    assert len(subnets) == 2
    zones = {s["availability_zone"] for s in subnets.values()}
    assert len(zones) == 2
    for index in (0, 1):
        _, subnet = at_path(subnets, f"network/private-{index}")
        assert subnet["availability_zone"].startswith("${element(data.aws_availability_zones.")
        assert subnet["availability_zone"].endswith(f".names, {index})}}")
        assert subnet["map_public_ip_on_launch"] is False
    [zones_source] = synthesized.data(stack, "aws_availability_zones").values()
    assert zones_source["state"] == "available"


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_nothing_routes_to_the_internet(synthesized: SynthesizedApp, stack: str) -> None:
    for resource_type in INTERNET_PATHS:
        assert not synthesized.resources(stack, resource_type), f"{stack} has {resource_type}"
    assert not synthesized.resources(stack, "aws_route"), "the private route table must carry no extra routes"
    for table in synthesized.resources(stack, "aws_route_table").values():
        assert "route" not in table


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_both_subnets_use_the_private_route_table(synthesized: SynthesizedApp, stack: str) -> None:
    table_id, _ = at_path(synthesized.resources(stack, "aws_route_table"), "network/private-routes")
    associations = synthesized.resources(stack, "aws_route_table_association").values()
    assert sorted(a["subnet_id"] for a in associations) == sorted(_subnet_ids(synthesized, stack))
    assert {a["route_table_id"] for a in associations} == {ref("aws_route_table", table_id, "id")}


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
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


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_function_egress_targets_the_endpoints(synthesized: SynthesizedApp, stack: str) -> None:
    rules = synthesized.resources(stack, "aws_vpc_security_group_egress_rule")
    endpoints = synthesized.resources(stack, "aws_vpc_endpoint")
    _, to_endpoints = at_path(rules, "network/functions-to-endpoints")
    assert to_endpoints["referenced_security_group_id"] == _sg_id(synthesized, stack, "endpoints-sg")
    for service in ("dynamodb", "s3"):
        endpoint_id, _ = at_path(endpoints, f"network/{service}-gateway")
        _, rule = at_path(rules, f"network/functions-to-{service}")
        assert rule["prefix_list_id"] == ref("aws_vpc_endpoint", endpoint_id, "prefix_list_id")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
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


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
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


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_interface_endpoints_with_private_dns_in_both_subnets(synthesized: SynthesizedApp, stack: str) -> None:
    interfaces = {e["service_name"].rsplit(".", 1)[1]: e
                  for e in synthesized.resources(stack, "aws_vpc_endpoint").values()
                  if e["vpc_endpoint_type"] == "Interface"}
    assert set(interfaces) == {"sqs", "sns", "kms"}
    for endpoint in interfaces.values():
        assert endpoint["private_dns_enabled"] is True
        assert endpoint["subnet_ids"] == _subnet_ids(synthesized, stack)
        assert endpoint["security_group_ids"] == [_sg_id(synthesized, stack, "endpoints-sg")]


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_vpc_resolves_endpoint_dns_names(synthesized: SynthesizedApp, stack: str) -> None:
    [vpc] = synthesized.resources(stack, "aws_vpc").values()
    assert vpc["enable_dns_support"] is True
    assert vpc["enable_dns_hostnames"] is True
    assert vpc["cidr_block"] == "10.20.0.0/16"


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_default_security_group_is_stripped_of_every_rule(synthesized: SynthesizedApp, stack: str) -> None:
    vpc_id, _ = at_path(synthesized.resources(stack, "aws_vpc"), "network/vpc")
    [default_sg] = synthesized.resources(stack, "aws_default_security_group").values()
    assert default_sg["vpc_id"] == ref("aws_vpc", vpc_id, "id")
    assert "ingress" not in default_sg
    assert "egress" not in default_sg


def test_a_single_subnet_is_rejected() -> None:
    with pytest.raises(ValueError, match="two private subnets"):
        PrivateNetworkProps(name="n", context=None, subnet_cidrs=("10.20.0.0/20",))  # type: ignore[arg-type]
