"""GitHub Actions' OIDC identity provider: lets workflows assume roles without long-lived keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from constructs import Construct

GITHUB_OIDC_HOST: Final = "token.actions.githubusercontent.com"
"""Issuer host of GitHub Actions' tokens; also the prefix of their condition keys in IAM."""
STS_AUDIENCE: Final = "sts.amazonaws.com"
"""Audience aws-actions/configure-aws-credentials requests tokens for."""


@dataclass(frozen=True, kw_only=True)
class GithubOidcProviderProps:
    """Settings of the account's GitHub OIDC provider."""

    audiences: tuple[str, ...] = field(default=(STS_AUDIENCE,))
    """Client ids (token audiences) IAM accepts; only STS by default."""


class GithubOidcProvider(Construct):
    """The IAM OIDC provider for token.actions.githubusercontent.com. One per account: IAM refuses
    a second provider with the same URL, so it lives in the account stack, never in an environment.

    No thumbprint is given: IAM trusts GitHub's issuer through its own root-CA library, and the
    provider (>= 5.81) leaves the list to IAM."""

    def __init__(self, scope: Construct, id_: str, props: GithubOidcProviderProps | None = None) -> None:
        super().__init__(scope, id_)
        props = props or GithubOidcProviderProps()
        if not props.audiences:
            raise ValueError("the GitHub OIDC provider needs at least one audience")
        self.provider = IamOpenidConnectProvider(
            self, "provider", url=f"https://{GITHUB_OIDC_HOST}", client_id_list=list(props.audiences)
        )

    @property
    def arn(self) -> str:
        """ARN of the provider (the Federated principal of the deploy roles' trust policies)."""
        return self.provider.arn
