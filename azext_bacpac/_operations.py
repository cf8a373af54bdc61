"""The CLI side of operations: submit, follow with a progress bar, shape, and fail with the right code.

custom.py stays thin: it hands requests here; this module talks to operations/ (records, worker,
wait, cancel) and turns records into output shapes or azclierrors.
"""

import time

from knack.log import get_logger

from azext_bacpac._errors import az_error, one_line, to_azclierror
from azext_bacpac.redaction import scrub
from azext_bacpac._progress import make_progress

logger = get_logger(__name__)

SHAPES = ['az', 'cmdlet']
WAIT_TIMEOUT_EXIT_CODE = 124     # as timeout(1): "timed out, still running", apart from 1 (Failed, Cancelled)


def exit_with(error, exit_code):
    """Print an azclierror as az does, and end with an exit code az's error classes cannot give."""
    error.print_error()
    error.send_telemetry()
    raise SystemExit(exit_code)


def open_store(cmd):
    from azext_bacpac.operations.store import OperationStore, default_store_path
    del cmd     # not under AZURE_CONFIG_DIR: an operation outlives a CI step's config folder
    from azext_bacpac._errors import translated_errors
    with translated_errors():
        store = OperationStore(default_store_path())
    if store.set_aside:
        logger.warning('The operation store %s was damaged: it was kept as %s, and a new one was started.',
                       store.path, store.set_aside)
    return store


def operation_id_of(operation_status_link=None, operation_id=None):
    """The GUID from --operation-status-link or --operation-id (exactly one of them)."""
    from azure.cli.core.azclierror import MutuallyExclusiveArgumentError, RequiredArgumentMissingError
    from azext_bacpac.operations.link import operation_id_from_link, parse_operation_id
    from azext_bacpac._errors import translated_errors
    if operation_status_link and operation_id:
        raise MutuallyExclusiveArgumentError('Give --operation-status-link or --operation-id, not both.')
    if not operation_status_link and not operation_id:
        exit_with(RequiredArgumentMissingError('Give --operation-status-link or --operation-id.',
                                               'List operations with `az sql db bacpac list`.'), 2)
    with translated_errors():
        if operation_status_link:
            return operation_id_from_link(operation_status_link)
        return parse_operation_id(operation_id)


def get_record(store, operation_id):
    from azext_bacpac._errors import translated_errors
    from azext_bacpac.operations import runner
    with translated_errors():
        return runner.get(store, operation_id)


def shape(record, output_shape, kind):
    """kind: 'submitted' (export/import with --no-wait), 'record' (export/import done, show), 'activity'."""
    from azext_bacpac.operations import shapes
    if output_shape == 'cmdlet':
        if kind == 'submitted':
            return shapes.cmdlet_base(record, submitted=True)
        if kind == 'record':
            return shapes.cmdlet_status(record)
        return shapes.cmdlet_activity(record)
    if kind == 'activity':
        return shapes.az_activity(record)
    return shapes.az_record(record)


def submit(cmd, request, *, server, database, storage_uri, resource_group, secrets, no_wait, output_shape,
           hints=None):
    """Start the operation's worker; with no_wait return the record at once, else follow it to its end."""
    from azext_bacpac._errors import translated_errors
    from azext_bacpac.operations import runner
    store = open_store(cmd)
    secret_values = [v for v in secrets.values() if v]
    with translated_errors(secret_values):
        record = runner.submit(store, request, server, database, storage_uri,
                               secrets={k: v for k, v in secrets.items() if v is not None},
                               resource_group=resource_group)
    if no_wait:
        return shape(record, output_shape, 'submitted')
    final = follow(cmd, store, record.id, request.request_type)
    raise_for_failure(final, secret_values, hints)
    for warning in (final.summary or {}).get('warnings') or []:
        logger.warning('%s', warning)
    for item in (final.summary or {}).get('notCreated') or []:      # named with --verbose
        logger.info('not created: %s %s (%s)', item.get('kind'), item.get('name'), item.get('reason'))
    if output_shape == 'cmdlet':
        from azext_bacpac.operations import shapes
        return shapes.cmdlet_base(final, submitted=False)
    return shape(final, output_shape, 'record')


def follow(cmd, store, operation_id, verb, timeout=None, interval=0.25):
    """Wait for the end of an operation with a progress bar on stderr. Ctrl-C stops waiting only."""
    from azure.cli.core.azclierror import ManualInterrupt
    from azext_bacpac.operations import runner
    from azext_bacpac.operations.store_health import StoreError
    progress = make_progress(cmd.cli_ctx, {'Export': 'Exporting', 'Import': 'Importing'}.get(verb, verb))
    started = time.monotonic()

    def draw(record):
        progress(progress_event(record, time.monotonic() - started))

    try:
        return runner.wait(store, operation_id, timeout=timeout, interval=interval, on_update=draw)
    except StoreError as error:      # (a TimeoutError goes to the caller as it is)
        raise to_azclierror(error) from None
    except KeyboardInterrupt:
        raise ManualInterrupt(
            'Stopped waiting; operation {} goes on in the background.'.format(operation_id),
            'Follow it with `az sql db bacpac wait --operation-id {0}`, or stop it with '
            '`az sql db bacpac cancel --operation-id {0} --yes`.'.format(operation_id)) from None
    finally:
        progress.close()


PHASES = {  # what each phase of the worker is doing, in the progress line
    ('Export', 'scan'): 'reading the schema and table statistics',
    ('Export', 'data'): 'copying rows', ('Export', 'finish'): 'writing the model and closing the package',
    ('Import', 'scan'): 'reading the package', ('Import', 'schema'): 'creating the tables',
    ('Import', 'data'): 'loading rows', ('Import', 'finish'): 'building indexes and checking constraints',
}


def progress_event(record, elapsed):
    eta = None
    if record.state == 'InProgress' and record.percent and record.percent > 0.5 and record.phase == 'data':
        eta = elapsed * (100.0 - record.percent) / record.percent
    if record.state == 'Pending':
        message = 'Pending'
    else:
        message = PHASES.get((record.request_type, record.phase)) or (
            'cancelling' if record.state == 'CancelInProgress' else None)
    table = record.current_table if record.phase == 'data' else None
    return {'table': table, 'tablesDone': record.tables_done, 'tablesTotal': record.tables_total,
            'rows': record.rows_done, 'bytes': record.bytes_done,
            'percent': record.percent if record.state != 'Pending' else None,
            'eta': eta, 'message': message}


def raise_for_failure(record, secrets=(), hints=None):
    """Raise the azclierror of a Failed or Cancelled record: its error kind decides the class (and code)."""
    if record.state == 'Succeeded':
        return
    from azext_bacpac.errors import ErrorKind
    message = scrub(record.error_message or 'The operation ended {}.'.format(record.state), secrets)
    kind = ErrorKind.CANCELLED if record.state == 'Cancelled' else (record.error_type or ErrorKind.INTERNAL)
    raise az_error(kind, one_line(message), hints)
