"""A final state stays final, and a dead worker blocks nothing: real detached workers, SIGSTOP/SIGCONT
and SIGKILL. A paused worker is "not responding", never Failed (it may still publish); a worker that is
gone ends its record the moment anyone looks, retries included."""
import os
import signal
import time

import faults
from azext_bacpac.operations import runner, status
from azext_bacpac.operations.store import OperationRecord, new_operation_id

from .conftest import CONFIG_DIR


def _running(harness, operation_id, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        record = harness.store.get(operation_id)
        if record.worker_pid and record.state == "InProgress" and record.rows_done:
            return record
        time.sleep(0.02)
    raise AssertionError(f"operation {operation_id} did not start")


def _running_pid(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_paused_worker_is_not_responding_and_its_result_still_lands(tmp_path, monkeypatch):
    monkeypatch.setattr(status, "STALE_AFTER_SECONDS", 1.0)          # the same rule, sooner
    harness = faults.Harness(tmp_path, rows=400_000, config=CONFIG_DIR)
    record = _running(harness, harness.submit("Export").id)
    os.kill(record.worker_pid, signal.SIGSTOP)
    try:
        time.sleep(2.5)
        shown = runner.get(harness.store, record.id)                  # what show / list / wait see
        assert shown.state == "InProgress", shown.error_message
        assert "has not reported for" in status.status_message(shown)
    finally:
        os.kill(record.worker_pid, signal.SIGCONT)
    final = harness.wait(record.id)
    assert final.state == "Succeeded" and (harness.out / "pkg.bacpac").exists()


def test_a_record_ended_by_someone_else_is_never_published_over(tmp_path, monkeypatch):
    harness = faults.Harness(tmp_path, rows=400_000, config=CONFIG_DIR)
    record = _running(harness, harness.submit("Export").id)
    os.kill(record.worker_pid, signal.SIGSTOP)
    harness.store.update(record.id, only_if_active=True, state="Failed", error_message="declared failed")
    os.kill(record.worker_pid, signal.SIGCONT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _running_pid(record.worker_pid):
        time.sleep(0.05)
    final = harness.store.get(record.id)
    assert final.state == "Failed" and final.error_message == "declared failed"
    assert not (harness.out / "pkg.bacpac").exists() and harness.leftovers() == []


def test_a_retry_after_a_killed_worker_is_not_refused(tmp_path):
    harness = faults.Harness(tmp_path, rows=20_000, config=CONFIG_DIR)
    dead = OperationRecord(id=new_operation_id(), request_type="Export", server=harness.server, database="big",
                           storage_uri=str(harness.out / "old.bacpac"), parameters={"request": {}})
    harness.store.create(dead)
    harness.store.update(dead.id, state="InProgress", worker_pid=2 ** 22 + 7, heartbeat=time.time())  # no such pid
    retried = harness.submit("Export")                # the conflict check sees the worker is gone
    assert harness.wait(retried.id).state == "Succeeded"
    assert harness.store.get(dead.id).state == "Failed"
