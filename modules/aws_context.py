"""Account, region and partition of the stack's provider, as references for ARNs and conditions."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.data_aws_region import DataAwsRegion
from constructs import Construct


class AwsContext(Construct):
    """Looks up where the stack deploys, so no ARN ever hard-codes an account or region."""

    def __init__(self, scope: Construct, id_: str) -> None:
        super().__init__(scope, id_)
        self._identity = DataAwsCallerIdentity(self, "identity")
        self._region = DataAwsRegion(self, "region")
        self._partition = DataAwsPartition(self, "partition")

    @property
    def account_id(self) -> str:
        """Account id of the deploying credentials."""
        return self._identity.account_id

    @property
    def region(self) -> str:
        """Region of the provider."""
        return self._region.name

    @property
    def partition(self) -> str:
        """Partition (aws, aws-cn, aws-us-gov)."""
        return self._partition.partition

    @property
    def dns_suffix(self) -> str:
        """DNS suffix of the partition (amazonaws.com)."""
        return self._partition.dns_suffix

    @property
    def account_root_arn(self) -> str:
        """ARN of the account root principal (delegates to the account's IAM policies)."""
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    def service_principal(self, service: str) -> str:
        """Service principal name, e.g. `sns` -> `sns.amazonaws.com`."""
        return f"{service}.{self.dns_suffix}"

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        """An ARN in this partition, region and account."""
        region_part = self.region if region else ""
        account_part = self.account_id if account else ""
        return f"arn:{self.partition}:{service}:{region_part}:{account_part}:{resource}"
