"""A damaged, unwritable or locked operation store gives one line that names the file and the fix, never a
traceback; a damaged one is kept aside (the user's history) and commands go on with a new one."""

import os
import sqlite3
import stat
import subprocess
import sys
import time

import pytest

from azext_bacpac.operations.store import OperationStore

LINK_ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6'


@pytest.fixture
def store_dir(tmp_path, monkeypatch):
    folder = tmp_path / 'ops'
    folder.mkdir()
    monkeypatch.setenv('AZEXT_BACPAC_OPERATIONS_DIR', str(folder))
    return folder


def _one_line_error(result, *words):
    assert 'Traceback' not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith('ERROR:')]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


def _healthy_store_with_history(folder):
    store = OperationStore(str(folder / 'operations.db'))
    from azext_bacpac.operations.store import OperationRecord, new_operation_id
    store.create(OperationRecord(id=new_operation_id(), request_type='Export', server='sqlite:///x', database='d',
                                 storage_uri='x.bacpac', state='Succeeded'))
    return store


@pytest.mark.parametrize('damage', ['garbage', 'truncated', 'header'])
def test_a_damaged_store_is_kept_aside_and_commands_go_on(az, store_dir, sample_db, tmp_path, damage):
    path = store_dir / 'operations.db'
    if damage == 'garbage':
        path.write_bytes(os.urandom(3000))
    else:
        _healthy_store_with_history(store_dir)
        for suffix in ('-wal', '-shm'):
            if os.path.exists(str(path) + suffix):
                os.remove(str(path) + suffix)
        data = path.read_bytes()
        path.write_bytes(data[:1500] if damage == 'truncated' else b'\0' * 100 + data[100:])
    before = path.read_bytes()
    listed = az('sql', 'db', 'bacpac', 'list')
    assert listed.exit_code == 0 and 'Traceback' not in listed.stderr, listed
    assert 'was damaged: it was kept as' in listed.stderr and str(path) in listed.stderr
    (aside,) = [p for p in store_dir.iterdir() if '.damaged-' in p.name and not p.name.endswith(('-wal', '-shm'))]
    assert aside.read_bytes() == before                       # history kept, byte for byte
    server, _, name = sample_db
    exported = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri', tmp_path / 'o.bacpac')
    assert exported.exit_code == 0, exported


def test_a_zero_byte_store_is_simply_new(az, store_dir):
    (store_dir / 'operations.db').write_bytes(b'')
    result = az('sql', 'db', 'bacpac', 'list')
    assert result.exit_code == 0 and result.stdout.strip() == '[]' and 'damaged' not in result.stderr


def test_a_directory_in_the_stores_place(az, store_dir, sample_db, tmp_path):
    (store_dir / 'operations.db').mkdir()
    for args in (('list',), ('show', '--operation-id', LINK_ID)):
        _one_line_error(az('sql', 'db', 'bacpac', *args), 'operations.db', 'is a directory',
                        'AZEXT_BACPAC_OPERATIONS_DIR')
    server, _, name = sample_db
    bacpac = tmp_path / 'o.bacpac'
    result = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri', bacpac)
    assert result.exit_code == 1
    _one_line_error(result, 'is a directory')
    assert not bacpac.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason='root writes read-only files')
def test_a_read_only_store(az, store_dir):
    _healthy_store_with_history(store_dir)
    for name in os.listdir(store_dir):
        os.chmod(store_dir / name, stat.S_IRUSR)
    os.chmod(store_dir, stat.S_IRUSR | stat.S_IXUSR)
    try:
        result = az('sql', 'db', 'bacpac', 'list')
        _one_line_error(result, 'operations.db', 'not writable')
    finally:
        os.chmod(store_dir, stat.S_IRWXU)


def test_a_read_only_store_as_root_too(az, store_dir, monkeypatch, sample_db, tmp_path):
    """Root ignores file modes: make SQLite itself refuse to write, as a read-only mount would. Reading
    history still works; a new export cannot be recorded, and says so in one line."""
    _healthy_store_with_history(store_dir)
    real_connect = sqlite3.connect

    def read_only(path, *args, **kwargs):
        return real_connect('file:{}?mode=ro'.format(path), *args, uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, 'connect', read_only)
    assert az('sql', 'db', 'bacpac', 'list').exit_code == 0
    server, _, name = sample_db
    result = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri', tmp_path / 'o.bacpac')
    assert result.exit_code == 1
    _one_line_error(result, 'operations.db', 'not writable', 'chmod u+w')


def test_a_store_locked_past_the_busy_timeout(az, store_dir, monkeypatch, sample_db, tmp_path):
    _healthy_store_with_history(store_dir)
    monkeypatch.setattr(OperationStore, 'busy_seconds', 0.5)
    holder = subprocess.Popen(
        [sys.executable, '-c', 'import sqlite3, sys, time\n'
         'c = sqlite3.connect(sys.argv[1], isolation_level=None)\n'
         'c.execute("BEGIN EXCLUSIVE"); print("locked", flush=True); time.sleep(60)',
         str(store_dir / 'operations.db')], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'locked'
        started = time.monotonic()
        assert az('sql', 'db', 'bacpac', 'list').exit_code == 0          # WAL: readers are not blocked
        server, _, name = sample_db
        result = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri', tmp_path / 'o.bacpac')
        assert result.exit_code == 1
        _one_line_error(result, 'operations.db', 'locked by another process')
        assert time.monotonic() - started < 20
    finally:
        holder.kill()
        holder.wait()


def test_inspect_needs_no_store(az, store_dir, sample_db, tmp_path):
    server, _, name = sample_db
    assert az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name,
              '--storage-uri', tmp_path / 'o.bacpac').exit_code == 0
    for entry in store_dir.iterdir():
        if entry.is_file():
            entry.unlink()
    (store_dir / 'operations.db').mkdir()
    assert az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', tmp_path / 'o.bacpac').exit_code == 0


def test_out_of_memory_is_one_line_in_az_and_in_the_worker(az, sample_db, tmp_path, monkeypatch):
    server, _, name = sample_db
    bacpac = tmp_path / 'o.bacpac'
    assert az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri', bacpac).exit_code == 0
    from azext_bacpac import pipelines

    def exhausted(*_, **__):
        raise MemoryError()

    monkeypatch.setattr(pipelines, 'inspect_package', exhausted)
    _one_line_error(az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', bacpac), 'out of memory', 'ulimit -v')


def test_out_of_memory_in_a_real_worker_under_ulimit(az, sample_db, tmp_path, monkeypatch):
    """The worker runs under `ulimit -v` (inherited from az): its record ends Failed in one line."""
    import resource
    server, _, name = sample_db
    limit = 1 << 30
    old = resource.getrlimit(resource.RLIMIT_AS)
    sitecustomize = tmp_path / 'limited'
    sitecustomize.mkdir()
    # only the worker gets the limit (this test process must not): it applies it to itself at start,
    # then a 2 GiB request fails as it would under `ulimit -v 1048576`
    (sitecustomize / 'sitecustomize.py').write_text(
        'import os, resource, sys\n'
        'if "--operation-id" in getattr(sys, "argv", []):\n'
        '    resource.setrlimit(resource.RLIMIT_AS, ({0}, {0}))\n'
        '    import azext_bacpac.pipelines as p\n'
        '    real = p.export_database\n'
        '    def export_database(*a, **k):\n'
        '        bytearray(2 << 30)\n'
        '        return real(*a, **k)\n'
        '    p.export_database = export_database\n'.format(limit))
    monkeypatch.setenv('PYTHONPATH', os.pathsep.join(filter(None, [str(sitecustomize), os.environ.get('PYTHONPATH')])))
    assert resource.getrlimit(resource.RLIMIT_AS) == old
    result = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri', tmp_path / 'm.bacpac')
    assert result.exit_code == 1
    _one_line_error(result, 'out of memory', 'ulimit -v')
    assert not (tmp_path / 'm.bacpac').exists()
