"""Creates the bucket every other stack keeps its state in."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import Aspects, LocalBackend, TerraformOutput, TerraformStack
from constructs import Construct

from modules.aws_context import AwsContext
from modules.state_bucket import StateBucket, StateBucketProps, StateUser
from stacks.access_config import StateAccess, ci_role, role_arn
from stacks.config import EnvironmentConfig
from stacks.emulator import EmulatorRoundTrip, audit_trail_supported, bucket_tls_policy_supported
from stacks.provider import aws_provider, standard_tags
from stacks.remote_state import RemoteStateSettings


class StateBootstrapStack(TerraformStack):
    """The state bucket (versioned, KMS, private, TLS-only, admitting each environment's CI roles
    to its own prefix and the break-glass administrators, every object call recorded by a
    CloudTrail trail). Deploy it, and the account stack, as the break-glass role: nobody else may
    touch the bucket once its policy is in place. Its own state uses cdktf's default
    local backend (terraform.<stack>.tfstate in the project root), since the bucket cannot hold
    the state of its own creation; keep that file safe, or move it into the bucket afterwards
    with `terraform init -migrate-state`. The emulator's copy keeps it in its synth directory."""

    def __init__(
        self,
        scope: Construct,
        stack_name: str,
        *,
        state: RemoteStateSettings,
        environments: Sequence[EnvironmentConfig],
        access: StateAccess,
        emulator_url: str | None = None,
    ) -> None:
        super().__init__(scope, stack_name)
        aws_provider(self, region=state.region, tags=standard_tags("shared"), emulator_url=emulator_url)
        if emulator_url:
            # The emulator is disposable: its bootstrap state lives beside the synthesized stack,
            # so two synth directories (a local run and the integration tests) never share it.
            LocalBackend(self, path="terraform.tfstate")
            Aspects.of(self).add(EmulatorRoundTrip())
        ctx = AwsContext(self, "context")

        def arn(role: str, account_id: str | None) -> str:
            return role_arn(role, partition=ctx.partition, account_id=account_id or ctx.account_id)

        users = [
            StateUser(key_prefix=f"{state.key_prefix}/{env.name}/",
                      role_arns=[arn(ci_role(a, env.name), env.account_id) for a in ("deploy", "plan")])
            for env in environments
        ]
        accounts = sorted({env.account_id for env in environments if env.account_id})
        bucket = StateBucket(
            self,
            "state",
            StateBucketProps(
                bucket_name=state.bucket,
                key_alias=state.kms_alias,
                context=ctx,
                force_destroy=emulator_url is not None,
                tls_only_policy=bucket_tls_policy_supported(emulator_url),
                state_users=users,
                administrator_role_arns=[arn(access.break_glass_role, None)],
                caller_accounts=[ctx.account_id, *accounts] if accounts else [],
                audit_trail=audit_trail_supported(emulator_url),
            ),
        )
        TerraformOutput(self, "state_bucket_name", value=bucket.bucket_name)
        TerraformOutput(self, "state_kms_key_arn", value=bucket.kms_key_arn)
