"""Events handed to functions, built from what the emulator's services return."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tooling.lambda_service.events import (
    api_gateway_proxy_event,
    async_failure_record,
    dynamodb_stream_record,
    scheduled_event,
    sqs_record,
    stream_failure_record,
)

NOW = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-05-01T00:00:00.000"


def _stream_raw(seq: str) -> dict:
    return {
        "eventID": "e" + seq, "eventName": "INSERT", "eventVersion": "1.0", "eventSource": "aws:dynamodb",
        "dynamodb": {
            "ApproximateCreationDateTime": NOW, "SequenceNumber": seq, "SizeBytes": 10,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
            "Keys": {"transaction_id": {"S": "t1"}, "timestamp": {"N": "1"}},
            "NewImage": {"transaction_id": {"S": "t1"}, "blob": {"B": b"\x00\x01"}},
        },
    }


def test_api_gateway_event_has_the_proxy_fields_the_function_reads() -> None:
    event = api_gateway_proxy_event(
        method="GET", path="/transactions/t1", resource_path="/transactions/{id}", path_parameters={"id": "t1"},
        headers={"x-api-key": "k", "Content-Type": "application/json"}, body=None, query=None, stage="v1",
        api_id="abc", resource_id="r1", account_id="123456789012", api_key_id="kid", source_ip="198.51.100.1",
        request_id="req-1", now=NOW,
    )
    assert event["resource"] == "/transactions/{id}"
    assert event["path"] == "/transactions/t1"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "t1"}
    assert event["headers"]["x-api-key"] == "k"
    assert event["multiValueHeaders"]["Content-Type"] == ["application/json"]
    context = event["requestContext"]
    assert (context["requestId"], context["stage"], context["resourcePath"]) == ("req-1", "v1", "/transactions/{id}")
    assert context["identity"]["sourceIp"] == "198.51.100.1"
    assert context["identity"]["apiKeyId"] == "kid"
    assert context["path"] == "/v1/transactions/t1"
    json.dumps(event)


def test_stream_record_is_json_and_carries_the_lambda_fields() -> None:
    record = dynamodb_stream_record(_stream_raw("11"), STREAM, "us-east-1")
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"] == STREAM
    assert record["awsRegion"] == "us-east-1"
    assert record["dynamodb"]["ApproximateCreationDateTime"] == int(NOW.timestamp())
    assert record["dynamodb"]["NewImage"]["blob"] == {"B": "AAE="}  # binary goes back to base64
    assert record["dynamodb"]["Keys"]["transaction_id"] == {"S": "t1"}
    json.dumps(record)


def test_sqs_record_maps_attributes_to_the_lambda_shape() -> None:
    message = {
        "MessageId": "m1", "ReceiptHandle": "rh", "Body": "{}", "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1", "SenderId": "s",
                       "ApproximateFirstReceiveTimestamp": "2", "Other": "x"},
        "MessageAttributes": {"decision": {"DataType": "String", "StringValue": "block"}},
    }
    record = sqs_record(message, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1")
    assert record["attributes"]["ApproximateReceiveCount"] == "2"
    assert "Other" not in record["attributes"]
    assert record["messageAttributes"]["decision"] == {
        "stringValue": "block", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    assert (record["messageId"], record["receiptHandle"], record["md5OfBody"]) == ("m1", "rh", message["MD5OfBody"])
    assert record["eventSource"] == "aws:sqs"


def test_scheduled_event() -> None:
    event = scheduled_event(rule_arn="arn:aws:events:us-east-1:1:rule/r", account_id="1", region="us-east-1",
                            time=NOW, event_id="id-1")
    assert event == {
        "version": "0", "id": "id-1", "detail-type": "Scheduled Event", "source": "aws.events", "account": "1",
        "time": "2026-05-01T12:30:00Z", "region": "us-east-1", "resources": ["arn:aws:events:us-east-1:1:rule/r"],
        "detail": {},
    }


def test_stream_failure_record_describes_the_batch() -> None:
    records = [dynamodb_stream_record(_stream_raw(s), STREAM, "us-east-1") for s in ("11", "12")]
    failure = stream_failure_record(
        records=records, shard_id="shard-1", stream_arn=STREAM, function_arn="arn:fn",
        condition="RetryAttemptsExhausted", invoke_count=4, function_error=None, status_code=200, now=NOW,
        request_id="r",
    )
    assert failure["requestContext"] == {"requestId": "r", "functionArn": "arn:fn",
                                         "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 4}
    assert failure["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert failure["version"] == "1.0"
    assert failure["timestamp"] == "2026-05-01T12:30:00.000Z"
    info = failure["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == ("11", "12", 2)
    assert (info["shardId"], info["streamArn"]) == ("shard-1", STREAM)
    assert info["approximateArrivalOfFirstRecord"] == "2026-05-01T12:30:00Z"


def test_async_failure_record_carries_request_and_error() -> None:
    record = async_failure_record(function_arn="arn:fn", event={"a": 1}, invoke_count=3, request_id="r", now=NOW,
                                  error={"errorType": "E", "errorMessage": "boom", "stackTrace": []})
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"a": 1}
    assert record["responsePayload"]["errorMessage"] == "boom"
    assert record["responseContext"]["functionError"] == "Unhandled"
