"""The environment a deployed function sees: the stack's variables plus what the Lambda runtime sets.

Mirrors stacks/pipeline_stack.py (values of the dev environment from stacks/config.py) without any
credentials or endpoint: a benchmark must never reach AWS. Tracing is left enabled, as deployed (the
runtime sets LAMBDA_TASK_ROOT, which is what Powertools' Tracer checks).
"""

from __future__ import annotations

import os

from stacks.config import load_environments

REGION = "us-east-1"
ACCOUNT = "123456789012"

_COMMON = {"POWERTOOLS_METRICS_NAMESPACE": "FraudDetection", "POWERTOOLS_LOG_LEVEL": "INFO"}

# Function key -> component of its deployed name and its Powertools service name (stacks/function_specs.py).
_NAMES = {"transaction_api": "transaction-api", "fraud_analyzer": "analyzer", "notifier": "notifier",
          "report_generator": "report-generator", None: "floor"}


def _function_env(function: str) -> dict[str, str]:
    """The variables the stack sets for `function`, with the dev environment's values."""
    dev = load_environments()["dev"]
    table = "fraud-transactions-dev"
    return {
        "transaction_api": {
            "TABLE_NAME": table, "MERCHANT_COUNTERS_TABLE_NAME": "fraud-merchant-counters-dev",
            "MAX_AMOUNT": dev.max_amount, "MAX_BODY_BYTES": str(dev.max_body_bytes),
            "DAY_SHARDS": str(dev.day_shards), "TRANSACTION_TTL_DAYS": str(dev.transaction_ttl_days),
        },
        "fraud_analyzer": {
            "TABLE_NAME": table, "CUSTOMER_INDEX_NAME": "customer-index",
            "HISTORY_WINDOW_DAYS": str(dev.history_window_days),
            "FRAUD_QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/fraud-queue-dev",
            "MERCHANT_COUNTERS_TABLE_NAME": "fraud-merchant-counters-dev",
        },
        "notifier": {
            "ALERT_TOPIC_ARN": f"arn:aws:sns:{REGION}:{ACCOUNT}:fraud-alerts-dev",
            "IDEMPOTENCY_TABLE_NAME": "fraud-idempotency-dev",
        },
        "report_generator": {
            "TABLE_NAME": table, "DAY_INDEX_NAME": "day-index", "DAY_SHARDS": str(dev.day_shards),
            "REPORTS_BUCKET": f"fraud-reports-dev-{ACCOUNT}",
        },
    }[function]


def runtime_env(task_root: str, function: str | None = None) -> dict[str, str]:
    """Variables the Lambda runtime itself sets (no credentials)."""
    name = f"fraud-{_NAMES[function]}-dev"
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "LAMBDA_TASK_ROOT": task_root,
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
    }


def function_env(function: str, task_root: str) -> dict[str, str]:
    """Runtime variables plus the function's own, as the stack sets them."""
    return {
        **runtime_env(task_root, function),
        **_COMMON,
        "POWERTOOLS_SERVICE_NAME": _NAMES[function],
        **_function_env(function),
    }
