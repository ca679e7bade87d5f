"""Who may call, operate and reach an environment: the access part of its validated config.

Principals are given as role ARNs, as `role/<path/>name` for a role of the environment's own
account (so a config works unchanged in whichever account the environment deploys to), or as
12-digit account ids (every principal of that account; its own IAM policies then decide who).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

_ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
_OWN_ROLE = re.compile(r"^role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_PRODUCER_NAME = re.compile(r"^[a-z][a-z0-9-]{0,23}$")
_DOMAIN = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_CERTIFICATE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$")

Authorization = Literal["AWS_IAM", "NONE"]


class AccessConfigError(ValueError):
    """An access setting is malformed or contradicts another."""


def role_arn(role: str, *, partition: str, account_id: str) -> str:
    """ARN of a role given as an ARN or as `role/<path/>name` of `account_id`."""
    if _OWN_ROLE.match(role):
        return f"arn:{partition}:iam::{account_id}:{role}"
    return role


def validate_role(role: str, where: str) -> None:
    """Reject anything that is neither a role ARN nor `role/<path/>name`."""
    if not (_ROLE_ARN.match(role) or _OWN_ROLE.match(role)):
        raise AccessConfigError(f"{where}: {role!r} is neither a role ARN nor role/<path/>name")


@dataclass(frozen=True, kw_only=True)
class Principals:
    """IAM principals admitted somewhere: roles, and whole accounts."""

    roles: tuple[str, ...] = ()
    """Role ARNs, or `role/<path/>name` for roles of the environment's own account."""
    accounts: tuple[str, ...] = ()
    """12-digit account ids whose principals are admitted (their IAM policies decide who)."""

    def validate(self, where: str) -> None:
        """Reject malformed entries and an empty set."""
        for role in self.roles:
            validate_role(role, where)
        for account in self.accounts:
            if not _ACCOUNT_ID.match(account):
                raise AccessConfigError(f"{where}: account {account!r} is not a 12-digit account id")
        if not self.roles and not self.accounts:
            raise AccessConfigError(f"{where}: name at least one role or account")

    def role_arns(self, *, partition: str, account_id: str) -> list[str]:
        """The roles as ARNs, own-account names resolved against `account_id`."""
        return [role_arn(r, partition=partition, account_id=account_id) for r in self.roles]


@dataclass(frozen=True, kw_only=True)
class ApiProducer:
    """One system that posts transactions: its own API key and usage plan (quota and throttle
    identity, not a credential), and the principals it signs its requests with."""

    name: str
    """Short name; names the producer's API key and usage plan."""
    principals: Principals = field(default_factory=Principals)
    """Who the producer signs as (required when the API takes signed requests)."""
    daily_quota: int | None = None
    """Requests per day the producer's usage plan admits; None: throttled, no daily cap."""

    def validate(self, where: str, *, signed: bool) -> None:
        """Name, quota, and principals where requests are signed."""
        if not _PRODUCER_NAME.match(self.name):
            raise AccessConfigError(f"{where}: producer name {self.name!r} must match {_PRODUCER_NAME.pattern}")
        if self.daily_quota is not None and self.daily_quota < 1:
            raise AccessConfigError(f"{where}: producer {self.name} daily_quota must be >= 1")
        if signed:
            self.principals.validate(f"{where}, producer {self.name}")


@dataclass(frozen=True, kw_only=True)
class CustomDomain:
    """A custom domain in front of the API: TLS 1.2 at least (the default execute-api endpoint
    still accepts TLS 1.0), and the default endpoint switched off so it cannot be used around it."""

    domain_name: str
    """e.g. fraud-api.example.com."""
    certificate_arn: str
    """ACM certificate of the domain, in the environment's region (a regional endpoint)."""

    def validate(self, where: str) -> None:
        """Reject malformed names and ARNs."""
        if not _DOMAIN.match(self.domain_name):
            raise AccessConfigError(f"{where}: custom domain {self.domain_name!r} is not a DNS name")
        if not _CERTIFICATE_ARN.match(self.certificate_arn):
            raise AccessConfigError(f"{where}: {self.certificate_arn!r} is not an ACM certificate ARN")


@dataclass(frozen=True, kw_only=True)
class ApiAccess:
    """How callers authenticate to the transactions API and who they may be."""

    producers: tuple[ApiProducer, ...]
    """Systems posting and reading transactions (POST /transactions, GET /transactions/{id})."""
    outcome_reporters: Principals = field(default_factory=Principals)
    """Who may report outcomes (POST /transactions/{id}/label), and only that: the analysts' and
    the chargeback systems' roles. Required where requests are signed; never a producer, since labels
    train the model."""
    authorization: Authorization = "AWS_IAM"
    """AWS_IAM: requests are SigV4-signed and the REST API's resource policy admits only the
    producers' principals. NONE: the API key is the only check (only with a reason)."""
    unsigned_reason: str = ""
    """Why this environment takes unsigned requests (required with authorization NONE)."""
    custom_domain: CustomDomain | None = None
    """Optional custom domain (TLS 1.2; the execute-api endpoint is then disabled)."""

    @property
    def signed(self) -> bool:
        """Whether requests must be SigV4-signed."""
        return self.authorization == "AWS_IAM"

    def validate(self, where: str) -> None:
        """Every producer valid and uniquely named; unsigned access only with a reason."""
        if self.authorization not in ("AWS_IAM", "NONE"):
            raise AccessConfigError(f"{where}: authorization must be AWS_IAM or NONE, got {self.authorization!r}")
        if not self.signed and not self.unsigned_reason.strip():
            raise AccessConfigError(f"{where}: authorization NONE needs unsigned_reason")
        if not self.producers:
            raise AccessConfigError(f"{where}: the API needs at least one producer")
        names = [p.name for p in self.producers]
        if len(set(names)) != len(names):
            raise AccessConfigError(f"{where}: producer names repeat: {names}")
        for producer in self.producers:
            producer.validate(where, signed=self.signed)
        if self.signed:
            self.outcome_reporters.validate(f"{where}, outcome_reporters")
            self._reporters_are_not_producers(where)
        if self.custom_domain is not None:
            self.custom_domain.validate(where)


    def _reporters_are_not_producers(self, where: str) -> None:
        """A producer admitted as a reporter (by role or by its whole account) could write labels."""
        producer_roles = {r for p in self.producers for r in p.principals.roles}
        producer_accounts = {a for p in self.producers for a in p.principals.accounts}
        reporters = self.outcome_reporters
        shared = sorted(producer_roles & set(reporters.roles)) + sorted(producer_accounts & set(reporters.accounts))
        shared += sorted(role for role in producer_roles if _account_of(role) in reporters.accounts)
        if shared:
            raise AccessConfigError(f"{where}: outcome reporters must not be producers: {shared}")


def _account_of(role: str) -> str | None:
    """The account of a role ARN (None for `role/<path/>name`, which is the environment's own)."""
    parts = role.split(":")
    return parts[4] if len(parts) > 5 else None


CI_ROLE_PATH = "/github-deploy/"
"""IAM path of the roles CI deploys and plans with (modules/ci/deploy_role.py creates them there)."""


def ci_role(access: Literal["deploy", "plan"], environment: str) -> str:
    """The deploy or plan role of an environment as `role/<path/>name` (resolved with `role_arn`):
    the name the account stack gives it, which the environment's key and the state bucket admit
    before that stack exists (tests/stacks/test_account_stack.py keeps the two in step)."""
    return f"role{CI_ROLE_PATH}fraud-{access}-{environment}"


@dataclass(frozen=True, kw_only=True)
class StateAccess:
    """Who besides the environments' CI roles may use the Terraform state bucket and its key."""

    break_glass_role: str = "role/fraud-state-break-glass"
    """The administrators' role (a role ARN, or `role/<path/>name` in the state bucket's account):
    it deploys the state and account stacks and repairs state by hand; no other principal is
    admitted. Its use is recorded by the state bucket's audit trail."""

    def validate(self) -> None:
        """A role, nothing else."""
        validate_role(self.break_glass_role, "state access: break_glass_role")
