"""Operations end to end through the real az parser and real worker processes: --no-wait, show,
wait's exit codes, cancel, a killed worker, and secrets kept out of the command line, store and logs."""

import contextlib
import json
import os
import signal
import sqlite3
import threading
import time

import pytest
from azure.cli.core import azclierror as azerr

from azext_bacpac.operations.store import OperationStore, default_store_path

from .conftest import CONFIG_DIR

PASSWORD = 'Op-Pa55word-never-stored'
KEY = 'b3BlcmF0aW9uLWtleS1uZXZlci1zdG9yZWQ='


@pytest.fixture(scope='module')
def big_folder(tmp_path_factory):
    """A SQLite database large enough that its export takes a few seconds (percent visibly rises)."""
    folder = tmp_path_factory.mktemp('big')
    connection = sqlite3.connect(str(folder / 'big.sqlite'))
    connection.execute('CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, amount REAL, note TEXT)')
    for table in ('a', 'b', 'c'):
        connection.execute('CREATE TABLE {} (id INTEGER PRIMARY KEY, label TEXT)'.format(table))
        connection.executemany('INSERT INTO {} VALUES (?, ?)'.format(table), ((i, 'x' * 20) for i in range(20000)))
    connection.executemany('INSERT INTO events VALUES (?, ?, ?, ?)',
                           ((i, 'kind%d' % (i % 7), i * 0.25, 'note number %d with some text' % i)
                            for i in range(400000)))
    connection.commit()
    connection.close()
    return folder


def server_of(folder):
    return 'sqlite:///' + str(folder)


def show(az, operation_id, *extra):
    result = az('sql', 'db', 'bacpac', 'show', '--operation-id', operation_id, *extra)
    assert result.exit_code == 0, result
    return json.loads(result.stdout)


def start_export(az, folder, target, *extra):
    started = time.monotonic()
    result = az('sql', 'db', 'bacpac', 'export', '-s', server_of(folder), '-n', 'big', '--storage-uri', str(target),
                '--no-wait', *extra)
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result
    return json.loads(result.stdout), elapsed


def wait_until(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError('condition not reached in {} s'.format(seconds))


def running_pid(store, operation_id):
    return wait_until(lambda: (lambda r: r.worker_pid if r.state == 'InProgress' and r.worker_start else None)(
        store.get(operation_id)))


def pause_worker(operation_id):
    """Stop the running worker of an operation with SIGSTOP between two writes to the store (a worker
    stopped inside one holds the store's write lock until it resumes): (store, pid). SIGCONT resumes it."""
    from azext_bacpac.operations.store_health import StoreError
    store = OperationStore(default_store_path())
    pid = running_pid(store, operation_id)
    probe = OperationStore(default_store_path())
    probe.busy_seconds = 0.5
    for _ in range(50):
        os.kill(pid, signal.SIGSTOP)
        try:
            probe.update(operation_id, only_if_active=True)
            return store, pid
        except StoreError:
            os.kill(pid, signal.SIGCONT)
            time.sleep(0.05)
    raise AssertionError('the worker always held the store lock')


@contextlib.contextmanager
def database_held(folder, seconds=1.0):
    """The folder's big.sqlite under an EXCLUSIVE lock for `seconds` (released by a timer): an export's
    worker waits for it (SQLite's busy timeout is 5 s) in its scan phase, so that the operation is
    certainly running, whatever the machine's speed, while the test looks at it."""
    connection = sqlite3.connect(str(folder / 'big.sqlite'), isolation_level=None, check_same_thread=False)
    connection.execute('BEGIN EXCLUSIVE')
    timer = threading.Timer(seconds, lambda: connection.execute('ROLLBACK'))
    timer.start()
    try:
        yield
    finally:
        timer.join()
        connection.close()


def test_no_wait_returns_the_record_at_once_and_show_follows_it_to_succeeded(az, big_folder, tmp_path):
    with database_held(big_folder, 1.5):       # the worker cannot finish: --no-wait must come back anyway
        record, _ = start_export(az, big_folder, tmp_path / 'big.bacpac')
        assert record['state'] == 'InProgress' and record['status'] in ('Pending', 'Running, Progress = 0.00 %')
        link = record['operationStatusLink']
        running_now = wait_until(lambda: (lambda r: r if r['status'].startswith('Running') else None)(
            json.loads(az('sql', 'db', 'bacpac', 'show', '--operation-status-link', link).stdout)))
    assert link.split('/')[-1] == record['name'] and not link.startswith('https://management.azure.com')
    seen = [(running_now['state'], running_now['percentComplete'], running_now['status'])]
    while True:
        current = json.loads(az('sql', 'db', 'bacpac', 'show', '--operation-status-link', link).stdout)
        seen.append((current['state'], current['percentComplete'], current['status']))
        if current['state'] != 'InProgress':
            break
        time.sleep(0.05)
    assert seen[-1] == ('Succeeded', 100, 'Completed')
    running = [(p, s) for state, p, s in seen if state == 'InProgress' and s.startswith('Running')]
    assert running, seen
    percents = [p for p, _ in running]
    assert percents == sorted(percents) and max(percents) < 100, percents
    assert all(s == 'Running, Progress = {:.2f} %'.format(p) for p, s in running)
    assert (tmp_path / 'big.bacpac').is_file()
    inspected = json.loads(az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', str(tmp_path / 'big.bacpac')).stdout)
    assert inspected['totals']['rows'] == 460000


def test_cmdlet_shapes_through_the_cli(az, big_folder, tmp_path):
    submitted, _ = start_export(az, big_folder, tmp_path / 'c.bacpac', '--output-shape', 'cmdlet')
    # az's JSON output sorts keys; the model's property order is the shape's (tests/operations) and the
    # PowerShell bridge restores it
    assert sorted(submitted) == sorted(['ResourceGroupName', 'ServerName', 'DatabaseName', 'StorageKeyType', 'StorageKey',
                               'StorageUri', 'AdministratorLogin', 'AdministratorLoginPassword',
                               'AuthenticationType', 'OperationStatusLink', 'Status', 'ErrorMessage'])
    assert submitted['Status'] == 'InProgress'
    link = submitted['OperationStatusLink']
    assert az('sql', 'db', 'bacpac', 'wait', '--link', link).exit_code == 0
    status = json.loads(az('sql', 'db', 'bacpac', 'show', '--link', link, '--output-shape', 'cmdlet').stdout)
    assert status['Status'] == 'Succeeded' and status['StatusMessage'] == 'Completed'
    assert status['RequestType'] == 'Export' and status['OperationStatusLink'] == link
    activities = json.loads(az('sql', 'db', 'bacpac', 'list', '-s', server_of(big_folder), '--output-shape',
                               'cmdlet').stdout)
    assert link.split('/')[-1] in [a['OperationId'] for a in activities]
    assert all(a['Operation'] == 'ExportDatabase' for a in activities)


def test_cancel_mid_way_ends_cancelled_with_no_output_file(az, big_folder, tmp_path):
    target = tmp_path / 'cancelled.bacpac'
    record, _ = start_export(az, big_folder, target)
    _, pid = pause_worker(record['name'])        # mid-way, however fast the export is
    try:
        result = az('sql', 'db', 'bacpac', 'cancel', '--operation-id', record['name'], '--yes')
    finally:
        os.kill(pid, signal.SIGCONT)
    assert result.exit_code == 0, result
    (activity,) = json.loads(result.stdout)
    assert activity['state'] in ('Cancelled', 'CancelInProgress')
    final = wait_until(lambda: (lambda r: r if r['state'] != 'InProgress' else None)(show(az, record['name'])))
    assert final['state'] == 'Cancelled'
    waited = az('sql', 'db', 'bacpac', 'wait', '--operation-id', record['name'])
    assert waited.exit_code == 1 and isinstance(waited.error, azerr.ManualInterrupt)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == []       # no temporary file left either


def test_killed_worker_is_reported_failed(az, big_folder, tmp_path):
    target = tmp_path / 'killed.bacpac'
    record, _ = start_export(az, big_folder, target)
    from azext_bacpac.operations.store import OperationStore, default_store_path
    store = OperationStore(default_store_path())
    pid = wait_until(lambda: (lambda r: r.worker_pid if r.state == 'InProgress' else None)(store.get(record['name'])))
    os.kill(pid, signal.SIGKILL)
    final = wait_until(lambda: (lambda r: r if r['state'] != 'InProgress' else None)(show(az, record['name'])), 30)
    assert final['state'] == 'Failed' and 'worker process' in final['errorMessage']
    waited = az('sql', 'db', 'bacpac', 'wait', '--operation-id', record['name'])
    assert waited.exit_code == 1
    assert not target.exists()


def test_wait_exit_codes(az, big_folder, tmp_path):
    ok, _ = start_export(az, big_folder, tmp_path / 'ok.bacpac')
    _, pid = pause_worker(ok['name'])             # still running when the wait gives up
    try:
        timed_out = az('sql', 'db', 'bacpac', 'wait', '--operation-id', ok['name'], '--timeout', '0',
                       '--interval', '0.1')
    finally:
        os.kill(pid, signal.SIGCONT)
    assert timed_out.exit_code == 124 and 'Timed out' in timed_out.stderr and 'It goes on' in timed_out.stderr
    assert az('sql', 'db', 'bacpac', 'wait', '--operation-id', ok['name']).exit_code == 0
    # a failed operation: the same file again, without --overwrite
    failed, _ = start_export(az, big_folder, tmp_path / 'ok.bacpac')
    waited = az('sql', 'db', 'bacpac', 'wait', '--operation-id', failed['name'])
    assert waited.exit_code == 1 and isinstance(waited.error, azerr.ValidationError)
    assert show(az, failed['name'])['state'] == 'Failed'
    # a failed operation whose error is "not found": wait exits 3, as the export itself would
    missing = az('sql', 'db', 'bacpac', 'export', '-s', server_of(big_folder), '-n', 'nope',
                 '--storage-uri', str(tmp_path / 'nope.bacpac'), '--no-wait')
    waited = az('sql', 'db', 'bacpac', 'wait', '--operation-id', json.loads(missing.stdout)['name'])
    assert waited.exit_code == 3
    unknown = az('sql', 'db', 'bacpac', 'wait', '--operation-id', '3fa85f64-5717-4562-b3fc-2c963f66afa6')
    assert unknown.exit_code == 3


def test_show_unknown_and_bad_arguments(az):
    assert az('sql', 'db', 'bacpac', 'show', '--operation-id', '3fa85f64-5717-4562-b3fc-2c963f66afa6').exit_code == 3
    bad = az('sql', 'db', 'bacpac', 'show', '--operation-id', 'not-a-guid')
    assert bad.exit_code == 1 and isinstance(bad.error, azerr.InvalidArgumentValueError)
    for command in ('show', 'wait'):
        neither = az('sql', 'db', 'bacpac', command)
        assert neither.exit_code == 2 and 'Give --operation-status-link or --operation-id' in neither.stderr
    pool = az('sql', 'db', 'bacpac', 'cancel', '--operation-id', '3fa85f64-5717-4562-b3fc-2c963f66afa6',
              '--elastic-pool', 'p', '--yes')
    assert pool.exit_code == 1
    assert 'Azure Sql Database Elastic Pool name cannot be specified for this operation' in pool.stderr


def test_second_operation_on_the_same_database_is_a_conflict(az, big_folder, tmp_path):
    first, _ = start_export(az, big_folder, tmp_path / 'one.bacpac')
    _, pid = pause_worker(first['name'])          # still running while the second one is tried
    try:
        second = az('sql', 'db', 'bacpac', 'export', '-s', server_of(big_folder), '-n', 'big',
                    '--storage-uri', str(tmp_path / 'two.bacpac'), '--no-wait')
        active = json.loads(az('sql', 'db', 'bacpac', 'list', '--active-only').stdout)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert second.exit_code == 1 and isinstance(second.error, azerr.ValidationError)
    assert first['name'] in second.stderr and 'already in progress' in second.stderr
    assert [a['name'] for a in active] == [first['name']]
    assert az('sql', 'db', 'bacpac', 'wait', '--operation-id', first['name']).exit_code == 0


def test_secrets_never_reach_the_worker_command_line_store_or_logs(az, big_folder, tmp_path, monkeypatch):
    monkeypatch.setenv('AZEXT_BACPAC_ADMIN_PASSWORD', PASSWORD)
    record, _ = start_export(az, big_folder, tmp_path / 's.bacpac', '-u', 'dba', '--storage-key-type',
                             'StorageAccessKey', '--storage-key', KEY)
    from azext_bacpac.operations.store import OperationStore, default_store_path
    store = OperationStore(default_store_path())
    pid = wait_until(lambda: store.get(record['name']).worker_pid)
    with open('/proc/{}/cmdline'.format(pid), 'rb') as handle:
        command_line = handle.read()
    assert b'azext_bacpac' in command_line and record['name'].encode() in command_line
    assert PASSWORD.encode() not in command_line and KEY.encode() not in command_line
    assert az('sql', 'db', 'bacpac', 'wait', '--operation-id', record['name']).exit_code == 0
    folder = os.path.dirname(store.path)
    for root, _, files in os.walk(folder):
        for name in files:
            data = open(os.path.join(root, name), 'rb').read()
            assert PASSWORD.encode() not in data and KEY.encode() not in data, name
    everything = json.dumps([show(az, record['name']), show(az, record['name'], '--output-shape', 'cmdlet')])
    assert PASSWORD not in everything and KEY not in everything


def test_ctrl_c_while_waiting_leaves_the_operation_running(az, monkeypatch):
    from azext_bacpac.operations import runner

    def interrupted(*_, **__):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, 'wait', interrupted)
    monkeypatch.setattr(runner, 'get', lambda store, operation_id: type('R', (), {'request_type': 'Export'})())
    result = az('sql', 'db', 'bacpac', 'wait', '--operation-id', '3fa85f64-5717-4562-b3fc-2c963f66afa6')
    assert result.exit_code == 1 and isinstance(result.error, azerr.ManualInterrupt)
    assert 'goes on in the background' in result.stderr
    assert 'az sql db bacpac cancel --operation-id 3fa85f64-5717-4562-b3fc-2c963f66afa6' in result.stderr
