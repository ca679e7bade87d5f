"""Event filtering of the stream mapping (FilterCriteria patterns)."""

from __future__ import annotations

import json

import pytest

from tooling.lambda_service.filter_patterns import (
    UnsupportedFilterError,
    matches,
    parse_filter_criteria,
    passes_filters,
)

INSERT = {"eventName": "INSERT", "dynamodb": {"NewImage": {"country": {"S": "DE"}, "amount": {"N": "12"}}}}
MODIFY = {**INSERT, "eventName": "MODIFY"}


def test_the_stacks_insert_only_pattern_passes_inserts_and_drops_modify_and_remove() -> None:
    patterns = parse_filter_criteria({"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]})
    assert passes_filters(INSERT, patterns)
    assert not passes_filters(MODIFY, patterns)
    assert not passes_filters({**INSERT, "eventName": "REMOVE"}, patterns)


def test_no_filters_means_every_record_passes() -> None:
    assert passes_filters(MODIFY, parse_filter_criteria(None))
    assert passes_filters(MODIFY, [])


def test_several_filters_are_ored() -> None:
    patterns = [{"eventName": ["INSERT"]}, {"eventName": ["REMOVE"]}]
    assert passes_filters({"eventName": "REMOVE"}, patterns)
    assert not passes_filters(MODIFY, patterns)


def test_nested_keys_must_all_match() -> None:
    pattern = {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"country": {"S": ["DE", "AT"]}}}}
    assert matches(pattern, INSERT)
    assert not matches({"dynamodb": {"NewImage": {"country": {"S": ["FR"]}}}}, INSERT)
    assert not matches({"dynamodb": {"OldImage": {"country": {"S": ["DE"]}}}}, INSERT)


def test_a_missing_key_never_equals_a_value() -> None:
    assert not matches({"userIdentity": ["x"]}, INSERT)


def test_an_array_in_the_record_matches_when_any_element_does() -> None:
    assert matches({"tags": ["b"]}, {"tags": ["a", "b"]})
    assert not matches({"tags": ["c"]}, {"tags": ["a", "b"]})


def test_numbers_compare_by_value_and_booleans_are_not_numbers() -> None:
    assert matches({"n": [1]}, {"n": 1.0})
    assert not matches({"n": [1]}, {"n": True})
    assert matches({"flag": [True]}, {"flag": True})
    assert matches({"v": [None]}, {"v": None})


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ({"prefix": "IN"}, "INSERT", True),
        ({"prefix": "MO"}, "INSERT", False),
        ({"suffix": "ERT"}, "INSERT", True),
        ({"equals-ignore-case": "insert"}, "INSERT", True),
        ({"anything-but": "MODIFY"}, "INSERT", True),
        ({"anything-but": ["INSERT", "MODIFY"]}, "INSERT", False),
        ({"anything-but": {"prefix": "IN"}}, "INSERT", False),
        ({"numeric": [">", 0, "<=", 5]}, 5, True),
        ({"numeric": [">", 0, "<=", 5]}, 6, False),
        ({"numeric": ["=", 3]}, "3", False),
    ],
)
def test_content_filters(condition: dict, value: object, expected: bool) -> None:
    assert matches({"k": [condition]}, {"k": value}) is expected


def test_exists_filters_on_presence() -> None:
    assert matches({"k": [{"exists": True}]}, {"k": 0})
    assert not matches({"k": [{"exists": True}]}, {})
    assert matches({"k": [{"exists": False}]}, {})


@pytest.mark.parametrize(
    "pattern",
    [
        {"$or": [{"a": ["b"]}]},
        {"ip": [{"cidr": "10.0.0.0/24"}]},
        {"k": [{"wildcard": "a*"}]},
        {"k": "INSERT"},
        {"k": [{"numeric": [">"]}]},
    ],
)
def test_unsupported_forms_fail_loudly_instead_of_matching(pattern: dict) -> None:
    with pytest.raises(UnsupportedFilterError):
        matches(pattern, {"k": 1, "a": "b", "ip": "10.0.0.1"})


def test_a_pattern_must_be_an_object() -> None:
    with pytest.raises(UnsupportedFilterError):
        parse_filter_criteria({"Filters": [{"Pattern": "[1]"}]})
