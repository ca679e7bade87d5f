"""The events Lambda hands to functions, built from what the emulator's services return (pure)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any


def _iso_z(moment: datetime, *, millis: bool = False) -> str:
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds" if millis else "seconds")
    return text.replace("+00:00", "Z")


def api_gateway_proxy_event(
    *,
    method: str,
    path: str,
    resource_path: str,
    path_parameters: Mapping[str, str] | None,
    headers: Mapping[str, str],
    body: str | None,
    query: Mapping[str, str] | None,
    stage: str,
    api_id: str,
    resource_id: str,
    account_id: str,
    api_key_id: str | None,
    source_ip: str,
    request_id: str,
    now: datetime,
    caller_arn: str | None = None,
    caller_access_key: str | None = None,
) -> dict[str, Any]:
    """A REST API (v1) Lambda proxy integration event (`caller_*`: the signer of a SigV4 request)."""
    domain = f"{api_id}.execute-api.localhost"
    all_headers = {"Host": domain, "X-Forwarded-For": source_ip, "X-Forwarded-Proto": "https", **headers}
    return {
        "resource": resource_path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": resource_id,
            "resourcePath": resource_path,
            "httpMethod": method,
            "extendedRequestId": request_id,
            "requestTime": now.astimezone(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "path": f"/{stage}{path}",
            "accountId": account_id,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": api_id,
            "domainName": domain,
            "apiId": api_id,
            "requestId": request_id,
            "identity": {
                "sourceIp": source_ip,
                "userAgent": all_headers.get("User-Agent"),
                "apiKeyId": api_key_id,
                "apiKey": all_headers.get("x-api-key"),
                "userArn": caller_arn,
                "user": caller_arn.split(":")[-1] if caller_arn else None,
                "caller": caller_arn.split(":")[-1] if caller_arn else None,
                "accessKey": caller_access_key,
                "accountId": caller_arn.split(":")[4] if caller_arn else None,
            },
        },
        "body": body,
        "isBase64Encoded": False,
    }


def _json_safe_attribute_value(value: Any) -> Any:
    """Low-level attribute values as JSON: boto3 decodes binary (B, BS) to bytes; Lambda sends base64."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {k: _json_safe_attribute_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe_attribute_value(v) for v in value]
    return value


def dynamodb_stream_record(raw: Mapping[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """One record of a Lambda DynamoDB event, from a Streams GetRecords record."""
    stream = dict(raw["dynamodb"])
    created = stream.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        # Lambda sends epoch seconds (a number); GetRecords through boto3 gives a datetime.
        stream["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": raw.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": _json_safe_attribute_value(stream),
        "eventSourceARN": stream_arn,
    }


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of a Lambda SQS event, from a ReceiveMessage message."""
    attributes = {
        name: message.get("Attributes", {})[name]
        for name in ("ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
                     "MessageGroupId", "MessageDeduplicationId", "SequenceNumber", "AWSTraceHeader")
        if name in message.get("Attributes", {})
    }
    message_attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": (base64.b64encode(value["BinaryValue"]).decode("ascii")
                            if "BinaryValue" in value else None),
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": [base64.b64encode(v).decode("ascii") for v in value.get("BinaryListValues", [])],
            "dataType": value["DataType"],
        }
        for name, value in message.get("MessageAttributes", {}).items()
    }
    for value in message_attributes.values():
        if value["binaryValue"] is None:
            del value["binaryValue"]
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def scheduled_event(*, rule_arn: str, account_id: str, region: str, time: datetime,
                    event_id: str | None = None) -> dict[str, Any]:
    """The event EventBridge sends to a schedule's target at `time`."""
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": _iso_z(time),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


def stream_failure_record(
    *,
    records: Sequence[Mapping[str, Any]],
    shard_id: str,
    stream_arn: str,
    function_arn: str,
    condition: str,
    invoke_count: int,
    function_error: str | None,
    status_code: int,
    now: datetime,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The on-failure destination record Lambda sends for a stream batch it gives up on.

    `condition` is "RetryAttemptsExhausted" or "RecordAgeExceeded"; the records themselves are not
    included (as in Lambda): the sequence numbers let an operator read them back from the stream.
    """
    arrivals = [r["dynamodb"].get("ApproximateCreationDateTime") for r in records]
    arrivals_iso = [
        _iso_z(datetime.fromtimestamp(a, UTC)) if isinstance(a, int | float) else None for a in arrivals
    ]
    response: dict[str, Any] = {"statusCode": status_code, "executedVersion": "$LATEST"}
    if function_error:
        response["functionError"] = function_error
    return {
        "requestContext": {
            "requestId": request_id or str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": _iso_z(now, millis=True),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": arrivals_iso[0],
            "approximateArrivalOfLastRecord": arrivals_iso[-1],
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }


def async_failure_record(
    *,
    function_arn: str,
    event: Any,
    error: Mapping[str, Any],
    invoke_count: int,
    request_id: str,
    now: datetime,
) -> dict[str, Any]:
    """The on-failure destination record of an asynchronous invocation that exhausted its retries."""
    return {
        "version": "1.0",
        "timestamp": _iso_z(now, millis=True),
        "requestContext": {
            "requestId": request_id,
            "functionArn": f"{function_arn}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {k: error[k] for k in ("errorMessage", "errorType", "stackTrace") if k in error},
    }
