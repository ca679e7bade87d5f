"""One environment's private network, in a long-lived stack of its own.

Why apart from the pipeline: Lambda releases a VPC function's network interfaces lazily, up to tens
of minutes after the function is deleted, and until then AWS refuses to delete the subnets and the
security group they sit in. In one stack, every destroy of the pipeline waited on that. Here the
pipeline stack only reads the network's ids (NetworkReference, through the S3 state), so destroying it
deletes the functions and returns; the network stays for the next deploy, and is destroyed on its own
when the environment is retired (that destroy may then wait on the interfaces).
"""

from __future__ import annotations

from typing import Final

from cdktf import Aspects, TerraformOutput, TerraformStack
from constructs import Construct

from modules.aws_context import AwsContext
from modules.ci.permissions_boundary import boundary_policy_arn
from modules.encryption import EncryptionKey, EncryptionKeyProps
from modules.naming import Naming
from modules.network import PrivateNetwork, PrivateNetworkProps
from modules.role_boundary import PermissionsBoundaryOnEveryRole
from stacks.config import EnvironmentConfig
from stacks.emulator import EmulatorRoundTrip
from stacks.provider import aws_provider, standard_tags
from stacks.remote_state import RemoteStateSettings, read_remote_state, use_remote_state

NETWORK_CONSTRUCT_ID: Final = "network"
"""Construct id of the network in its stack: the same as it had inside the pipeline stack, so every
resource keeps its Terraform address (what a move between the two states relies on)."""


def network_stack_name(env: EnvironmentConfig) -> str:
    """Name of an environment's network stack (its synth directory under cdktf.out/stacks)."""
    return f"{env.stack_name}-network"


def network_state_key(env: EnvironmentConfig) -> str:
    """State key of an environment's network stack: inside the environment's own prefix
    (`<prefix>/<env>/`), which its CI roles and the state bucket's policy already scope to."""
    return f"{env.name}/network"


# The outputs another stack may read (NetworkReference), by name.
SUBNET_IDS: Final = "subnet_ids"
FUNCTION_SECURITY_GROUP_IDS: Final = "function_security_group_ids"
VPC_ID: Final = "vpc_id"


class NetworkStack(TerraformStack):
    """VPC with private subnets in two zones, security groups, VPC endpoints, and flow logs into a
    log group encrypted with a key of its own (the pipeline's key lives in the pipeline stack, which
    may be destroyed and deployed again without the network)."""

    def __init__(self, scope: Construct, env: EnvironmentConfig, state: RemoteStateSettings) -> None:
        super().__init__(scope, network_stack_name(env))
        emulator_url = env.emulator.endpoint_url if env.emulator else None
        aws_provider(self, region=env.region, tags=standard_tags(env.name, env.tags), emulator_url=emulator_url,
                     account_id=env.account_id)
        use_remote_state(self, state, network_state_key(env))
        if emulator_url:
            Aspects.of(self).add(EmulatorRoundTrip())
        naming = Naming(project="fraud", suffix=env.name_suffix)
        ctx = AwsContext(self, "context")
        # The flow-log role is created by the same deploy role as the pipeline's: with the same boundary.
        Aspects.of(self).add(PermissionsBoundaryOnEveryRole(boundary_policy_arn(ctx.partition, ctx.account_id,
                                                                                env.name)))
        key = EncryptionKey(
            self, "flow-logs-key",
            EncryptionKeyProps(alias=naming.name("network"), context=ctx,
                               description=f"Fraud-detection VPC flow logs ({env.name})",
                               via_services=("logs",), delivering_services=()),
        )
        network = PrivateNetwork(
            self, NETWORK_CONSTRUCT_ID,
            PrivateNetworkProps(name=naming.name("network"), context=ctx, kms_key_arn=key.key_arn,
                                log_retention_days=env.log_retention_days),
        )
        outputs = {
            SUBNET_IDS: (network.subnet_ids, "Private subnets of the VPC functions"),
            FUNCTION_SECURITY_GROUP_IDS: (network.function_security_group_ids,
                                                          "Security groups of the VPC functions"),
            VPC_ID: (network.vpc.id, "VPC of the environment"),
        }
        for output_id, (value, description) in outputs.items():
            TerraformOutput(self, output_id, value=value, description=description)


class NetworkReference(Construct):
    """The network ids of an environment, read from its network stack's state (the only way the
    pipeline stack learns them: nothing of the network is created or looked up there)."""

    def __init__(self, scope: Construct, id_: str, env: EnvironmentConfig, state: RemoteStateSettings) -> None:
        super().__init__(scope, id_)
        self._state = read_remote_state(self, "state", state, network_state_key(env))

    @property
    def subnet_ids(self) -> list[str]:
        """Ids of the private subnets."""
        return self._state.get_list(SUBNET_IDS)

    @property
    def function_security_group_ids(self) -> list[str]:
        """Security groups to attach to VPC functions."""
        return self._state.get_list(FUNCTION_SECURITY_GROUP_IDS)
