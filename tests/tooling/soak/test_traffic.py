"""The planned traffic of a soak: volume and shares, repeats after their originals, every fraud pattern."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from tooling.sample_transactions import fraud_kinds, sample_transactions
from tooling.soak.settings import SoakSettings
from tooling.soak.traffic import BAD, CONFLICT, DUPLICATE, NEW, OVERSIZE_BYTES, plan_traffic

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_the_plan_has_the_volume_and_shares_asked_for() -> None:
    planned = plan_traffic(SoakSettings(requests=1000), "r", NOW)
    assert [p.index for p in planned] == list(range(1000))
    assert Counter(p.kind for p in planned) == {NEW: 880, DUPLICATE: 50, CONFLICT: 30, BAD: 40}


def test_repeats_follow_their_original_and_expect_the_apis_answers() -> None:
    planned = plan_traffic(SoakSettings(requests=400), "r", NOW)
    for request in planned:
        if request.kind in (DUPLICATE, CONFLICT):
            original = planned[request.original or 0]
            assert original.kind == NEW and original.index < request.index
            assert original.transaction_id == request.transaction_id
        if request.kind == DUPLICATE:
            assert request.body == planned[request.original or 0].body and request.expected == (200,)
        if request.kind == CONFLICT:
            assert request.body != planned[request.original or 0].body and request.expected == (409,)
    assert planned[0].kind == NEW


def test_new_transactions_are_unique_and_cover_every_fraud_pattern() -> None:
    planned = plan_traffic(SoakSettings(requests=300), "r", NOW)
    new = [p for p in planned if p.kind == NEW]
    assert len({p.transaction_id for p in new}) == len(new)
    scenarios = {p.scenario for p in new}
    samples = sample_transactions(NOW, "x")
    assert {s.scenario for s in samples if s.expected_rules} <= scenarios
    assert fraud_kinds(samples)  # the generator's patterns are what the plan repeats


def test_bad_inputs_carry_ids_of_their_own_and_every_kind_of_fault() -> None:
    planned = plan_traffic(SoakSettings(requests=400, bad_share=0.2, duplicate_share=0, conflict_share=0), "r", NOW)
    bad = [p for p in planned if p.kind == BAD]
    assert len({p.transaction_id for p in bad}) == len(bad)
    assert not {p.transaction_id for p in bad} & {p.transaction_id for p in planned if p.kind == NEW}
    assert {p.scenario for p in bad} >= {"missing currency", "body not JSON", "body over the size limit"}
    assert all(400 in p.expected and 499 in p.expected and 201 not in p.expected for p in bad)
    assert any(len(p.body) > OVERSIZE_BYTES for p in bad)


@pytest.mark.parametrize("change", [
    {"requests": 10}, {"rate": 0}, {"clients": 0}, {"bad_share": -0.1},
    {"duplicate_share": 0.3, "conflict_share": 0.3}, {"fault_seconds": 90},
])
def test_settings_refuse_contradictions(change: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        SoakSettings(**change)  # type: ignore[arg-type]
