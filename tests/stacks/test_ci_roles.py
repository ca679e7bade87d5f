"""The CI roles that environment keys and the state bucket admit by name are the roles the account
stack creates: the names agree, so an admitted principal is never a role that does not exist."""

from __future__ import annotations

import pytest

from stacks.access_config import ci_role
from tests.conftest import SynthesizedApp

ACCOUNT = "fraud-detection-account-us-east-1"


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
@pytest.mark.parametrize("access", ["deploy", "plan"])
def test_the_admitted_ci_role_is_the_one_the_account_stack_creates(
    synthesized: SynthesizedApp, environment: str, access: str
) -> None:
    roles = {f"role{r.get('path', '/')}{r['name']}" for r in synthesized.resources(ACCOUNT, "aws_iam_role").values()}
    assert ci_role(access, environment) in roles  # type: ignore[arg-type]
