"""Per-environment settings: seed values, environment differences, contradictions rejected."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest

from stacks.access_config import ApiAccess, ApiProducer, CustomDomain, Principals
from stacks.config import (
    FUNCTION_KEYS,
    RESERVED_ENVIRONMENT_NAMES,
    AlarmThresholds,
    ApiThrottle,
    ConfigError,
    FunctionSettings,
    load_environments,
)

ENVS = load_environments()


def test_there_are_exactly_the_four_environments() -> None:
    assert set(ENVS) == {"dev", "staging", "prod", "local"}
    assert {e.stack_name for e in ENVS.values()} == {
        "fraud-detection-dev", "fraud-detection-staging", "fraud-detection-prod", "fraud-detection-local"
    }


def test_prod_reserves_100_per_pipeline_function_and_dev_10() -> None:
    for key in ("transaction_api", "fraud_analyzer", "notifier"):
        assert ENVS["prod"].function(key).reserved_concurrency == 100
        assert ENVS["dev"].function(key).reserved_concurrency == 10
    # The daily report runs once a day: two slots cover a rerun beside the scheduled run.
    assert ENVS["prod"].function("report_generator").reserved_concurrency == 2


def test_seed_numbers_hold_in_every_environment() -> None:
    for env in ENVS.values():
        assert env.api_throttle == ApiThrottle(rate_limit=1000, burst_limit=1000)
        assert env.fraud_queue_visibility_seconds == 360
        assert env.alarms.function_error_rate_percent == 1.0


def test_logs_are_kept_a_year_where_data_is_confidential_and_a_week_where_it_is_synthetic() -> None:
    assert {name: env.log_retention_days for name, env in ENVS.items()} == {
        "dev": 7, "staging": 365, "prod": 365, "local": 7}


def test_confidential_data_with_less_than_a_year_of_logs_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"below the 365 days of audit history PCI DSS v4 10\.5\.1") as error:
        replace(ENVS["prod"], log_retention_days=180)
    assert "environment 'prod'" in str(error.value)
    assert replace(ENVS["dev"], log_retention_days=1).log_retention_days == 1


def test_every_timeout_has_a_reason_and_fits_its_trigger() -> None:
    for env in ENVS.values():
        for key in FUNCTION_KEYS:
            assert env.function(key).timeout_reason.strip()
        assert env.function("transaction_api").timeout_seconds < 29  # API Gateway integration limit
        assert env.fraud_queue_visibility_seconds >= 6 * env.function("notifier").timeout_seconds


def test_only_prod_protects_the_table_from_deletion() -> None:
    assert ENVS["prod"].deletion_protection
    assert not ENVS["dev"].deletion_protection
    assert not ENVS["local"].deletion_protection


def test_only_local_talks_to_the_emulator() -> None:
    assert ENVS["local"].emulator is not None
    assert all(ENVS[name].emulator is None for name in ("dev", "staging", "prod"))


def test_emulator_endpoint_is_configurable() -> None:
    envs = load_environments("http://127.0.0.1:45678")
    assert envs["local"].emulator is not None
    assert envs["local"].emulator.endpoint_url == "http://127.0.0.1:45678"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fraud_queue_visibility_seconds": 300}, "6 x notifier timeout"),
        ({"log_retention_days": 8}, "not a CloudWatch Logs retention value"),
        ({"name_suffix": "Prod_1"}, "name_suffix"),
        ({"region": "moon-1"}, "region"),
        ({"alert_email": "not-an-address"}, "alert_email"),
        ({"api_throttle": ApiThrottle(rate_limit=1000, burst_limit=10)}, "burst_limit"),
        ({"alarms": AlarmThresholds(api_5xx_rate=5)}, "api_5xx_rate"),
        ({"history_window_days": 30, "transaction_ttl_days": 7}, "history would be gone"),
        ({"day_shards": 0}, "day_shards"),
    ],
)
def test_contradictory_settings_fail_with_a_clear_message(change: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        replace(ENVS["dev"], **change)
    assert "environment 'dev'" in str(error.value)


def test_a_missing_function_is_named() -> None:
    functions = dict(ENVS["dev"].functions)
    del functions["notifier"]
    with pytest.raises(ConfigError, match="notifier"):
        replace(ENVS["dev"], functions=MappingProxyType(functions))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (FunctionSettings(timeout_seconds=0, timeout_reason="x"), "timeout_seconds"),
        (FunctionSettings(timeout_seconds=10, timeout_reason=" "), "timeout_reason"),
        (FunctionSettings(timeout_seconds=10, timeout_reason="x", memory_mb=64), "memory_mb"),
        (FunctionSettings(timeout_seconds=10, timeout_reason="x", reserved_concurrency=0), "reserved_concurrency"),
    ],
)
def test_function_settings_are_validated(settings: FunctionSettings, message: str) -> None:
    functions = {**ENVS["dev"].functions, "transaction_api": settings}
    with pytest.raises(ConfigError, match=message):
        replace(ENVS["dev"], functions=MappingProxyType(functions))


def test_a_longer_notifier_timeout_requires_a_longer_visibility_timeout() -> None:
    slow = FunctionSettings(timeout_seconds=90, timeout_reason="slow downstream")
    functions = MappingProxyType({**ENVS["dev"].functions, "notifier": slow})
    with pytest.raises(ConfigError, match="540"):
        replace(ENVS["dev"], functions=functions)
    assert replace(ENVS["dev"], functions=functions, fraud_queue_visibility_seconds=540)


@pytest.mark.parametrize("concurrency", [1, 1001])
def test_the_notifier_concurrency_must_fit_the_queue_mappings_range(concurrency: int) -> None:
    # It also caps the fraud-queue mapping's pollers, which SQS accepts only within 2..1000.
    notifier = replace(ENVS["dev"].function("notifier"), reserved_concurrency=concurrency)
    functions = MappingProxyType({**ENVS["dev"].functions, "notifier": notifier})
    with pytest.raises(ConfigError, match=r"caps the fraud queue's mapping and must be 2\.\.1000"):
        replace(ENVS["dev"], functions=functions)


def test_dev_staging_and_prod_take_signed_requests_from_named_producers_only() -> None:
    for name in ("dev", "staging", "prod"):
        api = ENVS[name].api
        assert api.authorization == "AWS_IAM"
        assert [p.name for p in api.producers] == ["payments"]
        assert api.producers[0].principals.roles == (f"role/fraud-producer-payments-{ENVS[name].name_suffix}",)


def test_local_takes_the_api_key_alone_and_says_why() -> None:
    api = ENVS["local"].api
    assert api.authorization == "NONE"
    assert "played API Gateway" in api.unsigned_reason


def test_every_environment_names_its_redrive_role_and_may_pin_its_account() -> None:
    for env in ENVS.values():
        assert env.operators_redrive_role == f"role/fraud-operations-{env.name_suffix}"
        assert env.account_id is None
    assert replace(ENVS["prod"], account_id="123456789012").account_id == "123456789012"


def _api(**changes: object) -> ApiAccess:
    return replace(ENVS["dev"].api, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"api": _api(authorization="NONE")}, "unsigned_reason"),
        ({"api": _api(authorization="OPEN")}, "AWS_IAM or NONE"),
        ({"api": _api(producers=())}, "at least one producer"),
        ({"api": _api(producers=(ApiProducer(name="payments"),))}, "name at least one role or account"),
        ({"api": _api(producers=(ApiProducer(name="p", principals=Principals(accounts=("12345",))),))},
         "12-digit"),
        ({"api": _api(producers=(ApiProducer(name="p", principals=Principals(roles=("user/alice",))),))},
         "neither a role ARN"),
        ({"api": _api(producers=(ApiProducer(name="Bad_Name", principals=Principals(accounts=("123456789012",))),))},
         "producer name"),
        ({"api": _api(producers=(*ENVS["dev"].api.producers, *ENVS["dev"].api.producers))}, "repeat"),
        ({"api": _api(custom_domain=CustomDomain(domain_name="not a name", certificate_arn="x"))}, "DNS name"),
        ({"api": _api(custom_domain=CustomDomain(domain_name="api.example.com", certificate_arn="arn:aws:iam::1"))},
         "ACM certificate"),
        ({"api": _api(outcome_reporters=Principals())}, "outcome_reporters: name at least one role or account"),
        ({"api": _api(outcome_reporters=Principals(roles=("user/analyst",)))}, "neither a role ARN"),
        ({"api": _api(outcome_reporters=Principals(roles=("role/fraud-producer-payments-dev",)))},
         "outcome reporters must not be producers"),
        ({"api": _api(producers=(ApiProducer(name="p", principals=Principals(accounts=("123456789012",))),),
                      outcome_reporters=Principals(accounts=("123456789012",)))},
         "outcome reporters must not be producers"),
        ({"api": _api(producers=(ApiProducer(name="p", principals=Principals(
            roles=("arn:aws:iam::123456789012:role/payments",))),),
                      outcome_reporters=Principals(accounts=("123456789012",)))},
         "outcome reporters must not be producers"),
        ({"operators_redrive_role": "operators"}, "operators_redrive_role"),
        ({"account_id": "prod"}, "account_id"),
    ],
)
def test_malformed_access_settings_fail_naming_the_environment(change: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        replace(ENVS["dev"], **change)
    assert "environment 'dev'" in str(error.value)


def test_signed_environments_name_analysts_and_chargebacks_as_outcome_reporters() -> None:
    for name in ("dev", "staging", "prod"):
        sfx = ENVS[name].name_suffix
        assert ENVS[name].api.outcome_reporters == Principals(
            roles=(f"role/fraud-analysts-{sfx}", f"role/fraud-chargebacks-{sfx}"))
    # Unsigned (the emulator): no principals to name; the API key is the check there, for labels too.
    assert ENVS["local"].api.outcome_reporters == Principals()
    assert "labels" in ENVS["local"].api.unsigned_reason


def test_producers_may_be_roles_of_other_accounts_or_whole_accounts() -> None:
    producer = ApiProducer(name="acquirer", principals=Principals(
        roles=("arn:aws:iam::210987654321:role/payments/acquirer",), accounts=("123456789012",)), daily_quota=10_000)
    api = _api(producers=(producer,), custom_domain=CustomDomain(
        domain_name="fraud-api.example.com",
        certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f"))
    assert replace(ENVS["dev"], api=api).api.producers == (producer,)
    assert producer.principals.role_arns(partition="aws", account_id="111111111111") == [
        "arn:aws:iam::210987654321:role/payments/acquirer"]
    assert Principals(roles=("role/x",)).role_arns(partition="aws", account_id="111111111111") == [
        "arn:aws:iam::111111111111:role/x"]


@pytest.mark.parametrize("name", sorted(RESERVED_ENVIRONMENT_NAMES))
def test_an_environment_cannot_take_the_tag_value_of_the_state_or_account_stack(name: str) -> None:
    with pytest.raises(ConfigError, match="reserved"):
        replace(ENVS["dev"], name=name)


def test_extra_tags_cannot_replace_the_environment_tag_the_roles_are_scoped_by() -> None:
    with pytest.raises(ConfigError, match="'Environment'"):
        replace(ENVS["dev"], tags=MappingProxyType({"Environment": "prod"}))
