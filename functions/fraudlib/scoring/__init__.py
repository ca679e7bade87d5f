"""Pure fraud scoring: transactions in, risk score, decision and reasons out. No I/O, no AWS."""

from fraudlib.scoring.config import ScoringConfig, ScoringConfigError
from fraudlib.scoring.engine import MAX_SCORE, combine, decide, evaluate, score_transaction
from fraudlib.scoring.history import CustomerHistory
from fraudlib.scoring.models import Decision, RuleHit, ScoreResult, Transaction

__all__ = [
    "MAX_SCORE",
    "CustomerHistory",
    "Decision",
    "RuleHit",
    "ScoreResult",
    "ScoringConfig",
    "ScoringConfigError",
    "Transaction",
    "combine",
    "decide",
    "evaluate",
    "score_transaction",
]
