"""Liveness of background processes: exited ones count as gone, reaped or not."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tooling.process_group import _zombie, process_alive


def _exited_unreaped_child() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while not _zombie(child.pid):
        assert time.monotonic() < deadline, "the child never exited"
        time.sleep(0.01)
    child.returncode = 0  # tell Popen it is handled, so its finalizer leaves the pid to us
    return child.pid


def test_a_running_process_is_alive() -> None:
    assert process_alive(os.getpid())
    assert not _zombie(os.getpid())


def test_an_exited_child_is_reaped_and_gone() -> None:
    pid = _exited_unreaped_child()
    assert process_alive(pid) is False
    assert not os.path.exists(f"/proc/{pid}")


def test_a_zombie_nobody_reaps_counts_as_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an exited process that is not ours to reap (a detached service reparented to a PID 1 that
    # does not reap), which the kernel still answers for: only its state tells it from a running one.
    pid = _exited_unreaped_child()
    try:
        with monkeypatch.context() as patched:
            patched.setattr(os, "waitpid", _not_our_child)
            os.kill(pid, 0)
            assert process_alive(pid) is False
    finally:
        os.waitpid(pid, 0)


def _not_our_child(pid: int, options: int) -> tuple[int, int]:
    raise ChildProcessError(pid)
