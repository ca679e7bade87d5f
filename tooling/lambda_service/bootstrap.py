"""The runtime inside a function's process: imports the handler once, then serves invocations.

Run as a script (never imported by the tooling) with the function's code and layers on PYTHONPATH.
Protocol, one JSON document per line:
- stdin: {"event": ..., "request_id": "...", "deadline_ms": <epoch ms>}
- result channel (the process's original stdout): {"ok": true, "result": ...} or
  {"ok": false, "errorType": "...", "errorMessage": "...", "stackTrace": [...]}
The function's own output (print, logging, EMF metrics) goes to stderr, so it can never be mistaken
for a result.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The attributes and method of the Python runtime's context object."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        env = os.environ
        self.function_name = env["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = env.get("LAMBDA_FUNCTION_ARN", "")
        self.memory_limit_in_mb = int(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation times out."""
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "ok": False,
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(exc),
    }


def _load_handler() -> tuple[Any, dict[str, Any] | None]:
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - reported per invocation, as Lambda does
        return None, _error(exc, "Runtime.ImportModuleError")
    handler = getattr(module, function_name, None)
    if handler is None:
        return None, _error(AttributeError(f"handler {function_name!r} missing on module {module_name!r}"),
                            "Runtime.HandlerNotFound")
    return handler, None


def _load_fault_hooks() -> Any:
    """The fault hooks (faults.py beside this file), installed before the handler creates any client,
    when the played service names a faults directory; None otherwise."""
    directory = os.environ.get("LOCAL_FAULTS_DIR")  # faults.FAULTS_DIR_VARIABLE (not importable here)
    if not directory:
        return None
    spec = importlib.util.spec_from_file_location("_played_faults", os.path.join(os.path.dirname(__file__),
                                                                                 "faults.py"))
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    module.install_botocore_hooks(directory, os.environ["AWS_LAMBDA_FUNCTION_NAME"])
    return module


def main() -> None:
    """Serve invocations until stdin closes."""
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # from here on, anything printed goes to the log (stderr)
    sys.stdout = sys.stderr
    faults = _load_fault_hooks()
    handler, load_error = _load_handler()
    for line in sys.stdin:
        request = json.loads(line)
        if load_error is not None:
            reply = load_error
        else:
            context = LambdaContext(request["request_id"], int(request["deadline_ms"]))
            if faults is not None:
                faults.begin_invocation(request["event"])
            try:
                result = handler(request["event"], context)
            except Exception as exc:  # noqa: BLE001 - the function's error is the invocation's result
                reply = _error(exc)
            else:
                try:
                    reply = {"ok": True, "result": json.loads(json.dumps(result))}
                except (TypeError, ValueError) as exc:
                    reply = _error(exc, "Runtime.MarshalError")
        results.write(json.dumps(reply) + "\n")
        results.flush()


if __name__ == "__main__":
    main()
