"""Deploy progress drawn from recorded `terraform apply -json` output (Terraform's machine-readable UI)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tooling.deploy_progress import ProgressBoard, StackProgress, format_seconds

RECORDED = Path(__file__).with_name("terraform_json")


def _lines(name: str) -> list[str]:
    return (RECORDED / name).read_text().splitlines(keepends=True)


def _fed(name: str, stack: str = "fraud-detection-state-local") -> StackProgress:
    progress = StackProgress(stack)
    for line in _lines(name):
        progress.feed(line)
    return progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_recorded_apply_counts_every_planned_resource_done_and_no_data_source() -> None:
    progress = _fed("apply_state_stack.jsonl")
    assert progress.planned == 9
    assert progress.done == 9  # four data sources were read during the apply: not counted
    assert progress.summary == {"add": 9, "change": 0, "import": 0, "remove": 0}
    assert progress.errors == [] and progress.other_output == []


def test_partway_through_the_line_shows_done_of_total_and_the_slow_resource() -> None:
    progress = StackProgress("fraud-detection-local")
    lines = _lines("apply_state_stack.jsonl")
    first_complete = next(i for i, line in enumerate(lines) if '"apply_complete"' in line and '"create"' in line)
    for line in lines[: first_complete + 1]:
        progress.feed(line)
    progress.feed('{"type":"apply_progress","hook":{"resource":{"addr":"aws_kms_key.state_key_5FD9E39E"},'
                  '"action":"create","elapsed_seconds":20}}\n')
    text = progress.describe()
    assert text.startswith("fraud-detection-local 1/9 (creating aws_kms_key.state_key_5FD9E39E, 20 s)")


def test_a_recorded_failure_keeps_terraforms_error_in_full() -> None:
    progress = _fed("apply_error.jsonl", "broken")
    progress.finish(ok=False)
    [error] = progress.errors
    assert error.startswith("Error: Unsupported attribute")
    assert "on main.tf line 5" in error
    assert 'This object does not have an attribute named "limit".' in error
    assert progress.describe().startswith("broken FAILED after 0")


def test_lines_that_are_not_json_are_kept_for_the_failure_message() -> None:
    progress = StackProgress("s")
    progress.feed("Error: Failed to get existing workspaces: S3 bucket does not exist.\n")
    assert progress.other_output == ["Error: Failed to get existing workspaces: S3 bucket does not exist."]


def test_on_a_terminal_one_line_is_rewritten_in_place() -> None:
    out = Terminal()
    board = ProgressBoard(out, tty=True)
    first, second = board.add(StackProgress("account")), board.add(StackProgress("pipeline"))
    board.refresh()
    for line in _lines("apply_state_stack.jsonl"):
        second.feed(line)
    board.refresh()
    assert "\n" not in out.getvalue()
    assert out.getvalue().count("\r") == 2
    assert "account initializing" in out.getvalue() and "pipeline 9/9" in out.getvalue()
    first.finish(ok=True)
    board.finished(first)
    assert out.getvalue().endswith("\n")


def test_in_ci_plain_lines_are_printed_at_most_once_per_interval_and_at_the_end() -> None:
    out, clock = io.StringIO(), FakeClock()
    board = ProgressBoard(out, tty=False, plain_interval=15, clock=clock)
    progress = board.add(StackProgress("pipeline"))
    for second in range(0, 40):
        clock.now = float(second)
        board.refresh()
    assert len(out.getvalue().splitlines()) == 2  # at 15 s and 30 s
    for line in _lines("apply_state_stack.jsonl"):
        progress.feed(line)
    progress.finish(ok=True)
    board.finished(progress)
    last = out.getvalue().splitlines()[-1]
    assert "\r" not in out.getvalue()
    assert last.startswith("pipeline 9/9 done") and last.endswith("(add 9)")


@pytest.mark.parametrize(("seconds", "text"), [(5, "5s"), (59.9, "59s"), (60, "1m00s"), (185, "3m05s")])
def test_elapsed_time_reads_as_minutes_and_seconds(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text
