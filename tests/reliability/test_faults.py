"""Faults: a worker killed with SIGKILL mid-export and mid-import (scripts/faults.py runs many more),
a full disk, Azurite stopped while an export streams to it, and SQLite files locked by another
connection. Every one ends in a clean failure: nothing partial published, nothing half imported,
no temporary file left, one clear error."""
import json
import os
import random
import sqlite3
import time

import pytest

import faults
from azext_bacpac.errors import BacpacError, ConflictError, EngineError, StorageError
from azext_bacpac.pipelines import export_database, import_package
from tests.storage.azurite import AzuriteServer, AzuriteUnavailable

from .conftest import CONFIG_DIR, small_disk


def test_kill_9_at_several_moments_of_export_and_import(az, tmp_path, monkeypatch):
    harness = faults.Harness(tmp_path, rows=100_000, config=CONFIG_DIR)
    # az reads the harness's store, whatever another test (scripts/fuzz_cli.py) left in the environment
    monkeypatch.setenv("AZEXT_BACPAC_OPERATIONS_DIR", os.path.dirname(harness.store.path))
    export_seconds, import_seconds = harness.calibrate()
    killed = []
    for kind, seconds in (("Export", export_seconds), ("Import", import_seconds)):
        for fraction in (0.0, 0.3, 0.7):
            outcome, violations, details = faults.kill_run(harness, kind, fraction * seconds)
            assert violations == [], (kind, fraction, details)
            if details["state"] == "Failed":
                killed.append((kind, details))
    assert len(killed) >= 4, killed
    # what `az sql db bacpac show` says of a killed operation
    operation_id = killed[-1][1]["id"]
    shown = az("sql", "db", "bacpac", "show", "--operation-id", operation_id)
    assert shown.exit_code == 0, shown
    shown = json.loads(shown.stdout)
    assert shown["state"] == "Failed" and "worker process" in shown["errorMessage"]
    waited = az("sql", "db", "bacpac", "wait", "--operation-id", operation_id)
    assert waited.exit_code == 1 and "worker process" in waited.stderr
    # the next export and import to the same names remove what the killed workers left
    for kind in ("Export", "Import"):
        destination = harness.out / "pkg.bacpac" if kind == "Export" else harness.target / "target.sqlite"
        if destination.exists():
            destination.unlink()
        assert harness.wait(harness.submit(kind).id).state == "Succeeded"
    assert harness.leftovers() == []


def _incompressible_db(folder, rows=40_000, name="noisy"):
    folder.mkdir(parents=True, exist_ok=True)
    generator = random.Random(9)
    connection = sqlite3.connect(str(folder / f"{name}.sqlite"))
    connection.execute("CREATE TABLE noise (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
    connection.executemany("INSERT INTO noise VALUES (?, ?)", ((i, generator.randbytes(200)) for i in range(rows)))
    connection.commit()
    connection.close()
    return "sqlite:///" + str(folder)


def test_a_full_disk_during_export_is_a_storage_error_and_leaves_nothing(az, tmp_path):
    from azure.cli.core import azclierror
    server = _incompressible_db(tmp_path / "source")               # about 8 MB of BCP data
    with small_disk(tmp_path / "small") as small:
        with pytest.raises(StorageError) as info:
            export_database(server, "noisy", str(small / "out.bacpac"))
        message = str(info.value)
        assert f"cannot write {small / 'out.bacpac'}: No space left on device" in message and "\n" not in message
        assert list(small.iterdir()) == []                          # the temporary file is gone
        result = az("sql", "db", "bacpac", "export", "-s", server, "-n", "noisy", "--storage-uri",
                    str(small / "cli.bacpac"))
        assert result.exit_code == 1 and isinstance(result.error, azclierror.FileOperationError), result
        assert "No space left on device" in result.stderr and "Traceback" not in result.stderr
        assert list(small.iterdir()) == []


def test_a_full_disk_during_import_is_an_engine_error_and_leaves_nothing(tmp_path):
    server = _incompressible_db(tmp_path / "source")
    package = tmp_path / "noisy.bacpac"
    export_database(server, "noisy", str(package))
    with small_disk(tmp_path / "small") as small:
        with pytest.raises(EngineError, match="disk is full|No space left") as info:
            import_package(str(package), "sqlite:///" + str(small), "noisy")
        assert "\n" not in str(info.value)
        assert list(small.iterdir()) == []


@pytest.fixture
def fast_blob_retries(monkeypatch):
    """One quick retry instead of about two minutes of backoff (the behaviour under test is the same)."""
    from azext_bacpac.storage import blob
    original = blob._retry_policy           # pylint: disable=protected-access

    def quick(retries):
        policy = original(1 if retries is None else min(retries, 1))
        policy.backoff_factor = policy.initial_backoff = 0.1
        return policy

    monkeypatch.setattr(blob, "_retry_policy", quick)


def test_azurite_stopped_mid_export_fails_cleanly_and_commits_no_blob(tmp_path, fast_blob_retries):
    server = _incompressible_db(tmp_path / "source", rows=100_000)      # about 20 MB: several 8 MiB blocks
    location = tmp_path / "azurite"
    try:
        azurite = AzuriteServer(location).start()
    except AzuriteUnavailable as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Azurite unavailable: {error}")
    stopped = []
    try:
        container = azurite.new_container()
        with azurite.service() as service:
            service.get_container_client(container).upload_blob("marker.txt", b"kept")
        url = azurite.url(container, "db.bacpac")

        def progress(event):
            if not stopped and event.get("bytes", 0) > 12 << 20:
                azurite.stop()                     # the service goes away while blocks stream
                stopped.append(event["bytes"])

        started = time.monotonic()
        with pytest.raises(BacpacError) as info:
            export_database(server, "noisy", url, progress=progress, storage_key_type="StorageAccessKey",
                            storage_key=azurite.key)
        assert stopped, "the export ended before the server was stopped"
        assert isinstance(info.value, StorageError), info.value
        message = str(info.value)
        assert "\n" not in message and azurite.key not in message
        assert time.monotonic() - started < 60
    finally:
        azurite.stop()
    restarted = AzuriteServer(location).start()          # same --location: what was committed is still there
    try:
        with restarted.service() as service:
            names = [b.name for b in service.get_container_client(container).list_blobs()]
        assert names == ["marker.txt"]
    finally:
        restarted.stop()


def test_a_locked_source_is_a_clear_engine_error(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    connection = sqlite3.connect(str(folder / "busy.sqlite"), isolation_level=None)
    connection.execute("CREATE TABLE t (a)")
    connection.execute("PRAGMA locking_mode = EXCLUSIVE")
    connection.execute("BEGIN EXCLUSIVE")
    connection.execute("INSERT INTO t VALUES (1)")
    try:
        with pytest.raises(EngineError, match="database busy.sqlite is locked by another process"):
            export_database("sqlite:///" + str(folder), "busy", str(tmp_path / "busy.bacpac"))
    finally:
        connection.execute("ROLLBACK")
        connection.close()
    assert not (tmp_path / "busy.bacpac").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


@pytest.mark.parametrize("write_first", [False, True])
def test_an_empty_target_locked_by_another_connection_is_refused(az, tmp_path, write_first):
    from azure.cli.core import azclierror
    package = tmp_path / "clean.bacpac"
    package.write_bytes(faults_vector())
    folder = tmp_path / "db"
    folder.mkdir()
    setup = sqlite3.connect(str(folder / "target.sqlite"))
    setup.execute("CREATE TABLE z (a)")
    setup.execute("DROP TABLE z")              # an empty database: importable when nobody holds it
    setup.commit()
    setup.close()
    holder = sqlite3.connect(str(folder / "target.sqlite"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    if write_first:
        holder.execute("CREATE TABLE mine (a)")
    try:
        with pytest.raises(ConflictError, match="already exists .* and (is locked by another process|is in use)"):
            import_package(str(package), "sqlite:///" + str(folder), "target")
        if write_first:            # (through az too; the other case waits out SQLite's 5 s busy timeout)
            result = az("sql", "db", "bacpac", "import", "-s", "sqlite:///" + str(folder), "-n", "target",
                        "--storage-uri", str(package))
            assert result.exit_code == 1 and isinstance(result.error, azclierror.ValidationError), result
    finally:
        holder.execute("COMMIT")
        holder.close()
    with sqlite3.connect(str(folder / "target.sqlite")) as check:           # the holder's work survived
        tables = {n for (n,) in check.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == ({"mine"} if write_first else set())
    assert sorted(p.name for p in folder.iterdir()) == ["target.sqlite"]


def faults_vector():
    from tests.vectors import vector_bytes
    return vector_bytes("amado/AmadoDB.bacpac")


def test_odd_files_and_overwrite_targets_leave_everything_as_it_was(tmp_path):
    """scripts/faults.py's odd-file cases (issue 17, items 2 and 5): all refused, nothing changed or left."""
    import oddfiles
    counts = oddfiles.run(tmp_path)
    assert counts["cases tried"] >= 15
    assert {key: value for key, value in counts.items() if key != "cases tried" and value} == {}
