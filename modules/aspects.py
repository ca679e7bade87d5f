"""Rules that must hold for every resource of every stack, enforced at synth time.

An Aspect visits each construct after the tree is built; a violation becomes an error
annotation, which makes synthesis fail with a message naming the construct's path.
"""

from __future__ import annotations

from typing import Any

import jsii
from cdktf import Annotations, IAspect
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction
from cdktf_cdktf_provider_aws.lambda_function_event_invoke_config import LambdaFunctionEventInvokeConfig
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
)
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from constructs import IConstruct


def _field(value: Any, name: str) -> Any:
    """Read a field of a struct input, whether jsii handed back a struct or a plain dict."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def _siblings(node: IConstruct) -> list[IConstruct]:
    scope = node.node.scope
    return list(scope.node.children) if scope is not None else []


@jsii.implements(IAspect)
class SecureByDefault:
    """Refuses an unencrypted queue, topic, table, bucket or log group, a log group without
    retention, and a function without active tracing, a log group with retention, or a
    failure destination for asynchronous invocations."""

    def visit(self, node: IConstruct) -> None:
        """Check one construct; record an error annotation on a violation."""
        problem = self._problem(node)
        if problem:
            Annotations.of(node).add_error(f"{node.node.path}: {problem}")

    def _problem(self, node: IConstruct) -> str | None:
        if isinstance(node, SqsQueue) and not node.kms_master_key_id_input:
            return "SQS queue without a customer-managed KMS key (kms_master_key_id)"
        if isinstance(node, SnsTopic) and not node.kms_master_key_id_input:
            return "SNS topic without a customer-managed KMS key (kms_master_key_id)"
        if isinstance(node, DynamodbTable):
            sse = node.server_side_encryption_input
            if not _field(sse, "enabled") or not _field(sse, "kms_key_arn"):
                return "DynamoDB table without server-side encryption under a customer-managed key"
        if isinstance(node, S3Bucket) and not any(
            isinstance(s, S3BucketServerSideEncryptionConfigurationA) for s in _siblings(node)
        ):
            return "S3 bucket without a server-side encryption configuration beside it"
        if isinstance(node, CloudwatchLogGroup):
            if not node.kms_key_id_input:
                return "log group without a KMS key"
            if not node.retention_in_days_input:
                return "log group without retention (kept forever)"
        if isinstance(node, LambdaFunction):
            return self._function_problem(node)
        return None

    @staticmethod
    def _function_problem(node: LambdaFunction) -> str | None:
        if _field(node.tracing_config_input, "mode") != "Active":
            return "function without active X-Ray tracing"
        siblings = _siblings(node)
        if not any(isinstance(s, CloudwatchLogGroup) and s.retention_in_days_input for s in siblings):
            return "function without its own log group with retention"
        has_destination = any(
            isinstance(s, LambdaFunctionEventInvokeConfig) and s.destination_config_input is not None
            for s in siblings
        )
        if not has_destination and not node.dead_letter_config_input:
            return "function without a failure destination or DLQ for asynchronous invocations"
        return None
