"""Pure fraud scoring: transactions in, the trained model's risk score, decision and reasons out. No AWS.

The only I/O is reading the shipped model artifact (model.json beside this file), once per process.
"""

from fraudlib.scores import Decision, FeatureContribution, RuleHit, ScoreResult, Transaction
from fraudlib.scoring.config import ScoringConfig, ScoringConfigError
from fraudlib.scoring.engine import (
    MAX_SCORE,
    checked_model,
    combine,
    decide,
    evaluate,
    explain,
    load_model,
    score_features,
    score_transaction,
)
from fraudlib.scoring.features import FEATURE_NAMES, MerchantDailyCounters
from fraudlib.scoring.history import CustomerHistory
from fraudlib.scoring.trees import ModelFormatError, TreeModel

__all__ = [
    "FEATURE_NAMES",
    "MAX_SCORE",
    "CustomerHistory",
    "Decision",
    "FeatureContribution",
    "MerchantDailyCounters",
    "ModelFormatError",
    "RuleHit",
    "ScoreResult",
    "ScoringConfig",
    "ScoringConfigError",
    "Transaction",
    "TreeModel",
    "checked_model",
    "combine",
    "decide",
    "evaluate",
    "explain",
    "load_model",
    "score_features",
    "score_transaction",
]
