"""Everything a handler logs during a test, to check that no raw customer data reaches the logs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable

import pytest
from aws_lambda_powertools import Logger


class HandlerLogs:
    """The output of Powertools loggers (their JSON lines) and of the standard logging tree (INFO
    and up: what a function's log group receives from libraries such as botocore)."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog
        self._buffer = io.StringIO()
        self._swapped: list[tuple[logging.StreamHandler[io.StringIO], object]] = []
        caplog.set_level(logging.INFO)

    def watch(self, logger: Logger) -> None:
        """Send `logger`'s lines to this capture (until `restore`)."""
        handler = logger.registered_handler
        assert isinstance(handler, logging.StreamHandler)
        self._swapped.append((handler, handler.setStream(self._buffer)))

    def restore(self) -> None:
        """Give the watched loggers their own streams back."""
        for handler, stream in reversed(self._swapped):
            handler.setStream(stream)
        self._swapped.clear()

    @property
    def text(self) -> str:
        """All captured output so far."""
        return self._buffer.getvalue() + "\n" + self._caplog.text

    def assert_free_of(self, raw_values: Iterable[str]) -> None:
        """Fail naming every raw value found in the output."""
        text = self.text
        leaked = sorted(value for value in raw_values if value in text)
        assert leaked == [], f"raw customer data in the logs: {leaked}"
