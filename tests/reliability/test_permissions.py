"""What the tool keeps for itself is readable by the user only (mode & 0o077 == 0), whatever the umask:
the operation store with its WAL and shared-memory files, its folder, the worker logs, and the temporary
files of an export and an import while they are written. The published BACPAC and the imported database
are the user's files and follow the umask, as other tools' files do (tests/cli/test_file_modes.py runs
real az processes under two umasks)."""
import os
import stat
import threading
import time

import pytest

import faults


@pytest.fixture
def open_umask():
    old = os.umask(0o022)               # what most shells have: new files 0644 unless the tool says otherwise
    try:
        yield
    finally:
        os.umask(old)


def _watch(folders, seen, stop):
    """Record the modes of every file that appears in `folders` while an operation runs, in order."""
    while not stop.is_set():
        for folder in folders:
            for name in os.listdir(folder):
                try:
                    mode = stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode)
                except FileNotFoundError:
                    continue
                if seen.setdefault(name, [mode])[-1] != mode:
                    seen[name].append(mode)
        time.sleep(0.005)


def test_every_file_the_tool_keeps_is_user_only(tmp_path, open_umask):
    harness = faults.Harness(tmp_path, rows=150_000)
    seen, stop = {}, threading.Event()
    store_folder = os.path.dirname(harness.store.path)        # its -wal and -shm exist while connections do
    watcher = threading.Thread(target=_watch, args=([harness.out, harness.target, store_folder], seen, stop),
                               daemon=True)
    watcher.start()
    try:
        for submit in (lambda: harness.submit("Export"),
                       lambda: harness.submit("Import", uri=str(harness.out / "pkg.bacpac"))):
            assert harness.wait(submit().id).state == "Succeeded"
        from azext_bacpac.operations import runner
        from azext_bacpac.operations.requests import ExportRequest
        record = runner.submit(harness.store, ExportRequest(overwrite=True), harness.server, "big",
                               str(harness.out / "pkg.bacpac"))
        assert harness.wait(record.id).state == "Succeeded"
    finally:
        stop.set()
        watcher.join()
    temporary = {name: modes for name, modes in seen.items() if name.endswith(".partial") or ".importing-" in name}
    assert any(n.endswith(".partial") for n in temporary) and any(".importing-" in n for n in temporary), seen
    # private while written; a complete file gets its published permissions just before it is renamed
    assert {name: oct(modes[0]) for name, modes in temporary.items() if modes[0] & 0o077} == {}, temporary
    created = {name: modes[-1] for name, modes in seen.items() if name not in temporary}
    for root, folders, files in os.walk(store_folder):
        for name in folders + files:
            created[os.path.relpath(os.path.join(root, name), tmp_path)] = \
                stat.S_IMODE(os.stat(os.path.join(root, name)).st_mode)
    created["<store folder>"] = stat.S_IMODE(os.stat(store_folder).st_mode)
    names = set(created)
    assert {"pkg.bacpac", "target.sqlite"} <= names
    assert any(n.endswith("operations.db-wal") for n in names) and any(n.endswith(".log") for n in names), names
    loose = {name: oct(mode) for name, mode in created.items() if mode & 0o077}
    assert loose == {"pkg.bacpac": "0o644", "target.sqlite": "0o644"}, loose     # umask 022: -rw-r--r--
