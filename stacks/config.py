"""Every per-environment setting of the pipeline, typed and validated in one place.

A contradictory setting fails here, when the app synthesizes, with a message naming the
environment and the field, instead of surfacing later as a confusing plan or a runtime fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

from stacks.access_config import AccessConfigError, ApiAccess, ApiProducer, Principals, StateAccess, validate_role

CodeSigningPolicy = Literal["Enforce", "Warn"]
FunctionKey = Literal["transaction_api", "fraud_analyzer", "notifier", "report_generator"]
FUNCTION_KEYS: tuple[FunctionKey, ...] = ("transaction_api", "fraud_analyzer", "notifier", "report_generator")

# Retention values CloudWatch Logs accepts; anything else is rejected by the API at apply time.
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)
# The largest body AWS WAF inspects on a regional API (default 8 KB, raised up to 64 KB per web ACL).
MAX_WAF_BODY_BYTES = 65_536
_SUFFIX = re.compile(r"^[a-z][a-z0-9-]{1,11}$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
# The CI roles are scoped by the `Environment` tag, whose value is the environment's name: the state
# and account stacks tag their resources with these names, and an environment's extra tags may not
# replace the tag its roles are scoped by.
RESERVED_ENVIRONMENT_NAMES = frozenset({"shared", "account"})
_SCOPING_TAG = "Environment"
# PCI DSS v4 10.5.1: audit log history is kept for at least 12 months.
AUDIT_LOG_RETENTION_DAYS = 365


class ConfigError(ValueError):
    """A setting is missing, out of range or contradicts another setting."""


@dataclass(frozen=True, kw_only=True)
class FunctionSettings:
    """Sizing of one Lambda function.

    Each timeout carries the reason for its value, because a timeout is a contract with the
    trigger in front of it (API Gateway's 29 s, the queue's visibility timeout) and must not be
    a number copied between functions.
    """

    timeout_seconds: int
    """Maximum run time of one invocation."""
    timeout_reason: str
    """Why this timeout: what bounds it from above and below."""
    memory_mb: int = 256
    """Memory (and so CPU share) of the function."""
    reserved_concurrency: int = 10
    """Concurrent executions reserved for (and capping) this function."""

    def validate(self, where: str) -> None:
        """Reject values Lambda would refuse or that make no sense."""
        if not 1 <= self.timeout_seconds <= 900:
            raise ConfigError(f"{where}: timeout_seconds must be 1..900, got {self.timeout_seconds}")
        if not self.timeout_reason.strip():
            raise ConfigError(f"{where}: timeout_reason must say why the timeout is {self.timeout_seconds}s")
        if not 128 <= self.memory_mb <= 10240:
            raise ConfigError(f"{where}: memory_mb must be 128..10240, got {self.memory_mb}")
        if self.reserved_concurrency < 1:
            raise ConfigError(
                f"{where}: reserved_concurrency must be >= 1 (0 would disable the function), "
                f"got {self.reserved_concurrency}"
            )


@dataclass(frozen=True, kw_only=True)
class AlarmThresholds:
    """Thresholds of the pipeline's CloudWatch alarms."""

    function_error_rate_percent: float = 1.0
    """Function errors as a percentage of invocations over 5 minutes."""
    iterator_age_ms: int = 60_000
    """Maximum age of the newest stream record the analyzer has not processed yet."""
    api_5xx_rate: float = 0.01
    """Fraction of API requests answered with 5XX over 5 minutes."""
    api_4xx_rate: float = 0.10
    """Fraction of API requests answered with 4XX over 5 minutes (clients sending garbage or abuse)."""
    dlq_depth: int = 0
    """Messages visible in the dead-letter queue above which the alarm fires."""

    def validate(self, where: str) -> None:
        """Reject thresholds that could never or would always fire."""
        if not 0 < self.function_error_rate_percent < 100:
            raise ConfigError(f"{where}: function_error_rate_percent must be in (0, 100)")
        for name in ("api_5xx_rate", "api_4xx_rate"):
            if not 0 < getattr(self, name) < 1:
                raise ConfigError(f"{where}: {name} is a fraction and must be in (0, 1)")
        if self.iterator_age_ms <= 0 or self.dlq_depth < 0:
            raise ConfigError(f"{where}: iterator_age_ms must be > 0 and dlq_depth >= 0")


@dataclass(frozen=True, kw_only=True)
class ApiThrottle:
    """Request throttling of the API stage and its usage plan."""

    rate_limit: int = 1000
    """Steady-state requests per second."""
    burst_limit: int = 1000
    """Requests admitted in a burst."""

    def validate(self, where: str) -> None:
        """A burst below the rate would throttle a steady stream of requests."""
        if self.rate_limit <= 0 or self.burst_limit <= 0:
            raise ConfigError(f"{where}: API throttle limits must be > 0")
        if self.burst_limit < self.rate_limit:
            raise ConfigError(
                f"{where}: API burst_limit ({self.burst_limit}) must be >= rate_limit ({self.rate_limit})"
            )


@dataclass(frozen=True, kw_only=True)
class EmulatorSettings:
    """How the `local` environment reaches the AWS emulator; absent for real AWS."""

    endpoint_url: str
    """Base URL of the emulator, used for every service endpoint."""


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """Everything that differs between dev, staging, prod and local."""

    name: str
    """Environment name: the stack is `fraud-detection-<name>`."""
    region: str
    """AWS region of every resource of the environment."""
    name_suffix: str
    """Suffix added to resource names so environments sharing an account never collide."""
    functions: MappingProxyType[str, FunctionSettings]
    """Sizing per function, keyed by function key (see FUNCTION_KEYS)."""
    log_retention_days: int = 7
    """Retention of every log group of the environment: at least AUDIT_LOG_RETENTION_DAYS (a year, PCI DSS
    v4 10.5.1) where the data is confidential (tag DataClassification), 7 days where it is synthetic."""
    alarms: AlarmThresholds = field(default_factory=AlarmThresholds)
    """Alarm thresholds."""
    api_throttle: ApiThrottle = field(default_factory=ApiThrottle)
    """API stage and usage-plan throttling."""
    alert_email: str | None = None
    """Optional e-mail address subscribed to the alert topic (confirmation required by AWS)."""
    deletion_protection: bool = False
    """Protect the table (and keep data) against accidental destroy."""
    fraud_queue_visibility_seconds: int = 360
    """Visibility timeout of the fraud queue; must cover the notifier's batch processing."""
    notifier_batch_window_seconds: int = 0
    """How long the queue mapping gathers messages before invoking the notifier."""
    stream_max_retries: int = 3
    """Retries of a failing stream batch before its records go to the failure destination."""
    stream_max_record_age_seconds: int = 3600
    """Older stream records are sent to the failure destination instead of being retried."""
    max_amount: str = "1000000.00"
    """Largest accepted transaction amount (decimal string)."""
    max_body_bytes: int = 8192
    """Largest accepted request body; a transaction is a few hundred bytes."""
    history_window_days: int = 30
    """How far back the analyzer reads a customer's history to build the profile."""
    transaction_ttl_days: int = 400
    """Days after which a transaction item expires through DynamoDB TTL."""
    day_shards: int = 8
    """Write shards of the per-day index; spreads one day's writes over several partitions."""
    code_signing: CodeSigningPolicy = "Warn"
    """What Lambda does with an unsigned or wrongly signed deployment package: `Enforce` rejects it,
    `Warn` deploys it and logs a CloudWatch warning. Enforce wherever production data flows."""
    waf_requests_per_ip_per_5min: int = 60_000
    """Requests one source IP may send in a 5-minute window before the web ACL blocks it (429).
    The stage throttles the whole API at `api_throttle.rate_limit`; one address sending more than a
    fifth of that (200 rps) is treated as abuse. Producers behind one NAT address that need more
    raise this."""
    tags: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Extra tags, merged into the provider's default tags."""
    emulator: EmulatorSettings | None = None
    """Set only for the local emulator environment."""
    api: ApiAccess
    """Who may call the API and how they authenticate (SigV4 by default; see stacks/access_config.py)."""
    operators_redrive_role: str
    """Role operators move messages from the DLQ back into the fraud queue with (a role ARN, or
    `role/<path/>name` in the environment's account): besides the analyzer, the only principal the
    fraud queue accepts messages from."""
    account_id: str | None = None
    """The AWS account the environment must deploy to. One account per environment is the
    recommended deployment (nothing the dev pipeline can do then reaches prod); when set, the
    provider refuses credentials of any other account (allowed_account_ids)."""
    deploy_ref: str | None = None
    """The only git ref whose CI jobs may assume the environment's deploy role (prod: main), or None
    for any ref; the OIDC subject must carry the ref (README, CI/CD step 4)."""

    def __post_init__(self) -> None:
        where = f"environment {self.name!r}"
        try:
            self.api.validate(where)
            validate_role(self.operators_redrive_role, f"{where}: operators_redrive_role")
        except AccessConfigError as exc:
            raise ConfigError(str(exc)) from exc
        if self.name in RESERVED_ENVIRONMENT_NAMES:
            raise ConfigError(f"{where}: the name is reserved for the state and account stacks' tag values")
        if _SCOPING_TAG in self.tags:
            raise ConfigError(
                f"{where}: tags may not set {_SCOPING_TAG!r}: it is the environment's name, and the CI roles"
                " are scoped by it"
            )
        if self.account_id is not None and not _ACCOUNT_ID.match(self.account_id):
            raise ConfigError(f"{where}: account_id {self.account_id!r} is not a 12-digit account id")
        if not _SUFFIX.match(self.name_suffix):
            raise ConfigError(f"{where}: name_suffix must match {_SUFFIX.pattern}, got {self.name_suffix!r}")
        if not _REGION.match(self.region):
            raise ConfigError(f"{where}: region {self.region!r} is not an AWS region name")
        missing = set(FUNCTION_KEYS) - set(self.functions)
        unknown = set(self.functions) - set(FUNCTION_KEYS)
        if missing or unknown:
            raise ConfigError(f"{where}: functions missing {sorted(missing)}, unknown {sorted(unknown)}")
        for key, settings in self.functions.items():
            settings.validate(f"{where}, function {key}")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            raise ConfigError(
                f"{where}: log_retention_days {self.log_retention_days} is not a CloudWatch Logs retention value"
            )
        if self.tags.get("DataClassification") == "confidential" and self.log_retention_days < AUDIT_LOG_RETENTION_DAYS:
            raise ConfigError(
                f"{where}: log_retention_days {self.log_retention_days} is below the {AUDIT_LOG_RETENTION_DAYS} "
                "days of audit history PCI DSS v4 10.5.1 asks for where data is confidential"
            )
        self.alarms.validate(where)
        self.api_throttle.validate(where)
        if self.alert_email is not None and not _EMAIL.match(self.alert_email):
            raise ConfigError(f"{where}: alert_email {self.alert_email!r} is not an e-mail address")
        self._validate_queue_timing(where)
        if not 1 <= self.day_shards <= 64:
            raise ConfigError(f"{where}: day_shards must be 1..64")
        if not 256 <= self.max_body_bytes <= MAX_WAF_BODY_BYTES:
            # The web ACL enforces the limit before the function; it can inspect at most 64 KB of a body.
            raise ConfigError(f"{where}: max_body_bytes must be 256..{MAX_WAF_BODY_BYTES} (WAF body inspection limit)")
        if self.code_signing not in ("Enforce", "Warn"):
            raise ConfigError(f"{where}: code_signing must be 'Enforce' or 'Warn', got {self.code_signing!r}")
        if not 10 <= self.waf_requests_per_ip_per_5min <= 300 * self.api_throttle.rate_limit:
            raise ConfigError(
                f"{where}: waf_requests_per_ip_per_5min must be 10..{300 * self.api_throttle.rate_limit} "
                "(above the stage's own throttle for 5 minutes the rule could never fire)"
            )
        if not 1 <= self.history_window_days <= 365:
            raise ConfigError(f"{where}: history_window_days must be 1..365")
        if self.history_window_days > self.transaction_ttl_days:
            raise ConfigError(f"{where}: history_window_days exceeds transaction_ttl_days: history would be gone")
        if not 1 <= self.transaction_ttl_days <= 3650:
            raise ConfigError(f"{where}: transaction_ttl_days must be 1..3650")
        if not 0 <= self.stream_max_retries <= 10_000 or not 60 <= self.stream_max_record_age_seconds <= 604_800:
            raise ConfigError(f"{where}: stream retry cap 0..10000 and record age 60..604800 s")

    def _validate_queue_timing(self, where: str) -> None:
        # AWS guidance: visibility >= 6x the consumer's timeout plus the batching window, so a
        # message is not redelivered (and counted towards the DLQ) while still being processed.
        notifier = self.functions["notifier"]
        needed = 6 * notifier.timeout_seconds + self.notifier_batch_window_seconds
        if self.fraud_queue_visibility_seconds < needed:
            raise ConfigError(
                f"{where}: fraud_queue_visibility_seconds ({self.fraud_queue_visibility_seconds}) must be at "
                f"least 6 x notifier timeout + batch window = {needed}"
            )
        if not 0 <= self.notifier_batch_window_seconds <= 300:
            raise ConfigError(f"{where}: notifier_batch_window_seconds must be 0..300")
        # The notifier's reserved concurrency also caps the fraud-queue mapping's pollers, and SQS
        # accepts a mapping's maximum concurrency only within 2..1000.
        if not 2 <= notifier.reserved_concurrency <= 1000:
            raise ConfigError(
                f"{where}: the notifier's reserved_concurrency ({notifier.reserved_concurrency}) caps the fraud "
                "queue's mapping and must be 2..1000"
            )

    def function(self, key: FunctionKey) -> FunctionSettings:
        """Settings of one function by key."""
        return self.functions[key]

    @property
    def stack_name(self) -> str:
        """Name of the environment's stack."""
        return f"fraud-detection-{self.name}"


def _functions(concurrency: int, **overrides: FunctionSettings) -> MappingProxyType[str, FunctionSettings]:
    base: dict[str, FunctionSettings] = {
        # API Gateway gives up after 29 s; a request does two or three DynamoDB round trips,
        # so 10 s is generous even with a cold start and never outlives the client's request.
        "transaction_api": FunctionSettings(
            timeout_seconds=10,
            timeout_reason="under API Gateway's 29 s integration limit; a request is a few DynamoDB calls",
            memory_mb=512,
            reserved_concurrency=concurrency,
        ),
        # One stream batch is at most 10 records: a few queries, 10 updates, one SendMessageBatch.
        "fraud_analyzer": FunctionSettings(
            timeout_seconds=30,
            timeout_reason="a 10-record batch with per-customer history queries; retries re-run the batch",
            memory_mb=512,
            reserved_concurrency=concurrency,
        ),
        # The fraud queue's visibility timeout (360 s) must stay >= 6x this value.
        "notifier": FunctionSettings(
            timeout_seconds=60,
            timeout_reason="10 SNS publishes per batch; 6x this is the fraud queue's 360 s visibility timeout",
            memory_mb=256,
            reserved_concurrency=concurrency,
        ),
        # Reads a whole day through the day index and writes two objects: the longest job.
        "report_generator": FunctionSettings(
            timeout_seconds=300,
            timeout_reason="reads one day of transactions through the day index and writes two S3 objects",
            memory_mb=1024,
            reserved_concurrency=2,  # one scheduled run plus one manual rerun
        ),
    }
    base.update(overrides)
    return MappingProxyType(base)


def _signed_api(suffix: str) -> ApiAccess:
    # The payment service signs with its own role in the environment's account; a producer in
    # another account is named by role ARN or account id instead.
    payments = Principals(roles=(f"role/fraud-producer-payments-{suffix}",))
    # Outcomes come from the fraud analysts' case tool and the chargeback feed, each signing with its
    # own role; neither may post transactions, and no producer may post labels.
    reporters = Principals(roles=(f"role/fraud-analysts-{suffix}", f"role/fraud-chargebacks-{suffix}"))
    return ApiAccess(producers=(ApiProducer(name="payments", principals=payments),), outcome_reporters=reporters)


def _environments(local_endpoint: str) -> dict[str, EnvironmentConfig]:
    dev = EnvironmentConfig(
        name="dev",
        region="us-east-1",
        name_suffix="dev",
        functions=_functions(concurrency=10),
        tags=MappingProxyType({"DataClassification": "synthetic"}),
        api=_signed_api("dev"),
        operators_redrive_role="role/fraud-operations-dev",
    )
    staging = replace(
        dev,
        name="staging",
        name_suffix="stg",
        functions=_functions(concurrency=20),
        tags=MappingProxyType({"DataClassification": "confidential"}),
        log_retention_days=AUDIT_LOG_RETENTION_DAYS,
        code_signing="Enforce",
        api=_signed_api("stg"),
        operators_redrive_role="role/fraud-operations-stg",
    )
    prod = replace(
        dev,
        name="prod",
        name_suffix="prod",
        functions=_functions(concurrency=100),
        api=_signed_api("prod"),
        operators_redrive_role="role/fraud-operations-prod",
        deploy_ref="refs/heads/main",
        deletion_protection=True,
        log_retention_days=AUDIT_LOG_RETENTION_DAYS,
        tags=MappingProxyType({"DataClassification": "confidential"}),
        code_signing="Enforce",
    )
    # The emulator environment: same shape as dev. What the emulator forces is confined to
    # EmulatorSettings and stacks/emulator.py, never to dev, staging or prod.
    local = replace(
        dev,
        name="local",
        name_suffix="local",
        emulator=EmulatorSettings(endpoint_url=local_endpoint),
        api=ApiAccess(
            producers=(ApiProducer(name="payments"),),
            authorization="NONE",
            unsigned_reason=(
                "the emulator checks no signatures and the played API Gateway (tooling/lambda_service) "
                "and the end-to-end tests call it with the API key only, labels included (so locally the "
                "producer's key may post labels); dev, staging and prod sign, and keep producers off labels"
            ),
        ),
        operators_redrive_role="role/fraud-operations-local",
    )
    return {env.name: env for env in (dev, staging, prod, local)}


def load_environments(local_endpoint: str = "http://127.0.0.1:5000") -> dict[str, EnvironmentConfig]:
    """All environments, keyed by name; `local_endpoint` is where the emulator listens."""
    return _environments(local_endpoint)


def load_state_access() -> StateAccess:
    """Who besides the CI roles may use the Terraform state (validated)."""
    access = StateAccess()
    try:
        access.validate()
    except AccessConfigError as exc:
        raise ConfigError(str(exc)) from exc
    return access
