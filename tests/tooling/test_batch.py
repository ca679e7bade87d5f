"""Batch bookkeeping: partial batch responses, retries, bisection, giving up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tooling.lambda_service.batch import (
    UNBOUNDED_RETRIES_CAP,
    GiveUp,
    StreamBatchRunner,
    StreamRetryPolicy,
    failed_items,
    first_failed_index,
)

IDS = ["101", "102", "103", "104"]


@dataclass(frozen=True)
class Result:
    ok: bool = True
    payload: Any = None


def failures(*ids: str) -> Result:
    return Result(payload={"batchItemFailures": [{"itemIdentifier": i} for i in ids]})


@pytest.mark.parametrize("payload", [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}, "text"])
def test_success_responses(payload: Any) -> None:
    assert failed_items(IDS, Result(payload=payload), report_item_failures=True) == []


def test_reported_items_fail_in_batch_order() -> None:
    assert failed_items(IDS, failures("104", "102"), report_item_failures=True) == ["102", "104"]
    assert first_failed_index(IDS, failures("104", "102"), report_item_failures=True) == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"batchItemFailures": [{"itemIdentifier": "999"}]},
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"id": "101"}]},
        {"batchItemFailures": "101"},
    ],
)
def test_an_untrustworthy_response_fails_the_whole_batch(payload: Any) -> None:
    assert failed_items(IDS, Result(payload=payload), report_item_failures=True) == IDS


def test_a_function_error_fails_the_whole_batch() -> None:
    assert failed_items(IDS, Result(ok=False), report_item_failures=True) == IDS
    assert first_failed_index(IDS, Result(ok=False), report_item_failures=True) == 0


def test_without_report_batch_item_failures_the_response_is_ignored() -> None:
    assert failed_items(IDS, failures("101"), report_item_failures=False) == []


class Harness:
    """A runner around a fake function that fails on the `poison` records."""

    def __init__(self, policy: StreamRetryPolicy, poison: set[str], *, raise_on_poison: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.checkpoints: list[str] = []
        self.given_up: list[GiveUp[str]] = []
        self.poison = poison
        self.raise_on_poison = raise_on_poison
        self.runner = StreamBatchRunner(policy, self.invoke, str, self.checkpoints.append, self.given_up.append)

    def invoke(self, batch: list[str]) -> Result:
        self.batches.append(list(batch))
        bad = [r for r in batch if r in self.poison]
        if bad and self.raise_on_poison:
            return Result(ok=False)
        return failures(*bad) if bad else Result()

    def processed(self) -> set[str]:
        """Records that were part of a successful invocation."""
        done = set()
        for batch in self.batches:
            done.update(r for r in batch if r not in self.poison)
        return done


def test_a_good_batch_is_delivered_once_and_checkpointed_at_its_end() -> None:
    h = Harness(StreamRetryPolicy(3, True, True), poison=set())
    h.runner.run(IDS)
    assert h.batches == [IDS]
    assert h.checkpoints == ["104"]
    assert h.given_up == []


def test_a_poison_pill_is_isolated_retried_and_given_up_alone() -> None:
    h = Harness(StreamRetryPolicy(3, True, True), poison={"102"})
    h.runner.run(IDS)
    assert [g.records for g in h.given_up] == [["102"]]
    assert h.given_up[0].invoke_count == 4  # the first try and MaximumRetryAttempts (3) retries
    assert h.processed() == {"101", "103", "104"}
    assert h.checkpoints[-1] == "104"
    assert h.checkpoints == sorted(h.checkpoints)  # the checkpoint never moves backwards


def test_without_bisection_the_rest_of_the_batch_is_given_up_with_the_pill() -> None:
    h = Harness(StreamRetryPolicy(2, False, True), poison={"102"})
    h.runner.run(IDS)
    assert [g.records for g in h.given_up] == [["102", "103", "104"]]
    assert h.batches == [IDS, ["102", "103", "104"], ["102", "103", "104"]]
    assert h.checkpoints == ["101", "104"]


def test_a_function_error_with_bisection_narrows_down_to_the_bad_record() -> None:
    h = Harness(StreamRetryPolicy(1, True, True), poison={"103"}, raise_on_poison=True)
    h.runner.run(IDS)
    assert [g.records for g in h.given_up] == [["103"]]
    assert {"101", "102", "104"} <= h.processed()


def test_zero_retries_gives_up_after_the_first_failure() -> None:
    h = Harness(StreamRetryPolicy(0, False, False), poison={"101"}, raise_on_poison=True)
    h.runner.run(["101"])
    assert len(h.batches) == 1
    assert h.given_up[0].invoke_count == 1


def test_unbounded_retries_are_capped() -> None:
    policy = StreamRetryPolicy(-1, False, True)
    assert policy.retries == UNBOUNDED_RETRIES_CAP
    h = Harness(policy, poison={"101"})
    h.runner.run(["101"])
    assert len(h.batches) == UNBOUNDED_RETRIES_CAP + 1
