"""az sql db bacpac against Azure Blob Storage (Azurite on 127.0.0.1), through the real az parser and
real worker processes: export to and import from a blob with an account key and with a SAS, a
byte-identical round trip, a read-only SAS refused with no blob left, a cancelled export leaving no
blob, and blob-name errors."""

import datetime
import json
import os
import signal
import sqlite3
import time

import pytest
from azure.cli.core import azclierror as azerr

import compare_dbs   # scripts/, put on sys.path by tests/cli/conftest.py

from tests.storage.azurite import ACCOUNT, ACCOUNT_KEY, azurite  # noqa: F401  (pytest fixture)

from .test_liveness import pause_worker

UTC = datetime.timezone.utc


def sas(container, **permissions):
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas
    return generate_container_sas(ACCOUNT, container, account_key=ACCOUNT_KEY,
                                  permission=ContainerSasPermissions(**permissions),
                                  expiry=datetime.datetime.now(UTC) + datetime.timedelta(hours=1))


def blobs(server, container):
    with server.service() as service:
        return sorted(b.name for b in service.get_container_client(container).list_blobs())


def blob_bytes(server, container, name):
    with server.service() as service:
        return service.get_blob_client(container, name).download_blob().readall()


@pytest.fixture
def secrets_env(monkeypatch):
    """Keys reach az through the environment, never the command line."""
    def use(key):
        monkeypatch.setenv('AZEXT_BACPAC_STORAGE_KEY', key)
    return use


def test_export_and_import_with_the_account_key(az, sample_db, azurite, secrets_env, tmp_path):
    server, folder, name = sample_db
    container = azurite.new_container()
    url = azurite.url(container, 'sales.bacpac')
    secrets_env(ACCOUNT_KEY)
    exported = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri', url,
                  '--storage-key-type', 'StorageAccessKey')
    assert exported.exit_code == 0, exported
    assert blobs(azurite, container) == ['sales.bacpac']
    assert ACCOUNT_KEY not in exported.stdout + exported.stderr
    inspected = json.loads(az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', url,
                              '--storage-key-type', 'StorageAccessKey').stdout)
    assert inspected['checksum']['verified'] is True
    imported = az('sql', 'db', 'bacpac', 'import', '-s', server, '-n', 'copy', '--storage-uri', url,
                  '--storage-key-type', 'StorageAccessKey')
    assert imported.exit_code == 0, imported
    problems, _ = compare_dbs.compare(str(folder / (name + '.sqlite')), str(folder / 'copy.sqlite'))
    assert problems == []
    again = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', 'copy', '--storage-uri', url,
               '--storage-key-type', 'StorageAccessKey')
    assert again.exit_code == 1 and isinstance(again.error, azerr.ValidationError)
    assert '--overwrite' in again.stderr


def test_sas_round_trip_is_byte_identical_for_the_data(az, sample_db, azurite, secrets_env):
    server, folder, name = sample_db
    container = azurite.new_container()
    token = sas(container, read=True, write=True, create=True, list=True)
    first, second = azurite.url(container, 'one.bacpac'), azurite.url(container, 'two.bacpac')
    secrets_env(token)
    for args in (('export', '-s', server, '-n', name, '--storage-uri', first),
                 ('import', '-s', server, '-n', 'via_sas', '--storage-uri', first),
                 ('export', '-s', server, '-n', 'via_sas', '--storage-uri', second)):
        result = az('sql', 'db', 'bacpac', *args, '--storage-key-type', 'SharedAccessKey')
        assert result.exit_code == 0, result
        assert token not in result.stdout + result.stderr
    import io
    from azext_bacpac.format import PackageReader
    with PackageReader(io.BytesIO(blob_bytes(azurite, container, 'one.bacpac'))) as one, \
            PackageReader(io.BytesIO(blob_bytes(azurite, container, 'two.bacpac'))) as two:
        assert one.model_bytes == two.model_bytes
        for table in one.tables:
            original = b''.join(b''.join(chunks) for _, chunks in one.raw_parts(table))
            copied = b''.join(b''.join(chunks) for _, chunks in two.raw_parts(two.table(table.schema, table.name)))
            assert copied == original, table.full_name


def test_read_only_sas_is_refused_for_export_and_leaves_no_blob(az, sample_db, azurite, secrets_env):
    server, _, name = sample_db
    container = azurite.new_container()
    secrets_env(sas(container, read=True, list=True))
    result = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri',
                azurite.url(container, 'ro.bacpac'), '--storage-key-type', 'SharedAccessKey')
    assert result.exit_code == 1
    assert 'does not allow writing' in result.stderr
    assert 'sig=' not in result.stderr
    assert blobs(azurite, container) == []


def test_cancelled_blob_export_leaves_no_blob(az, azurite, secrets_env, tmp_path):
    folder = tmp_path / 'big'
    folder.mkdir()
    connection = sqlite3.connect(str(folder / 'big.sqlite'))
    connection.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)')
    connection.executemany('INSERT INTO t VALUES (?, ?)', ((i, 'row %d of a table to cancel' % i)
                                                           for i in range(1200000)))
    connection.commit()
    connection.close()
    container = azurite.new_container()
    secrets_env(ACCOUNT_KEY)
    started = az('sql', 'db', 'bacpac', 'export', '-s', 'sqlite:///' + str(folder), '-n', 'big', '--storage-uri',
                 azurite.url(container, 'big.bacpac'), '--storage-key-type', 'StorageAccessKey', '--no-wait')
    assert started.exit_code == 0, started
    operation = json.loads(started.stdout)['name']
    # Cancel while the worker runs: it is paused (SIGSTOP) so that the cancel lands mid-way however fast
    # the export is, and resumed; the cancel must stop it before it commits the blob.
    _, pid = pause_worker(operation)
    try:
        assert az('sql', 'db', 'bacpac', 'cancel', '--operation-id', operation, '--yes').exit_code == 0
    finally:
        os.kill(pid, signal.SIGCONT)
    assert az('sql', 'db', 'bacpac', 'wait', '--operation-id', operation).exit_code == 1
    assert json.loads(az('sql', 'db', 'bacpac', 'show', '--operation-id', operation).stdout)['state'] == 'Cancelled'
    assert blobs(azurite, container) == []


def _export_to_blob(az, sample_db, azurite, secrets_env, blob_name):
    server, _, name = sample_db
    container = azurite.new_container()
    secrets_env(ACCOUNT_KEY)
    from urllib.parse import quote
    return container, az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri',
                         azurite.url(container, quote(blob_name)), '--storage-key-type', 'StorageAccessKey')


@pytest.mark.parametrize('blob_name, words', [
    ('shop sas.bacpac', 'a space'), ('shop_2024-01-01T10:00.bacpac', "':'"), ('backups/2024/a*b.bacpac', "'*'"),
    ('x' * 130, '130 characters'),
])
def test_names_azure_blob_accepts_export_with_a_warning(az, sample_db, azurite, secrets_env, blob_name, words):
    container, result = _export_to_blob(az, sample_db, azurite, secrets_env, blob_name)
    assert result.exit_code == 0, result
    warning = [line for line in result.stderr.splitlines() if 'Import/Export service' in line]
    assert warning and warning[0].startswith('WARNING: ') and words in warning[0]
    assert blobs(azurite, container) == [blob_name]


@pytest.mark.parametrize('blob_name, words', [('ends-with-dot.', "'.'"), ('x' * 1025, '1025')])
def test_blob_name_errors(az, sample_db, azurite, secrets_env, blob_name, words):
    container, result = _export_to_blob(az, sample_db, azurite, secrets_env, blob_name)
    assert result.exit_code == 1, result
    assert words in result.stderr
    assert blobs(azurite, container) == []
