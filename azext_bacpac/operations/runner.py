"""Submitting, waiting for and cancelling operations: what the CLI calls."""
import json
import os
import subprocess
import sys
import threading
import time

from ..errors import ConflictError, NotFoundError
from ..redaction import strip_uri
from .identity import target_identity
from .status import check_liveness
from .store import OperationRecord, OperationStore, new_operation_id

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def submit(store, request, server, database, storage_uri, secrets=None, resource_group=None):
    """Record a new operation for `request` (requests.ExportRequest / ImportRequest) and start its
    detached worker; returns the record at once."""
    secrets = dict(secrets or {})
    clean_uri = strip_uri(storage_uri)
    if clean_uri != storage_uri:
        secrets["storage_uri"] = storage_uri
    record = OperationRecord(id=new_operation_id(), request_type=request.request_type, server=server,
                             database=database,
                             storage_uri=clean_uri, resource_group=resource_group,
                             target=target_identity(server, database),
                             parameters={"request": request.as_record(), **_public(request)})
    busy = store.create(record)
    while busy is not None and not check_liveness(store, busy).is_active:
        busy = store.create(record)         # the one in the way had died: it is Failed now, go ahead
    if busy is not None:
        raise ConflictError(
            f"an {busy.request_type.lower()} (operation {busy.id}) is already in progress on database "
            f"'{database}' of server '{server}'; wait for it (az sql db bacpac wait --operation-id {busy.id}) "
            f"or cancel it (az sql db bacpac cancel --operation-id {busy.id})")
    pid = _spawn_worker(store, record.id, secrets)
    store.update(record.id, only_if_active=True, worker_pid=pid)
    return store.get(record.id)


def _public(request):
    """Request parameters shown in output shapes (none of them is a secret)."""
    return {"storage_key_type": request.storage_key_type, "admin_user": request.admin_user,
            "auth_type": request.auth_type}


def _spawn_worker(store, operation_id, secrets):
    log_folder = os.path.join(os.path.dirname(store.path), "logs")
    os.makedirs(log_folder, mode=0o700, exist_ok=True)
    log_path = os.path.join(log_folder, f"{operation_id}.log")
    # The worker gets its secrets on stdin only: drop the ones az itself may have read from the environment.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AZEXT_BACPAC_")}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_ROOT, environment.get("PYTHONPATH")]))
    descriptor = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "azext_bacpac.operations.worker", "--operation-id", operation_id,
             "--store", store.path],
            stdin=subprocess.PIPE, stdout=log, stderr=log, start_new_session=True, close_fds=True,
            env=environment)
    process.stdin.write(json.dumps(secrets).encode())
    process.stdin.close()
    # Reap the worker if it ends while this process still runs (no zombie); it outlives us otherwise.
    threading.Thread(target=process.wait, daemon=True).start()
    return process.pid


def get(store, operation_id):
    record = store.get(operation_id)
    if record is None:
        raise NotFoundError(f"operation '{operation_id}' was not found (operations are kept in {store.path})")
    return check_liveness(store, record)


def wait(store, operation_id, timeout=None, interval=1.0, on_update=None):
    """Poll until the operation ends; returns the final record, or raises TimeoutError."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        record = get(store, operation_id)
        if on_update is not None:
            on_update(record)
        if not record.is_active:
            return record
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError(record)
        time.sleep(interval if deadline is None else max(0.0, min(interval, deadline - time.monotonic())))


def cancel(store, operation_id, settle_seconds=10.0):
    """Ask the worker to stop; returns the record once Cancelled (or still CancelInProgress)."""
    record = get(store, operation_id)
    if not record.is_active:
        return record
    store.update(operation_id, only_if_active=True, cancel_requested=1, state="CancelInProgress")
    try:
        return wait(store, operation_id, timeout=settle_seconds, interval=0.2)
    except TimeoutError as pending:
        return pending.args[0]


def list_operations(store, server=None, database=None, active_only=False):
    records = [check_liveness(store, r) for r in store.list(server, database, active_only)]
    return [r for r in records if r.is_active] if active_only else records


def open_store():
    from .store import default_store_path
    return OperationStore(default_store_path())
