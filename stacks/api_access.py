"""Translates an environment's API access settings into the API construct's props."""

from __future__ import annotations

from typing import Any

from modules.api import LABEL_ROUTES, ROUTES, Callers, CustomDomainProps, RouteCallers, UsagePlanProducer
from modules.aws_context import AwsContext
from stacks.access_config import ApiAccess


def api_access_props(api: ApiAccess, ctx: AwsContext) -> dict[str, Any]:
    """Keyword arguments of TransactionsApiProps for `api`: a usage plan per producer and, when
    requests are signed, the producers as the callers of the transaction routes and the outcome
    reporters as the callers of the label route (each kept off the other's routes); the custom domain."""
    return {
        "producers": [UsagePlanProducer(name=p.name, daily_quota=p.daily_quota) for p in api.producers],
        "authorization": api.authorization,
        "route_callers": _route_callers(api, ctx) if api.signed else [],
        "custom_domain": (
            CustomDomainProps(domain_name=api.custom_domain.domain_name,
                              certificate_arn=api.custom_domain.certificate_arn)
            if api.custom_domain else None
        ),
    }


def _route_callers(api: ApiAccess, ctx: AwsContext) -> list[RouteCallers]:
    """Producers on the transaction routes, outcome reporters on the label route, each only there."""
    producers = Callers(
        role_arns=[arn for p in api.producers
                   for arn in p.principals.role_arns(partition=ctx.partition, account_id=ctx.account_id)],
        account_ids=[a for p in api.producers for a in p.principals.accounts],
    )
    reporters = Callers(
        role_arns=api.outcome_reporters.role_arns(partition=ctx.partition, account_id=ctx.account_id),
        account_ids=api.outcome_reporters.accounts,
    )
    return [RouteCallers(sid="Producers", routes=ROUTES, callers=producers),
            RouteCallers(sid="OutcomeReporters", routes=LABEL_ROUTES, callers=reporters)]
