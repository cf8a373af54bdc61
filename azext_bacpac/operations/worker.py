"""The detached worker: runs one export or import and keeps its record current.

Started as `python -m azext_bacpac.operations.worker --operation-id <guid> --store <path>`, so an
operator finds it with `ps`. Secrets arrive as one JSON object on standard input, which the parent
closes at once; they are never on the command line, in the store, or in the log.
"""
import argparse
import contextlib
import json
import logging
import os
import sys
import threading
import time
import traceback

from ..errors import OUT_OF_MEMORY, CancelledError, ErrorKind, error_kind
from ..redaction import redact
from .identity import scratch_patterns
from .requests import ExportRequest, Outcome, request_from_record
from ..processes import process_start_time
from .status import HEARTBEAT_SECONDS
from .store import OperationStore
from .store_health import StoreError

PROGRESS_EVERY_SECONDS = 0.25
# The share of the percentage that the rows take; an import's indexes and checks come after them.
DATA_SHARE = {"Export": 98.0, "Import": 80.0}
CANCEL_CHECK_SECONDS = 0.2
logger = logging.getLogger("azext_bacpac.worker")


class _Reporter:
    """Turns pipeline progress events into throttled record updates, and answers 'cancelled?'."""

    def __init__(self, store, operation_id, request_type=None):
        self.store = store
        self.operation_id = operation_id
        self.cancelled = threading.Event()
        self._last = 0.0
        self._last_cancel_check = 0.0
        self._lock = threading.Lock()
        self._finishing = False
        self._table = None
        self.data_share = DATA_SHARE.get(request_type, 99.99)
        self.published = False        # publishing() marked the record Succeeded

    def progress(self, event):
        moment = time.time()
        self._finishing = self._finishing or event.get("phase") == "finish"
        final_table = event.get("tablesDone") == event.get("tablesTotal")
        new_table = event.get("table") != self._table
        if moment - self._last < PROGRESS_EVERY_SECONDS and not final_table and not new_table \
                and event.get("phase") == "data":
            return
        self._table = event.get("table")
        self._last = moment
        with self._lock:
            self._update(heartbeat=moment, percent=_percent(event, self.data_share),
                         current_table=event.get("table"),
                         phase=event.get("phase"),
                         tables_done=event.get("tablesDone", 0), tables_total=event.get("tablesTotal"),
                         rows_done=event.get("rows", 0), bytes_done=event.get("bytes", 0),
                         bytes_total=event.get("bytesTotal"))

    def _update(self, **changes):
        """A progress write that never stops the work: a store gone or locked only costs this update."""
        try:
            self.store.update(self.operation_id, only_if_active=True, **changes)
        except (StoreError, OSError) as error:
            logger.warning("could not update the operation record: %s", error)

    def _record(self):
        try:
            return self.store.get(self.operation_id)
        except (StoreError, OSError) as error:
            logger.warning("could not read the operation record: %s", error)
            return None

    def is_cancelled(self):
        """Asked by the pipeline between batches: a cancel request is seen within ~0.2 s. Once the
        pipeline is finishing, every call reads the record: the last one comes just before the output
        is published, and a record that is already final (or gone) discards the output."""
        if not self.cancelled.is_set():
            moment = time.time()
            if self._finishing or moment - self._last_cancel_check >= CANCEL_CHECK_SECONDS:
                self._last_cancel_check = moment
                record = self._record()
                if record is not None and (record.cancel_requested or not record.is_active):
                    self.cancelled.set()
        return self.cancelled.is_set()

    @contextlib.contextmanager
    def publishing(self):
        """The pipeline publishes its output inside this block, under the store's write lock: only while
        the record is still active (else CancelledError: the output is discarded), and the record is
        Succeeded when the block ends. Nobody can declare the record ended between the check and the
        publication, nor between the publication and its Succeeded."""
        with contextlib.ExitStack() as stack:
            try:
                set_fields, record = stack.enter_context(self.store.locked_record(self.operation_id))
            except (StoreError, OSError) as error:      # a store gone or unwritable never stops the work
                logger.warning("could not lock the operation record (%s): publishing without that check", error)
                set_fields = None
            if set_fields is None:
                yield
                return
            if record is None or not record.is_active or record.cancel_requested:
                self.cancelled.set()
                raise CancelledError("the operation had already ended or was cancelled: its output was discarded")
            yield
            moment = time.time()
            set_fields(state="Succeeded", percent=100.0, finish_time=moment, heartbeat=moment)
            self.published = True

    def beat(self, stop):
        """Heartbeat thread: proves the worker is alive and picks up cancel requests."""
        while not stop.wait(HEARTBEAT_SECONDS / 2):
            with self._lock:
                self._update(heartbeat=time.time())
            record = self._record()
            if record is not None and (record.cancel_requested or not record.is_active):
                self.cancelled.set()


def _percent(event, data_share=99.99):
    """Share done: the data's share of the whole (by bytes when the total is known, else by rows, else by
    tables) scaled to `data_share`; what follows the data (index builds) holds the rest until the end."""
    if event.get("phase") == "finish":
        return data_share
    for done, total in ((event.get("bytes"), event.get("bytesTotal")), (event.get("rows"), event.get("rowsTotal")),
                        (event.get("tablesDone"), event.get("tablesTotal"))):
        if done is not None and total:
            return min(data_share, data_share * done / total)
    return 0.0


def run(store, operation_id, secrets):
    record = store.get(operation_id)
    if record is None:
        return 2
    if record.cancel_requested:
        store.update(operation_id, only_if_active=True, state="Cancelled", finish_time=time.time(),
                     error_message="The operation was cancelled by the user before it started.")
        return 1
    reporter = _Reporter(store, operation_id, record.request_type)
    started = time.time()
    if not store.update(operation_id, only_if_active=True, state="InProgress", start_time=started,
                        heartbeat=started, worker_pid=os.getpid(), worker_start=process_start_time(os.getpid()),
                        scratch=scratch_patterns(record.request_type, record.server, record.database,
                                                 record.storage_uri, os.getpid())):
        return 0      # cancelled before it started
    stop = threading.Event()
    beat = threading.Thread(target=reporter.beat, args=(stop,), daemon=True)
    beat.start()
    try:
        outcome = _outcome_of(lambda: _run_pipeline(record, secrets, reporter))
    finally:
        stop.set()
    outcome = Outcome(outcome.state, outcome.error_kind, redact(outcome.message, secrets),
                      redact(outcome.summary, secrets))
    if reporter.published and outcome.state == "Succeeded":
        # Succeeded since the output was published (under the store's lock); only the summary is left
        store.update(operation_id, summary=outcome.summary)
        return 0
    # A final state stays final: never turn a record that someone already declared ended.
    if not store.update(operation_id, only_if_active=True, finish_time=time.time(), heartbeat=time.time(),
                        **outcome.record_fields()):
        logger.warning("the record was already final; this run's outcome (%s) was not recorded", outcome.state)
        return 1
    return 0 if outcome.state == "Succeeded" else 1


def _run_pipeline(record, secrets, reporter):
    """Call the pipeline with exactly what the record's request and the secrets hold."""
    from .. import pipelines
    from ..engines import engine_class
    request = request_from_record(record.request_type, record.parameters.get("request", {}))
    arguments = request.pipeline_arguments()
    if secrets.get("admin_password") and engine_class(record.server).capabilities.signs_in:
        arguments["engine_options"]["password"] = secrets["admin_password"]
    common = dict(server=record.server, database=record.database, storage_key=secrets.get("storage_key"),
                  storage_uri=secrets.get("storage_uri") or record.storage_uri,
                  progress=reporter.progress, cancel=reporter.is_cancelled, publish=reporter.publishing)
    if isinstance(request, ExportRequest):
        return pipelines.export_database(**common, **arguments)
    return pipelines.import_package(**common, **arguments)


def _outcome_of(work):
    """Run `work` and say how it ended; every failure becomes an Outcome with its error kind."""
    try:
        return Outcome("Succeeded", summary=_jsonable(work()))
    except MemoryError:
        return Outcome("Failed", ErrorKind.OUT_OF_MEMORY, OUT_OF_MEMORY)
    except CancelledError as error:
        return Outcome("Cancelled", ErrorKind.CANCELLED, str(error) or "The operation was cancelled by the user.")
    except Exception as error:     # anything else still ends the record honestly; the log has the trace
        kind = error_kind(error)
        if kind is not None:
            return Outcome("Failed", kind, _one_line(error))
        logger.error("unexpected failure:\n%s", traceback.format_exc())
        return Outcome("Failed", ErrorKind.INTERNAL, f"internal error: {type(error).__name__}: {_one_line(error)}")


def _one_line(error):
    return " ".join(str(error).split()) or type(error).__name__


def _jsonable(value):
    return json.loads(json.dumps(value, default=str)) if value is not None else None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="azext_bacpac.operations.worker")
    parser.add_argument("--operation-id", required=True)
    parser.add_argument("--store", required=True)
    options = parser.parse_args(argv)
    raw = sys.stdin.read() if not sys.stdin.isatty() else ""
    sys.stdin.close()
    secrets = json.loads(raw) if raw.strip() else {}
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    store = OperationStore(options.store)
    return run(store, options.operation_id, secrets)


if __name__ == "__main__":
    sys.exit(main())
