"""Builds every stack of the project into one cdktf App."""

from __future__ import annotations

from cdktf import App, Aspects, TerraformStack

from modules.aspects import SecureByDefault
from stacks.account_stack import AccountStack
from stacks.app_settings import AppSettings
from stacks.artifacts import FunctionArtifacts
from stacks.config import load_environments, load_state_access
from stacks.network_stack import NetworkStack
from stacks.pipeline_stack import FraudDetectionStack
from stacks.state_bootstrap_stack import StateBootstrapStack

STATE_STACK = "fraud-detection-state"
LOCAL_STATE_STACK = "fraud-detection-state-local"
LOCAL_ACCOUNT_STACK = "fraud-detection-account-local"


def account_stack_name(region: str) -> str:
    """Name of the account stack of one region."""
    return f"fraud-detection-account-{region}"


def build_stacks(app: App, settings: AppSettings, artifacts: FunctionArtifacts) -> list[str]:
    """Add the state, account, and per environment the network and pipeline stacks (AWS and emulator)
    to `app`; return their names."""
    environments = load_environments(settings.emulator_url)
    aws_environments = [env for env in environments.values() if not env.emulator]
    state_access = load_state_access()
    StateBootstrapStack(app, STATE_STACK, state=settings.state, environments=aws_environments, access=state_access)
    StateBootstrapStack(app, LOCAL_STATE_STACK, state=settings.local_state, environments=[environments["local"]],
                        access=state_access, emulator_url=settings.emulator_url)
    AccountStack(
        app,
        account_stack_name(settings.account_region),
        region=settings.account_region,
        state=settings.state,
        state_key=f"account-{settings.account_region}",
        github_repository=settings.github_repository,
        environments=aws_environments,
    )
    AccountStack(
        app,
        LOCAL_ACCOUNT_STACK,
        region=environments["local"].region,
        state=settings.local_state,
        state_key="account-local",
        github_repository=settings.github_repository,
        environments=[environments["local"]],
        emulator_url=settings.emulator_url,
    )
    for env in environments.values():
        # The network first: the pipeline stack reads its outputs, so it is deployed after it and
        # destroyed before it (README, Stacks and their order).
        state = settings.local_state if env.emulator else settings.state
        network = NetworkStack(app, env, state)
        pipeline = FraudDetectionStack(app, env, state, artifacts)
        pipeline.add_dependency(network)
    return [stack.node.id for stack in enforce_security_rules(app)]


def enforce_security_rules(app: App) -> list[TerraformStack]:
    """Register the SecureByDefault aspect on every stack of `app`; return the stacks.

    cdktf invokes aspects per stack, from the stack down: one registered on the App never runs.
    """
    stacks = [child for child in app.node.children if isinstance(child, TerraformStack)]
    for stack in stacks:
        Aspects.of(stack).add(SecureByDefault())
    return stacks
