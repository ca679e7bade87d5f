"""The stored shape of the merchant aggregates: keys, day attributes, updates and the read projection."""

from __future__ import annotations

import pytest
from fraudlib.merchant_counters import (
    FRAUDS_PREFIX,
    KEY_ATTRIBUTE,
    READ_DAYS,
    TRANSACTIONS_PREFIX,
    change_frauds,
    count_transaction,
    day_counts,
    merchant_key,
    read_projection,
    transaction_day,
)
from fraudlib.scoring.features import MerchantDailyCounters, day_number

from modules import merchant_counters_table


def test_terminal_is_preferred_over_merchant_and_none_counts_nothing() -> None:
    assert merchant_key("T-1", "M-1") == "terminal#T-1"
    assert merchant_key(None, "M-1") == "merchant#M-1"
    assert merchant_key("", "M-1") == "merchant#M-1"
    assert merchant_key(None, None) is None


def test_terminal_and_merchant_with_the_same_id_are_different_aggregates() -> None:
    assert merchant_key("X", None) != merchant_key(None, "X")


def test_the_day_is_the_utc_day_of_the_timestamp() -> None:
    assert transaction_day(0) == "1970-01-01"
    assert transaction_day(86_399) == "1970-01-01"
    assert transaction_day(86_400) == "1970-01-02"


def test_updates_add_to_one_top_level_day_attribute() -> None:
    update = count_transaction("tbl", "terminal#T", "2026-11-30")["Update"]
    assert update["Key"] == {KEY_ATTRIBUTE: {"S": "terminal#T"}}
    assert update["UpdateExpression"] == "ADD #counter :change"
    assert update["ExpressionAttributeNames"] == {"#counter": TRANSACTIONS_PREFIX + "2026-11-30"}
    assert update["ExpressionAttributeValues"] == {":change": {"N": "1"}}
    down = change_frauds("tbl", "terminal#T", "2026-11-30", -1)["Update"]
    assert down["ExpressionAttributeNames"] == {"#counter": FRAUDS_PREFIX + "2026-11-30"}
    assert down["ExpressionAttributeValues"] == {":change": {"N": "-1"}}


@pytest.mark.parametrize("change", [0, 2, -2])
def test_a_label_moves_a_fraud_counter_by_exactly_one(change: int) -> None:
    with pytest.raises(ValueError, match="by one"):
        change_frauds("tbl", "k", "2026-11-30", change)


def test_projection_reads_the_key_and_each_day_of_the_window() -> None:
    expression, names = read_projection("2026-03-01")
    assert expression.split(", ")[0] == "#k" and names["#k"] == KEY_ATTRIBUTE
    days = {name.removeprefix(TRANSACTIONS_PREFIX) for name in names.values() if name.startswith(TRANSACTIONS_PREFIX)}
    assert len(days) == READ_DAYS
    assert max(days) == "2026-03-01" and "2026-02-28" in days  # crosses the month end
    assert len(expression.split(", ")) == 1 + 2 * READ_DAYS


def test_day_counts_round_trip_into_the_scoring_view() -> None:
    item = {KEY_ATTRIBUTE: "terminal#T", "tx#2026-11-29": 3, "fraud#2026-11-29": 1, "tx#2026-11-30": 2}
    transactions, frauds = day_counts(item)
    counters = MerchantDailyCounters.from_day_counts(transactions, frauds)
    assert counters.transactions == {day_number("2026-11-29"): 3, day_number("2026-11-30"): 2}
    assert counters.frauds == {day_number("2026-11-29"): 1}


def test_the_table_and_the_functions_agree_on_the_key_name() -> None:
    assert merchant_counters_table.KEY_ATTRIBUTE == KEY_ATTRIBUTE
