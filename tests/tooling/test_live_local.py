"""What the live-mode commands print: curl lines, alert lines, readable structured logs; and the refusal
of a second `make up` (pid files of a process that runs)."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest

from tooling.live_local import LiveError, LocalLive, alert_line, curl_commands, log_line

ENDPOINT = {"api_url": "http://127.0.0.1:8080/v1", "api_key": "key-123", "emulator_url": "http://127.0.0.1:5000"}


def test_the_curl_lines_post_a_valid_transaction_get_it_back_and_label_it_with_the_key() -> None:
    post, get, label = (shlex.split(line) for line in curl_commands(ENDPOINT))
    assert post[:5] == ["curl", "-sS", "-X", "POST", "http://127.0.0.1:8080/v1/transactions"]
    assert "x-api-key: key-123" in post and "x-api-key: key-123" in get
    body = json.loads(post[post.index("-d") + 1])
    assert body["transaction_id"] == "try-0001" and body["amount"]
    assert get[2] == "http://127.0.0.1:8080/v1/transactions/try-0001"
    assert "--aws-sigv4" not in post
    assert label[:5] == ["curl", "-sS", "-X", "POST", "http://127.0.0.1:8080/v1/transactions/try-0001/label"]
    assert "x-api-key: key-123" in label and "Content-Type: application/json" in label
    assert json.loads(label[label.index("-d") + 1]) == {"label": "fraud", "source": "analyst"}


def test_where_signing_is_deployed_the_curl_lines_sign_with_the_local_key() -> None:
    signed = ENDPOINT | {"auth": "iam", "region": "us-east-1", "access_key_id": "AKIA1", "secret_access_key": "s3"}
    for command in (shlex.split(line) for line in curl_commands(signed)):
        assert command[command.index("--aws-sigv4") + 1] == "aws:amz:us-east-1:execute-api"
        assert command[command.index("--user") + 1] == "AKIA1:s3"


def test_an_alert_reads_as_one_line() -> None:
    alert = {"subject": "Fraud review", "message": {
        "decision": "review", "risk_score": 70, "scored_at": "2026-11-30T10:00:00+00:00",
        "transaction": {"transaction_id": "t-1", "amount": "5200.50", "currency": "EUR"},
        "reasons": [{"rule": "high_amount"}, {"rule": "high_risk_merchant"}]}}
    line = alert_line(alert)
    assert "\n" not in line
    for part in ("REVIEW", "score  70", "t-1", "5200.50 EUR", "high_amount, high_risk_merchant"):
        assert part in line


def test_structured_log_lines_are_made_readable_and_others_left_alone() -> None:
    record = {"level": "INFO", "message": "Transaction scored", "timestamp": "2026-11-30 10:00:00,000+0000",
              "service": "fraud-analyzer", "function_request_id": "r", "decision": "review"}
    assert log_line(json.dumps(record)) == '2026-11-30 10:00:00,000+0000 INFO    Transaction scored decision="review"'
    assert log_line("Traceback (most recent call last):\n") == "Traceback (most recent call last):"
    assert log_line('{"_aws": {"Timestamp": 1}, "Invocations": 1}').startswith("metrics ")


def test_a_second_up_is_refused_while_a_recorded_process_runs(tmp_path: Path) -> None:
    live = LocalLive(tmp_path)
    live.service_pid_file.write_text(str(os.getpid()))  # a process that certainly runs
    with pytest.raises(LiveError, match="already up"):
        live.refuse_if_running()


def test_pid_files_of_processes_that_are_gone_are_forgotten(tmp_path: Path) -> None:
    live = LocalLive(tmp_path)
    live.service_pid_file.write_text("999999999")
    live.endpoint_file.write_text("{}")
    live.refuse_if_running()
    assert not live.service_pid_file.exists() and not live.endpoint_file.exists()


def test_logs_filter_by_function_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    live = LocalLive(tmp_path)
    live.function_log_dir.mkdir()
    (live.function_log_dir / "fraud-analyzer-local.log").write_text('{"level":"INFO","message":"scored"}\n')
    (live.function_log_dir / "fraud-notifier-local.log").write_text("plain\n")
    assert live.logs("analyzer", 10) == 0
    out = capsys.readouterr().out
    assert "scored" in out and "plain" not in out
    assert live.logs("no-such-function", 10) == 1
