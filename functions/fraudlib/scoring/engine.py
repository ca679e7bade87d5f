"""Turns fired rules into a score and a decision."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fraudlib.scoring.config import ScoringConfig
from fraudlib.scoring.history import CustomerHistory
from fraudlib.scoring.models import Decision, RuleHit, ScoreResult, Transaction
from fraudlib.scoring.rules import RULES, Rule

MAX_SCORE = 100


def decide(score: int, config: ScoringConfig) -> Decision:
    """The decision for a score: block at or above block_threshold, review at or above review_threshold."""
    if score >= config.block_threshold:
        return Decision.BLOCK
    if score >= config.review_threshold:
        return Decision.REVIEW
    return Decision.APPROVE


def combine(hits: Iterable[RuleHit], config: ScoringConfig) -> ScoreResult:
    """Score = sum of contributions, capped to 0..100; the decision follows from the thresholds."""
    reasons = tuple(hits)
    score = max(0, min(MAX_SCORE, sum(hit.contribution for hit in reasons)))
    return ScoreResult(risk_score=score, decision=decide(score, config), reasons=reasons)


def evaluate(
    txn: Transaction, history: CustomerHistory, rules: Sequence[Rule] = RULES
) -> ScoreResult:
    """Score `txn` against an indexed history (only the items strictly before it are used)."""
    config = history.config
    position = history.position(txn)
    hits = []
    for rule in rules:
        hit = rule(txn, history, position, config)
        if hit is not None:
            hits.append(hit)
    return combine(hits, config)


def score_transaction(
    txn: Transaction, history: Iterable[Transaction], config: ScoringConfig | None = None
) -> ScoreResult:
    """Score one transaction against the customer's recent transactions.

    Pure: no I/O, same inputs -> same result. Transactions of other customers and anything at or
    after `txn` in (timestamp, transaction_id) order are ignored. To score many transactions of one
    customer, build a CustomerHistory once and call `evaluate` for each instead.
    """
    cfg = config or ScoringConfig()
    own = (t for t in history if t.customer_id == txn.customer_id)
    return evaluate(txn, CustomerHistory(own, cfg))
