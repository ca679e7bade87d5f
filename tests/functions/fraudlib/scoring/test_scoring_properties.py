"""Properties of the scoring engine over generated transactions and histories."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from fraudlib.scoring import (
    MAX_SCORE,
    CustomerHistory,
    RuleHit,
    ScoringConfig,
    Transaction,
    combine,
    decide,
    evaluate,
    score_transaction,
)
from hypothesis import given, settings
from hypothesis import strategies as st

T0 = 1763812800
COUNTRIES = ["US", "FR", "DE", "JP", "AU", "BR", "ZZ"]
SEVERITY = {"approve": 0, "review": 1, "block": 2}
WEIGHTS = [f.name for f in dataclasses.fields(ScoringConfig) if f.name.startswith("weight_")]

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("20000"), places=2)
coordinates = st.one_of(
    st.none(),
    st.tuples(st.floats(min_value=-90, max_value=90), st.floats(min_value=-180, max_value=180)),
)


@st.composite
def transactions(draw: st.DrawFn, tid: str) -> Transaction:
    coords = draw(coordinates)
    return Transaction(
        transaction_id=tid,
        customer_id="c-1",
        timestamp=T0 + draw(st.integers(min_value=-40 * 86400, max_value=0)),
        amount=draw(amounts),
        currency=draw(st.sampled_from(["USD", "EUR", "JPY"])),
        country=draw(st.sampled_from([*COUNTRIES, None])),
        merchant_category=draw(st.sampled_from(["5411", "7995", "4829", None])),
        latitude=coords[0] if coords else None,
        longitude=coords[1] if coords else None,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Transaction, list[Transaction]]:
    size = draw(st.integers(min_value=0, max_value=25))
    history = [draw(transactions(f"h{i}")) for i in range(size)]
    current = dataclasses.replace(draw(transactions("now")), timestamp=T0)
    return current, history


@given(scenarios())
@settings(max_examples=150, deadline=None)
def test_score_is_bounded_and_consistent(scenario: tuple[Transaction, list[Transaction]]) -> None:
    current, history = scenario
    config = ScoringConfig()
    result = score_transaction(current, history, config)
    assert 0 <= result.risk_score <= MAX_SCORE
    assert result.rule_score == min(MAX_SCORE, sum(h.contribution for h in result.reasons))
    assert 0.0 <= result.score <= MAX_SCORE and result.risk_score == round(result.score)
    assert result.decision is decide(result.risk_score, config)
    assert result.model_version and all(f.contribution > 0 for f in result.top_features)
    assert all(h.contribution > 0 and h.detail for h in result.reasons)
    assert len({h.rule for h in result.reasons}) == len(result.reasons)


@given(scenarios(), st.randoms(use_true_random=False))
@settings(max_examples=100, deadline=None)
def test_deterministic_and_independent_of_history_order(
    scenario: tuple[Transaction, list[Transaction]], random: object
) -> None:
    current, history = scenario
    shuffled = list(history)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert score_transaction(current, history) == score_transaction(current, history)
    assert score_transaction(current, history) == score_transaction(current, shuffled)


@given(scenarios(), st.lists(st.integers(min_value=1, max_value=86400), max_size=5))
@settings(max_examples=100, deadline=None)
def test_later_transactions_never_matter(
    scenario: tuple[Transaction, list[Transaction]], offsets: list[int]
) -> None:
    current, history = scenario
    later = [
        dataclasses.replace(current, transaction_id=f"later{i}", timestamp=T0 + o)
        for i, o in enumerate(offsets)
    ]
    assert score_transaction(current, history + later) == score_transaction(current, history)


@given(scenarios())
@settings(max_examples=100, deadline=None)
def test_indexed_history_matches_one_shot_scoring(scenario: tuple[Transaction, list[Transaction]]) -> None:
    current, history = scenario
    config = ScoringConfig()
    indexed = CustomerHistory([*history, current], config)
    assert evaluate(current, indexed) == score_transaction(current, history, config)


@given(
    st.lists(st.integers(min_value=0, max_value=100), max_size=12),
    st.integers(min_value=0, max_value=100),
)
def test_adding_a_fired_rule_never_lowers_the_score(contributions: list[int], extra: int) -> None:
    config = ScoringConfig()
    hits = [RuleHit(f"r{i}", c, "fired") for i, c in enumerate(contributions)]
    before = combine(hits, config)
    after = combine([*hits, RuleHit("extra", extra, "fired")], config)
    assert after.risk_score >= before.risk_score
    assert SEVERITY[after.decision.value] >= SEVERITY[before.decision.value]


@given(scenarios(), st.sampled_from(WEIGHTS), st.integers(min_value=0, max_value=100))
@settings(max_examples=100, deadline=None)
def test_raising_a_weight_never_lowers_the_score(
    scenario: tuple[Transaction, list[Transaction]], weight: str, bump: int
) -> None:
    current, history = scenario
    base = ScoringConfig()
    raised = dataclasses.replace(base, **{weight: min(100, getattr(base, weight) + bump)})
    assert (
        score_transaction(current, history, raised).risk_score
        >= score_transaction(current, history, base).risk_score
    )
