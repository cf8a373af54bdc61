"""A final state stays final, a dead worker blocks nothing, and cancel never prompts: through the real
az parser and real worker processes (SIGSTOP/SIGCONT, kill -9)."""

import json
import os
import signal
import time

from azext_bacpac.operations.status import STALE_AFTER_SECONDS
from azext_bacpac.operations.store import OperationStore, default_store_path

from .test_operations import (big_folder, pause_worker, running_pid, server_of, show,  # noqa: F401 (fixture)
                              start_export, wait_until)


def _silence(store, operation_id):
    """What a worker stopped for a while looks like: its last heartbeat long ago."""
    store.update(operation_id, heartbeat=time.time() - 6 * STALE_AFTER_SECONDS)


def _stopped_export(az, folder, target):
    """An export whose worker runs, then is paused (pause_worker): (record, store, pid)."""
    record, _ = start_export(az, folder, target)
    store, pid = pause_worker(record['name'])
    return record, store, pid


def test_a_stopped_worker_is_not_responding_never_failed(az, big_folder, tmp_path):
    target = tmp_path / 'stopped.bacpac'
    record, store, pid = _stopped_export(az, big_folder, target)
    try:
        _silence(store, record['name'])
        shown = show(az, record['name'])
        assert shown['state'] == 'InProgress' and 'not responding' in shown['status'], shown
        assert 'pid {}'.format(pid) in shown['status']
        listed = json.loads(az('sql', 'db', 'bacpac', 'list', '--active-only').stdout)
        assert record['name'] in [entry['name'] for entry in listed]
        waited = az('sql', 'db', 'bacpac', 'wait', '--operation-id', record['name'], '--timeout', '1',
                    '--interval', '0.2')
        assert waited.exit_code == 124 and 'not responding' in waited.stderr
    finally:
        os.kill(pid, signal.SIGCONT)
    assert az('sql', 'db', 'bacpac', 'wait', '--operation-id', record['name'], '--interval', '0.2').exit_code == 0
    assert show(az, record['name'])['state'] == 'Succeeded' and target.is_file()


def test_a_worker_never_publishes_over_a_final_record(az, big_folder, tmp_path):
    target = tmp_path / 'late.bacpac'
    record, store, pid = _stopped_export(az, big_folder, target)
    try:        # someone (an older az, an operator) declared it Failed while the worker was stopped
        store.update(record['name'], state='Failed', error_message='declared failed while stopped')
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_until(lambda: not os.path.exists('/proc/{}'.format(pid)) or
               open('/proc/{}/stat'.format(pid)).read().split(') ')[1][0] == 'Z', 60)
    final = show(az, record['name'])
    assert final['state'] == 'Failed' and final['errorMessage'] == 'declared failed while stopped'
    assert not target.exists() and list(tmp_path.iterdir()) == []      # its output was discarded


def test_a_killed_worker_does_not_block_a_retry(az, big_folder, tmp_path):
    record, _ = start_export(az, big_folder, tmp_path / 'killed.bacpac')
    store = OperationStore(default_store_path())
    os.kill(running_pid(store, record['name']), signal.SIGKILL)
    time.sleep(0.3)
    # nobody ran show or list: the retry itself finds the first worker dead
    retry = az('sql', 'db', 'bacpac', 'export', '-s', server_of(big_folder), '-n', 'big',
               '--storage-uri', str(tmp_path / 'retry.bacpac'), '--no-wait')
    assert retry.exit_code == 0, retry
    assert store.get(record['name']).state == 'Failed'
    assert az('sql', 'db', 'bacpac', 'wait', '--operation-id', json.loads(retry.stdout)['name']).exit_code == 0


def test_cancel_never_prompts_and_says_when_nothing_was_cancelled(az, big_folder, tmp_path):
    record, _ = start_export(az, big_folder, tmp_path / 'c.bacpac')
    _, pid = pause_worker(record['name'])         # running, whatever the machine's speed
    try:
        cancelled = az('sql', 'db', 'bacpac', 'cancel', '--operation-id', record['name'])      # no --yes, no tty
    finally:
        os.kill(pid, signal.SIGCONT)
    assert cancelled.exit_code == 0, cancelled
    assert json.loads(cancelled.stdout)[0]['state'] in ('Cancelled', 'CancelInProgress')
    wait_until(lambda: show(az, record['name'])['state'] == 'Cancelled')
    done, _ = start_export(az, big_folder, tmp_path / 'done.bacpac')
    assert az('sql', 'db', 'bacpac', 'wait', '--operation-id', done['name']).exit_code == 0
    again = az('sql', 'db', 'bacpac', 'cancel', '--operation-id', done['name'], '--yes')
    assert again.exit_code == 0 and json.loads(again.stdout)[0]['state'] == 'Succeeded'
    assert 'already ended Succeeded: nothing was cancelled' in again.stderr
    assert (tmp_path / 'done.bacpac').is_file()


def test_a_killed_export_leaves_nothing_behind(az, big_folder, tmp_path):
    target = tmp_path / 'killed.bacpac'
    record, _ = start_export(az, big_folder, target)
    store = OperationStore(default_store_path())
    pid = running_pid(store, record['name'])
    partial = wait_until(lambda: list(tmp_path.glob('.killed.bacpac.{}-*.partial'.format(pid))))
    os.kill(pid, signal.SIGKILL)
    final = wait_until(lambda: (lambda r: r if r['state'] != 'InProgress' else None)(show(az, record['name'])), 30)
    assert final['state'] == 'Failed' and 'Removed what it was writing: ' + partial[0].name in final['errorMessage']
    assert list(tmp_path.iterdir()) == []


def test_a_killed_import_leaves_nothing_behind(az, big_folder, tmp_path):
    package = tmp_path / 'big.bacpac'
    assert az('sql', 'db', 'bacpac', 'export', '-s', server_of(big_folder), '-n', 'big',
              '--storage-uri', package).exit_code == 0
    target = tmp_path / 'target'
    target.mkdir()
    started = az('sql', 'db', 'bacpac', 'import', '-s', server_of(target), '-n', 'copy', '--storage-uri', package,
                 '--no-wait')
    record = json.loads(started.stdout)
    store = OperationStore(default_store_path())
    pid = running_pid(store, record['name'])
    building = wait_until(lambda: list(target.glob('.copy.sqlite.importing-{}'.format(pid))))
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)
    final = show(az, record['name'])
    assert final['state'] == 'Failed' and building[0].name in final['errorMessage']
    assert list(target.iterdir()) == []


def test_one_database_one_operation_whatever_its_spelling(az, big_folder, tmp_path, monkeypatch):
    monkeypatch.chdir(big_folder.parent)
    link = tmp_path / 'link'
    link.symlink_to(big_folder)
    first, _ = start_export(az, big_folder, tmp_path / 'one.bacpac')
    _, pid = pause_worker(first['name'])          # still running while the others are tried
    try:
        for spelling in ('sqlite:///' + big_folder.name, 'sqlite:///./' + big_folder.name, 'sqlite:///' + str(link)):
            second = az('sql', 'db', 'bacpac', 'export', '-s', spelling, '-n', 'big',
                        '--storage-uri', str(tmp_path / 'two.bacpac'), '--no-wait')
            assert second.exit_code == 1 and first['name'] in second.stderr, (spelling, second)
        other = az('sql', 'db', 'bacpac', 'export', '-s', 'sqlite:///' + big_folder.name, '-n', 'other',
                   '--storage-uri', str(tmp_path / 'other.bacpac'), '--no-wait')
        assert first['name'] not in other.stderr      # another database of the folder is another target
    finally:
        os.kill(pid, signal.SIGCONT)
        assert az('sql', 'db', 'bacpac', 'wait', '--operation-id', first['name']).exit_code == 0


def test_sql_server_identity_ignores_case_and_the_default_port():
    from azext_bacpac.operations.identity import target_identity
    assert target_identity('Db.Example.COM', 'Sales') == target_identity('tcp:db.example.com,1433', 'sales')
    assert target_identity('db.example.com,1434', 'sales') != target_identity('db.example.com', 'sales')
