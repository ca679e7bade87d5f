"""Composition: one stack per environment, plus the account and state-bootstrap stacks."""
