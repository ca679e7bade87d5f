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
    producers = Callers(
        role_arns=[arn for p in api.producers
                   for arn in p.principals.role_arns(partition=ctx.partition, account_id=ctx.account_id)],
        account_ids=[a for p in api.producers for a in p.principals.accounts],
    )
    reporters = api.outcome_reporters
    route_callers = [
        RouteCallers(sid="Producers", routes=ROUTES, callers=producers),
        RouteCallers(sid="OutcomeReporters", routes=LABEL_ROUTES, callers=Callers(
            role_arns=reporters.role_arns(partition=ctx.partition, account_id=ctx.account_id),
            account_ids=reporters.accounts,
        )),
    ] if api.signed else []
    return {
        "producers": [UsagePlanProducer(name=p.name, daily_quota=p.daily_quota) for p in api.producers],
        "authorization": api.authorization,
        "route_callers": route_callers,
        "custom_domain": (
            CustomDomainProps(domain_name=api.custom_domain.domain_name,
                              certificate_arn=api.custom_domain.certificate_arn)
            if api.custom_domain else None
        ),
    }
