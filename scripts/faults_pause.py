"""SIGSTOP and SIGCONT a worker (issue 17 #3, #4: a final state stays final), for scripts/faults.py.

Each run starts an export or an import as a real durable operation (faults.Harness), stops its
worker at a random moment with SIGSTOP, makes it look silent (its last heartbeat far in the past,
as 13 s of SIGSTOP would), and checks, while it is stopped:
  * the record reads active ('not responding'), never Failed, since the process is alive;
  * a second operation on the same database is refused (the worker is alive, so it is busy).
Every other run, someone then declares the record Failed (an operator, an older az) before the
worker is resumed with SIGCONT; the worker must then discard its output and leave the record as
it was. Otherwise the operation must end Succeeded with a complete output. After the worker exits:
no temporary file of it is left.

Known limit: a worker stopped *while it writes to the operation store* holds the store's write
lock until it resumes, and every other writer (az included) waits for it up to the busy timeout.
The stop is therefore placed between two store writes: SIGSTOP, then a write with a short busy
timeout; if that write finds the lock held, SIGCONT and try again a moment later.
"""
import signal
import time

STOP_TRIES = 50


def _stop_between_writes(harness, record_id, pid):
    """SIGSTOP `pid` at a moment it holds no store lock and its record is active; False when it
    ended first."""
    import os
    from azext_bacpac.operations.store import OperationStore
    from azext_bacpac.operations.store_health import StoreError
    probe = OperationStore(harness.store.path)
    probe.busy_seconds = 0.5
    for _ in range(STOP_TRIES):
        try:
            os.kill(pid, signal.SIGSTOP)
        except ProcessLookupError:
            return False
        try:
            probe.update(record_id, only_if_active=True)
            if probe.get(record_id).is_active:
                return True
            os.kill(pid, signal.SIGCONT)      # it had finished: too late to stop it
            return False
        except StoreError:
            os.kill(pid, signal.SIGCONT)
            time.sleep(0.05)
    raise RuntimeError(f"worker {pid} held the store's lock at every try")


def _running(harness, record_id, seconds=30):
    from azext_bacpac.operations import runner
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        record = runner.get(harness.store, record_id)
        if record.state == "InProgress" and record.worker_start:
            return record
        if not record.is_active:
            return None
        time.sleep(0.02)
    return None


def pause_run(harness, kind, delay, declare):
    """One stopped-and-resumed operation; returns (outcome, [(count name, what went wrong)])."""
    import os
    import faults
    from azext_bacpac.errors import ConflictError
    from azext_bacpac.operations import runner
    from azext_bacpac.operations.status import STALE_AFTER_SECONDS
    found = []
    destination = harness.out / "pkg.bacpac" if kind == "Export" else harness.target / "target.sqlite"
    if destination.exists():
        destination.unlink()
    record = harness.submit(kind)
    running = _running(harness, record.id)
    pid = record.worker_pid
    time.sleep(delay)
    stopped = running is not None and _stop_between_writes(harness, record.id, pid)
    if stopped:
        try:
            harness.store.update(record.id, heartbeat=time.time() - 6 * STALE_AFTER_SECONDS)
            seen = runner.get(harness.store, record.id)       # what show, list and wait read
            if not seen.is_active:
                found.append(("stuck or flipped records", f"a stopped, live worker read as {seen.state}"))
            try:
                second = harness.submit(kind)
            except ConflictError:
                second = None
            if second is not None:
                found.append(("stuck or flipped records", "a second operation started beside a stopped, live worker"))
                harness.wait(second.id)
            if declare:
                harness.store.update(record.id, state="Failed", error_message="declared failed while stopped")
        finally:
            os.kill(pid, signal.SIGCONT)
    final = harness.wait(record.id)
    if faults.still_running([pid], 60):
        found.append(("hangs", f"worker {pid} still runs a minute after SIGCONT"))
    if stopped and declare:
        outcome = "stopped, declared Failed, resumed"
        if final.state != "Failed" or final.error_message != "declared failed while stopped":
            found.append(("stuck or flipped records", f"a Failed record turned {final.state}: {final.error_message}"))
        if destination.exists():
            found.append(("partial outputs", f"the worker published {destination.name} over a Failed record"))
    else:
        outcome = "stopped and resumed" if stopped else "ended before the stop"
        if final.state != "Succeeded":
            found.append(("tracebacks", f"{final.state}: {final.error_message}"))
        elif kind == "Export":
            complete, why = faults.package_complete(destination, harness.total)
            if not complete:
                found.append(("corrupted targets", f"the published BACPAC is not complete: {why}"))
        elif faults.table_counts(destination) != harness.counts:
            found.append(("corrupted targets", "the imported database does not hold every row"))
    if harness.leftovers(kind):
        found.append(("leftover files", f"left: {harness.leftovers(kind)}"))
    return outcome, found


def run(harness, runs, rng, seconds, report=print):
    """`runs` pause runs (export and import in turn); returns counts in the issue's form."""
    counts = dict.fromkeys(("cases tried", "tracebacks", "hangs", "partial outputs", "corrupted targets",
                            "stuck or flipped records", "leftover files"), 0)
    outcomes = {}
    for number in range(runs):
        kind = "Export" if number % 2 == 0 else "Import"
        declare = number % 4 >= 2
        delay = rng.uniform(0, 0.8 * seconds[kind])
        try:
            outcome, found = pause_run(harness, kind, delay, declare)
        except Exception as error:           # noqa: BLE001 - what this run counts
            outcome, found = "harness error", [("tracebacks", f"{type(error).__name__}: {error}")]
        counts["cases tried"] += 1
        outcomes[(kind, outcome)] = outcomes.get((kind, outcome), 0) + 1
        for name in {name for name, _ in found}:
            counts[name] += 1
        for name, text in found:
            report(f"pause run {number} ({kind}, stop after {delay:.2f} s, declared={declare}): {name}: {text}")
    return counts, outcomes
