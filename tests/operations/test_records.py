"""The operation store, status words, the link, and the output shapes."""
import os
import stat
import subprocess
import sys
import threading
import time

import pytest

from azext_bacpac.errors import InvalidInputError
from azext_bacpac.operations import shapes
from azext_bacpac.operations.link import make_link, operation_id_from_link, parse_operation_id
from azext_bacpac.operations.status import check_liveness, status, status_message
from azext_bacpac.operations.store import OperationRecord, OperationStore, new_operation_id


@pytest.fixture
def store(tmp_path):
    return OperationStore(str(tmp_path / "config" / "bacpac" / "operations.db"))


def record(**changes):
    values = dict(id=new_operation_id(), request_type="Export", server="sqlite:///data", database="shop",
                  storage_uri="/tmp/shop.bacpac")
    values.update(changes)
    return OperationRecord(**values)


def test_store_round_trips_a_record_and_is_private(store):
    original = record(parameters={"request": {"tables": ["dbo.*"]}, "admin_user": "dba"})
    assert store.create(original) is None
    assert store.get(original.id) == original
    assert store.get(original.id.upper()) == original
    folder = os.path.dirname(store.path)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    for name in os.listdir(folder):
        assert stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode) & 0o077 == 0, name


def test_second_active_operation_on_the_same_target_is_a_conflict(store):
    first = record()
    store.create(first)
    assert store.create(record()).id == first.id
    assert store.create(record(database="other")) is None
    store.update(first.id, state="Succeeded")
    assert store.create(record()) is None


def test_concurrent_writers_do_not_lose_updates(store):
    ids = [record(database=f"db{i}") for i in range(8)]
    for item in ids:
        store.create(item)

    def bump(operation_id):
        for step in range(25):
            store.update(operation_id, rows_done=step + 1)

    threads = [threading.Thread(target=bump, args=(item.id,)) for item in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {store.get(item.id).rows_done for item in ids} == {25}
    assert [r.database for r in store.list(active_only=True)] == [f"db{i}" for i in range(8)]


@pytest.mark.parametrize("state, percent, expected_status, expected_message", [
    ("Pending", 0, "InProgress", "Pending"),
    ("InProgress", 45, "InProgress", "Running, Progress = 45.00 %"),
    ("InProgress", 3.14159, "InProgress", "Running, Progress = 3.14 %"),
    ("CancelInProgress", 50, "InProgress", "Running, Progress = 50.00 %"),
    ("Succeeded", 100, "Succeeded", "Completed"),
    ("Failed", 10, "Failed", "disk full"),
    ("Cancelled", 10, "Cancelled", "cancelled by the user"),
])
def test_status_words(state, percent, expected_status, expected_message):
    error = {"Failed": "disk full", "Cancelled": "cancelled by the user"}.get(state)
    item = record(state=state, percent=percent, error_message=error)
    assert status(item) == expected_status
    assert status_message(item) == expected_message


def test_link_round_trips_and_is_not_arm():
    operation_id = new_operation_id()
    link = make_link("sqlite:///srv/data", "shop", operation_id)
    assert link.endswith("/" + operation_id)
    assert link.split("/")[-1] == operation_id
    assert "management.azure.com" not in link and not link.startswith("https://")
    assert operation_id_from_link(link) == operation_id
    assert operation_id_from_link(link + "?api-version=1") == operation_id
    with pytest.raises(InvalidInputError, match="not an operation status link"):
        operation_id_from_link("https://example/nothing")
    with pytest.raises(InvalidInputError, match="not an operation id"):
        parse_operation_id("12345")


def test_sas_is_stripped_from_the_recorded_uri(tmp_path):
    from azext_bacpac.operations import runner
    from azext_bacpac.operations.requests import ExportRequest
    store = OperationStore(str(tmp_path / "ops.db"))
    secret_uri = "https://acct.blob.core.windows.net/c/db.bacpac?sv=2022&sig=SECRETSIG"
    record = runner.submit(store, ExportRequest(), "sqlite:////nonexistent-folder", "db", secret_uri)
    assert record.storage_uri == "https://acct.blob.core.windows.net/c/db.bacpac"
    assert b"SECRETSIG" not in open(store.path, "rb").read()


def test_cmdlet_shapes_have_the_models_property_order():
    item = record(state="InProgress", percent=45, parameters={"storage_key_type": "StorageAccessKey",
                                                              "admin_user": "dba"})
    assert list(shapes.cmdlet_base(item)) == [
        "ResourceGroupName", "ServerName", "DatabaseName", "StorageKeyType", "StorageKey", "StorageUri",
        "AdministratorLogin", "AdministratorLoginPassword", "AuthenticationType", "OperationStatusLink", "Status",
        "ErrorMessage"]
    base = shapes.cmdlet_base(item)
    assert base["Status"] == "InProgress" and base["StorageKey"] is None and base["AdministratorLoginPassword"] is None
    assert base["AuthenticationType"] == "None"
    assert list(shapes.cmdlet_status(item)) == [
        "OperationStatusLink", "ErrorMessage", "LastModifiedTime", "QueuedTime", "RequestType", "Status",
        "StatusMessage", "PrivateEndpointRequestStatus"]
    assert shapes.cmdlet_status(item)["StatusMessage"] == "Running, Progress = 45.00 %"
    assert list(shapes.cmdlet_activity(item))[:12] == [
        "OperationId", "ServerName", "DatabaseName", "State", "Operation", "ErrorCode", "ErrorMessage",
        "ErrorSeverity", "StartTime", "EndTime", "PercentComplete", "Properties"]
    az = shapes.az_record(item)
    assert {"blobUri", "databaseName", "errorMessage", "id", "lastModifiedTime", "name",
            "privateEndpointConnections", "queuedTime", "requestId", "requestType", "resourceGroup", "serverName",
            "status", "type", "operationStatusLink", "state", "percentComplete"} <= set(az)
    assert az["name"] == az["requestId"] == item.id and az["state"] == "InProgress"


def test_dotnet_time_format():
    import calendar
    moment = calendar.timegm((2016, 4, 15, 22, 16, 14))
    assert shapes.dotnet(moment) == "4/15/2016 10:16:14 PM"
    assert shapes.dotnet(calendar.timegm((2016, 4, 15, 0, 5, 0))) == "4/15/2016 12:05:00 AM"


def test_dead_worker_is_reported_failed(store):
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    item = record(state="InProgress", worker_pid=process.pid, heartbeat=time.time())
    store.create(item)
    checked = check_liveness(store, store.get(item.id))
    assert checked.state == "Failed" and "ended without finishing" in checked.error_message
    assert status(checked) == "Failed"


def test_silent_worker_is_reported_failed(store):
    item = record(state="InProgress", worker_pid=os.getpid(), heartbeat=time.time() - 60)
    store.create(item)
    # our own pid is alive, but its command line does not name the operation: a reused pid
    assert check_liveness(store, store.get(item.id)).state == "Failed"


def test_worker_that_never_started_is_reported_failed(store):
    item = record(state="Pending", queued_time=time.time() - 120)
    store.create(item)
    assert "never started" in check_liveness(store, store.get(item.id)).error_message


def test_a_live_silent_worker_is_not_responding_and_a_reused_pid_is_dead(store):
    from azext_bacpac.operations.status import status_message
    from azext_bacpac.processes import process_start_time
    item = record(state="InProgress", heartbeat=time.time() - 60)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time, sys; time.sleep(30)", item.id])
    try:
        item.worker_pid, item.worker_start = sleeper.pid, process_start_time(sleeper.pid)
        store.create(item)
        checked = check_liveness(store, store.get(item.id))
        assert checked.state == "InProgress" and "not responding" in status_message(checked)
        store.update(item.id, worker_start=str(int(item.worker_start) - 1))     # same pid, another process
        assert check_liveness(store, store.get(item.id)).state == "Failed"
    finally:
        sleeper.kill()
        sleeper.wait()
