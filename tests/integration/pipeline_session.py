"""Opening the deployed pipeline for a test module (shared by the integration test modules)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tooling.local_pipeline import LocalPipeline


@contextmanager
def open_pipeline(local_deployment: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPipeline]:
    """A LocalPipeline on the session's deployment.

    The work directory is the same for the whole session, so stream checkpoints carry over from one
    module to the next, as a mapping's position does in Lambda: no record is delivered twice.
    """
    work_dir = tmp_path_factory.getbasetemp() / "lambda-service"
    with LocalPipeline(local_deployment.endpoint_url, local_deployment.stack_dir, work_dir=work_dir) as pipeline:
        yield pipeline
