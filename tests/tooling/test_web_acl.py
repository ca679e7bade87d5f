"""Body-size rules of the stage's web ACL, as the played gateway applies them."""

from __future__ import annotations

from tooling.lambda_service.web_acl import body_size_rules

ACL = {
    "Rules": [
        {"Name": "rate", "Priority": 1, "Action": {"Block": {}},
         "Statement": {"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "IP"}}},
        {"Name": "body-size-limit", "Priority": 0,
         "Action": {"Block": {"CustomResponse": {"ResponseCode": 413, "CustomResponseBodyKey": "too_large"}}},
         "Statement": {"SizeConstraintStatement": {"FieldToMatch": {"Body": {"OversizeHandling": "MATCH"}},
                                                   "ComparisonOperator": "GT", "Size": 8192,
                                                   "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}},
        {"Name": "counted", "Priority": 2, "Action": {"Count": {}},
         "Statement": {"SizeConstraintStatement": {"FieldToMatch": {"Body": {}}, "ComparisonOperator": "GT",
                                                   "Size": 10}}},
    ],
    "CustomResponseBodies": {"too_large": {"ContentType": "APPLICATION_JSON", "Content": '{"error":"too_large"}'}},
}


def test_only_blocking_body_size_rules_are_played() -> None:
    [rule] = body_size_rules(ACL)
    assert (rule.name, rule.status, rule.content_type, rule.body) == (
        "body-size-limit", 413, "application/json", '{"error":"too_large"}')


def test_the_limit_is_the_deployed_comparison() -> None:
    [rule] = body_size_rules(ACL)
    assert not rule.blocks(8192)
    assert rule.blocks(8193)


def test_an_acl_without_size_rules_blocks_nothing() -> None:
    assert body_size_rules({"Rules": [ACL["Rules"][0]]}) == []
