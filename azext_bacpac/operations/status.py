"""Status words, and how a record whose worker died is turned into an honest Failed.

A record is declared Failed only when its worker is gone: no process with the worker's pid and start
time. A worker that is alive but silent (stopped with SIGSTOP, swapped out, starved) is "not
responding": still InProgress, so that a script never acts on a Failed that later turns Succeeded.
"""
import time

from ..processes import command_line, pid_alive, process_start_time
from .identity import remove_scratch
from .store import ACTIVE_STATES

HEARTBEAT_SECONDS = 2.0
STALE_AFTER_SECONDS = 5 * HEARTBEAT_SECONDS     # a worker silent this long is gone
START_GRACE_SECONDS = 30.0                      # a queued operation whose worker never started


def status(record):
    """The cmdlet's Status: InProgress, Succeeded, Failed or Cancelled."""
    return "InProgress" if record.state in ACTIVE_STATES else record.state


def status_message(record):
    """The service's words: Pending, 'Running, Progress = 45.00 %', Completed, or the failure text."""
    if record.state == "Pending":
        return "Pending"
    if record.state in ("InProgress", "CancelInProgress"):
        silent = getattr(record, "not_responding", None)
        if silent:
            return (f"Running, Progress = {record.percent:.2f} % (not responding: the worker, pid "
                    f"{record.worker_pid}, has not reported for {silent:.0f} s)")
        return f"Running, Progress = {record.percent:.2f} %"
    if record.state == "Succeeded":
        return "Completed"
    if record.state == "Cancelled":
        return record.error_message or "Cancelled"
    return record.error_message or "Failed"


def _worker_alive(pid, operation_id, start_time=None):
    """True when pid runs and (where /proc tells) is this operation's worker, not a reused pid."""
    if start_time and process_start_time(pid) not in (None, start_time):
        return False
    if not pid_alive(pid):
        return False
    line = command_line(pid)
    if line is None:
        return True
    if not line:               # a zombie: exited, not yet reaped
        return False
    return operation_id.encode() in line


def check_liveness(store, record, clock=time.time):
    """Mark an active record Failed when its worker is gone; returns the current record."""
    if not record.is_active:
        return record
    moment = clock()
    reason = None
    if record.worker_pid:
        if not _worker_alive(record.worker_pid, record.id, record.worker_start):
            reason = f"the worker process (pid {record.worker_pid}) ended without finishing the operation"
        elif record.heartbeat and moment - record.heartbeat > STALE_AFTER_SECONDS:
            record.not_responding = moment - record.heartbeat     # alive: never Failed, only silent
    elif moment - record.queued_time > START_GRACE_SECONDS:
        reason = "the worker process never started"
    if reason:
        removed = remove_scratch(record.scratch)
        left = f" Removed what it was writing: {', '.join(removed)}." if removed else ""
        message = (f"Operation failed: {reason} (killed, or the machine restarted). An incomplete BACPAC or "
                   f"database is never published.{left}")
        store.update(record.id, only_if_active=True, state="Failed", error_message=message, finish_time=moment)
        return store.get(record.id)
    return record
