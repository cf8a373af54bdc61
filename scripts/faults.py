#!/usr/bin/env python3
"""kill -9 the worker of exports and imports at random moments, and check what is left behind.

    .venv/bin/python scripts/faults.py --runs 60 --seed 1 [--rows 300000] [--pause-runs 8] [--huge-mib 64]

A SQLite database of --rows rows is made, exported and imported once to time both; then each run
starts an export (even runs) or an import (odd runs) as a real durable operation (a detached
worker process, operations.runner.submit), waits a random time between 0 and 1.15 x the
operation's clean duration, and sends SIGKILL to the worker. Then, as `az sql db bacpac show`
does, it reads the record until it ends and checks:

  * the record is Succeeded (the kill came too late) or Failed with a reason naming the worker;
  * export: the destination is absent, or a complete package (it inspects, every row is there,
    the checksum holds): a partial BACPAC is never published;
  * import: the target database is absent, or complete (every table has every row): never half
    imported;
  * temporary files left by a killed worker (.partial, .importing-<pid>) are removed by the next
    export or import to the same destination, and none remain at the end.

Prints counts by operation and outcome, and every violation; exit code 1 when there is one.
The same checks run a few times in tests/reliability/test_faults.py.

Then, each with its counts line in the issue's form (cases tried, tracebacks, hangs, partial
outputs, corrupted targets, stuck or flipped records, leftover files, secrets seen):
  * SIGSTOP/SIGCONT of workers, on the same harness (faults_pause.py: a final state stays final);
  * odd files as --storage-uri and overwrite targets (oddfiles.py);
  * a damaged, read-only or locked operation store (faults_store.py);
  * huge single values, whole and damaged, with peak memory bounds (faults_values.py).
Package text as SQL and cell validation are mutations of scripts/fuzz.py (sql-text, bad-cell).
Secrets are checked by tests/reliability/test_secrets.py and the --debug tests ("-" here).
"""
import argparse
import collections
import json
import os
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import faults_pause  # noqa: E402  (scripts/, beside this file)
import faults_store  # noqa: E402
import faults_values  # noqa: E402
import oddfiles  # noqa: E402


def make_database(path, rows, seed=5):
    """Four tables; `events` holds most rows. Returns {table: rows}."""
    generator = random.Random(seed)
    connection = sqlite3.connect(str(path))
    connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, amount REAL, note TEXT)")
    counts = {}
    for table in ("a", "b", "c"):
        connection.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, label TEXT)")
        connection.executemany(f"INSERT INTO {table} VALUES (?, ?)", ((i, "x" * 20) for i in range(rows // 20)))
        counts[table] = rows // 20
    connection.executemany("INSERT INTO events VALUES (?, ?, ?, ?)",
                           ((i, f"kind{i % 7}", i * 0.25, f"note {generator.random()}") for i in range(rows)))
    counts["events"] = rows
    connection.commit()
    connection.close()
    return counts


def table_counts(path):
    """{table: rows} of a SQLite database's user tables (the extension's catalog tables left out)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [n for (n,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name "
                                                  "NOT LIKE 'sqlite_%' AND name NOT LIKE '__bacpac_%'")]
        return {n: connection.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        connection.close()


def package_complete(path, expected_total):
    """(True, '') when the file is a whole BACPAC holding every row, else (False, why)."""
    from azext_bacpac.pipelines import inspect_package
    try:
        result = inspect_package(str(path))
    except Exception as error:   # noqa: BLE001 - any failure means not complete
        return False, f"{type(error).__name__}: {error}"
    if not result["checksum"]["verified"]:
        return False, "checksum not verified"
    if result["totals"]["rows"] != expected_total or result["totals"]["originRowTotal"] != expected_total:
        return False, f"{result['totals']['rows']} rows (expected {expected_total})"
    return True, ""


class Harness:
    """A private config folder, a store, a source database and its clean package."""

    def __init__(self, root, rows, config=None):
        from azext_bacpac.operations.store import OperationStore
        self.root = Path(root)
        self.config = Path(config) if config else self.root / "config"
        self.store = OperationStore(str(self.config / "bacpac" / "operations.db"))
        self.source = self.root / "source"
        self.source.mkdir()
        self.counts = make_database(self.source / "big.sqlite", rows)
        self.total = sum(self.counts.values())
        self.out = self.root / "out"
        self.out.mkdir()
        self.target = self.root / "target"
        self.target.mkdir()
        self.clean_package = self.root / "clean.bacpac"

    @property
    def server(self):
        return "sqlite:///" + str(self.source)

    def submit(self, kind, uri=None, database=None):
        from azext_bacpac.operations import runner
        from azext_bacpac.operations.requests import ExportRequest, ImportRequest
        if kind == "Export":
            return runner.submit(self.store, ExportRequest(overwrite=False), self.server, "big",
                                 uri or str(self.out / "pkg.bacpac"))
        return runner.submit(self.store, ImportRequest(), "sqlite:///" + str(self.target), database or "target",
                             uri or str(self.clean_package))

    def wait(self, operation_id, seconds=120):
        """The record once it ends, read the way `show` reads it (liveness checked)."""
        from azext_bacpac.operations import runner
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            record = runner.get(self.store, operation_id)
            if not record.is_active:
                return record
            time.sleep(0.05)
        raise RuntimeError(f"operation {operation_id} did not end within {seconds} s")

    def calibrate(self):
        """Seconds of a clean export and a clean import (and the clean package for the imports)."""
        started = time.monotonic()
        record = self.wait(self.submit("Export", uri=str(self.clean_package)).id)
        export_seconds = time.monotonic() - started
        if record.state != "Succeeded":
            raise RuntimeError(f"the clean export failed: {record.error_message}")
        started = time.monotonic()
        record = self.wait(self.submit("Import", database="calibration").id)
        import_seconds = time.monotonic() - started
        if record.state != "Succeeded":
            raise RuntimeError(f"the clean import failed: {record.error_message}")
        if table_counts(self.target / "calibration.sqlite") != self.counts:
            raise RuntimeError("the clean import does not hold every row")
        os.unlink(self.target / "calibration.sqlite")
        return export_seconds, import_seconds

    def leftovers(self, kind=None):
        """Temporary files of killed workers: exports' .partial files, imports' .importing-<pid> files."""
        exports = [p.name for p in self.out.iterdir() if p.name.endswith(".partial")]
        imports = [p.name for p in self.target.iterdir() if ".importing-" in p.name]
        return sorted(exports if kind == "Export" else imports if kind == "Import" else exports + imports)


def _processes():
    """{pid: (parent pid, state)} of every process, from /proc."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                found[int(entry)] = (int(fields[1]), fields[0])
            except (OSError, IndexError, ValueError):
                pass
    return found


def descendants(pid):
    """Every live process below `pid` (a worker's decoder or encoder processes)."""
    table, found, todo = _processes(), [], [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, _) in table.items():
            if ppid == parent:
                found.append(child)
                todo.append(child)
    return found


def still_running(pids, seconds=10.0):
    """The pids of `pids` still alive (not exited, not a zombie) after waiting up to `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        table = _processes()
        alive = [p for p in pids if p in table and table[p][1] != "Z"]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.1)


def kill_run(harness, kind, delay):
    """One operation killed after `delay` seconds; returns (outcome, [violations], details)."""
    from azext_bacpac.operations import shapes
    destination = harness.out / "pkg.bacpac" if kind == "Export" else harness.target / "target.sqlite"
    if destination.exists():
        destination.unlink()          # a previous run published it
    before = harness.leftovers(kind)
    record = harness.submit(kind)
    started = time.monotonic()
    pid = record.worker_pid
    time.sleep(max(0.0, delay - (time.monotonic() - started)))
    killed = False
    children = descendants(pid)
    try:
        os.kill(pid, signal.SIGKILL)
        killed = True
    except ProcessLookupError:
        pass
    final = harness.wait(record.id)
    shown = shapes.az_record(final)
    violations = []
    orphans = still_running(children)
    if orphans:
        violations.append(f"processes of the killed worker still run 10 s later: {orphans}")
        for orphan in orphans:
            try:
                os.kill(orphan, signal.SIGKILL)
            except ProcessLookupError:
                pass
    if final.state == "Succeeded":
        outcome = "succeeded (the kill came after the end)"
    elif final.state == "Failed" and "worker process" in (final.error_message or ""):
        outcome = "killed: Failed, reason given"
        if not shown["errorMessage"] or shown["state"] != "Failed":
            violations.append(f"show does not give the failure: {shown['state']} {shown['errorMessage']!r}")
    else:
        outcome = f"{final.state}: {final.error_message}"
        if final.state != "Failed":
            violations.append(f"unexpected state {final.state}")
    if destination.exists():
        if kind == "Export":
            complete, why = package_complete(destination, harness.total)
            if not complete:
                violations.append(f"a partial BACPAC was published: {why}")
        else:
            try:
                counts = table_counts(destination)
            except sqlite3.Error as error:
                counts = str(error)
            if counts != harness.counts:
                violations.append(f"a half-imported database was left: {counts}")
        if final.state != "Succeeded":
            outcome = "killed after publishing: Failed, published file complete"
    elif final.state == "Succeeded":
        violations.append(f"Succeeded but {destination.name} is missing")
    after = harness.leftovers(kind)
    not_cleaned = [name for name in before if name in after]
    got_to_its_files = final.state == "Succeeded" or any(f"{pid}" in name for name in after)
    if not_cleaned and got_to_its_files:        # a worker killed before it began writing cleans nothing
        violations.append(f"temporary files of earlier killed runs were not removed: {not_cleaned}")
    return outcome, violations, {"id": record.id, "pid": pid, "killed": killed, "delay": round(delay, 3),
                                 "state": final.state, "message": final.error_message, "left": after,
                                 "children": len(children)}


def run(runs, seed=0, rows=300000, report=print, root=None, pause_runs=0):
    """Run the kills (and `pause_runs` SIGSTOP/SIGCONT runs, faults_pause); returns (Counter of (kind,
    outcome), [violations], timings, pause counts or None)."""
    rng = random.Random(seed)
    own_root = root is None
    root = Path(root or tempfile.mkdtemp(prefix="bacpac-faults-"))
    os.chmod(root, 0o700)
    outcomes, violations = collections.Counter(), []
    try:
        harness = Harness(root, rows)
        export_seconds, import_seconds = harness.calibrate()
        report(f"clean export {export_seconds:.2f} s, clean import {import_seconds:.2f} s, {harness.total} rows")
        for number in range(runs):
            kind = "Export" if number % 2 == 0 else "Import"
            delay = rng.uniform(0, 1.15 * (export_seconds if kind == "Export" else import_seconds))
            outcome, problems, details = kill_run(harness, kind, delay)
            outcomes[(kind, outcome)] += 1
            if details["killed"] and details["children"]:
                outcomes[(kind, "  (of which killed with worker subprocesses running)")] += 1
            violations += [f"run {number} ({kind}, kill after {delay:.2f} s): {p}" for p in problems]
            if problems:
                report(f"run {number}: {json.dumps(details, default=str)}")
        paused = None
        if pause_runs:
            paused, pause_outcomes = faults_pause.run(harness, pause_runs, rng, {"Export": export_seconds,
                                                                                 "Import": import_seconds},
                                                      report=lambda text: report("FINDING " + text))
            for (kind, outcome), count in sorted(pause_outcomes.items()):
                report(f"  {count:5d}  {kind:6s}  SIGSTOP/SIGCONT: {outcome}")
        # the next export and import to the same names clean up what killed workers left
        for kind in ("Export", "Import"):
            destination = harness.out / "pkg.bacpac" if kind == "Export" else harness.target / "target.sqlite"
            if destination.exists():
                destination.unlink()
            final = harness.wait(harness.submit(kind).id)
            if final.state != "Succeeded":
                violations.append(f"the clean-up {kind.lower()} failed: {final.error_message}")
        left = harness.leftovers()
        if left:
            violations.append(f"temporary files left after a clean export and import: {left}")
        return outcomes, violations, (export_seconds, import_seconds), paused
    finally:
        if own_root:
            shutil.rmtree(root, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--pause-runs", type=int, default=8, help="SIGSTOP/SIGCONT runs (faults_pause.py)")
    parser.add_argument("--huge-mib", type=int, default=64, help="size of the huge values (faults_values.py)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rows", type=int, default=300000)
    options = parser.parse_args(argv)
    started = time.monotonic()
    outcomes, violations, _, paused = run(options.runs, options.seed, options.rows, pause_runs=options.pause_runs)
    runs = sum(count for (_, outcome), count in outcomes.items() if not outcome.startswith(" "))
    print(f"kill -9 runs: {runs} in {time.monotonic() - started:.1f} s (seed {options.seed})")
    for (kind, outcome), count in sorted(outcomes.items()):
        print(f"  {count:5d}  {kind:6s}  {outcome}")
    print(f"violations: {len(violations)}")
    for violation in violations:
        print("VIOLATION", violation)
    kinds = {"partial outputs": ("partial BACPAC", "half-imported"), "stuck or flipped records": (
        "unexpected state", "show does not give", "missing"), "leftover files": ("temporary files", "still run")}
    kills = {name: sum(1 for v in violations if any(word in v for word in words)) for name, words in kinds.items()}
    kills["cases tried"], kills["tracebacks"], kills["hangs"] = runs, 0, 0
    kills["corrupted targets"] = len(violations) - sum(kills[name] for name in kinds)
    print("kill -9: " + oddfiles.line(kills, records=kills["stuck or flipped records"]))
    found = len(violations)
    if paused is not None:
        print("SIGSTOP/SIGCONT: " + oddfiles.line(paused, records=paused["stuck or flipped records"]))
        found += sum(value for key, value in paused.items() if key != "cases tried")
    for title, family in (("odd files and overwrite targets", oddfiles.run), ("store damage", faults_store.run),
                          ("huge values", lambda root, report: faults_values.run(root, options.huge_mib, report))):
        root = Path(tempfile.mkdtemp(prefix="bacpac-faults-"))
        try:
            counts = family(root, report=lambda text: print("FINDING", text))
        finally:
            shutil.rmtree(root, ignore_errors=True)
        extra = f"; memory over bound {counts['memory over bound']}" if "memory over bound" in counts else ""
        print(f"{title}: " + oddfiles.line(counts, records=counts.get("stuck or flipped records", "-")) + extra)
        found += sum(value for key, value in counts.items() if key != "cases tried")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
