"""The CLI contract through the real az parser, with the pipelines replaced by a recording fake:
what reaches the pipeline, the output shape, exit codes and error classes, and secrets."""

import json
import os
import sys
import types

import pytest
from azure.cli.core import azclierror as azerr

import azext_bacpac
from azext_bacpac import errors as dom
from azext_bacpac.format import errors as fmt

from .conftest import CONFIG_DIR

SERVER = 'sqlite:///tmp/data'
PASSWORD = 'Pa55-w0rd-never-shown'
KEY = 'c3RvcmFnZS1rZXktbmV2ZXItc2hvd24='


class FakePipelines(types.ModuleType):
    def __init__(self):
        super().__init__('azext_bacpac.pipelines')
        self.calls = []
        self.error = None
        self.warnings = []

    def _record(self, name, args, kwargs):
        self.calls.append((name, args, kwargs))
        progress = kwargs.get('progress')
        if progress is not None:
            progress({'table': '[dbo].[t]', 'tablesDone': 1, 'tablesTotal': 1, 'rows': 2, 'bytes': 10})
        if self.error is not None:
            raise self.error

    # The real pipelines' signatures, keyword for keyword (test_the_fake_has_the_real_signatures):
    # a worker that passed an argument the real function does not take would fail here too.
    def export_database(self, server, database, storage_uri, *, tables=None, exclude_tables=None, overwrite=False,
                        progress=None, cancel=None, compresslevel=None, storage_key_type=None,
                        storage_key=None, workers=None, compressor=None, part_bytes=None, engine_options=None,
                        publish=None):
        self._record('export', (server, database, storage_uri), dict(
            tables=tables, exclude_tables=exclude_tables, overwrite=overwrite, progress=progress, cancel=cancel,
            storage_key_type=storage_key_type, storage_key=storage_key, engine_options=engine_options))
        self._publish(publish)
        return {'server': server, 'database': database, 'storageUri': storage_uri, 'tables': 1, 'rows': 2,
                'bytes': 10, 'packageBytes': 900, 'elapsedSeconds': 0.01, 'warnings': self.warnings,
                'perTable': [{'name': '[dbo].[t]', 'rows': 2, 'bytes': 10}]}

    def import_package(self, storage_uri, server, database, *, tables=None, exclude_tables=None, progress=None,
                       cancel=None, storage_key_type=None, storage_key=None, max_uncompressed_size=None,
                       workers=None, engine_options=None, publish=None):
        self._record('import', (storage_uri, server, database), dict(
            tables=tables, exclude_tables=exclude_tables, progress=progress, cancel=cancel,
            storage_key_type=storage_key_type, storage_key=storage_key, engine_options=engine_options,
            max_uncompressed_size=max_uncompressed_size))
        self._publish(publish)
        return {'server': server, 'database': database, 'storageUri': storage_uri, 'tables': 0, 'rows': 0,
                'warnings': self.warnings, 'perTable': []}

    @staticmethod
    def _publish(publish):
        """As the real pipelines do: the output is published inside the worker's publish block."""
        if publish is not None:
            with publish():
                pass

    def inspect_package(self, storage_uri, *, verify_checksum=True, storage_key_type=None, storage_key=None,
                        max_uncompressed_size=None):
        self._record('inspect', (storage_uri,), dict(verify_checksum=verify_checksum))
        return {'storageUri': storage_uri, 'tables': [{'name': '[dbo].[t]', 'rows': 2, 'dataBytes': 10,
                                                       'compressedBytes': 8, 'parts': 1}],
                'totals': {'tables': 1, 'rows': 2, 'dataBytes': 10, 'compressedBytes': 8, 'parts': 1}}


def test_the_fake_has_the_real_signatures():
    import inspect
    from azext_bacpac import pipelines
    fake = FakePipelines()
    for name in ('export_database', 'import_package', 'inspect_package'):
        real = inspect.signature(getattr(pipelines, name))
        assert inspect.signature(getattr(fake, name)) == real, name


def run_worker_inline(store, operation_id, secrets):
    """Stands in for the detached worker process: runs the same worker code in this process, so that
    the fake pipelines (a module patched into this process) are what it calls."""
    from azext_bacpac.operations import worker
    worker.run(store, operation_id, secrets)
    return os.getpid()


@pytest.fixture
def fake(monkeypatch):
    from azext_bacpac.operations import runner
    fake = FakePipelines()
    monkeypatch.setitem(sys.modules, 'azext_bacpac.pipelines', fake)
    monkeypatch.setattr(azext_bacpac, 'pipelines', fake, raising=False)
    monkeypatch.setattr(runner, '_spawn_worker', run_worker_inline)
    return fake


def test_export_hands_arguments_over_and_shapes_the_result(az, fake):
    result = az('sql', 'db', 'bacpac', 'export', '-g', 'rg', '-s', SERVER, '-n', 'shop',
                '--storage-uri', '/tmp/shop.bacpac', '--tables', 'dbo.Orders', 'Cust*',
                '--exclude-tables', '*Audit*', '--overwrite')
    assert result.exit_code == 0, result
    (name, args, kwargs), = fake.calls
    assert name == 'export' and args == (SERVER, 'shop', '/tmp/shop.bacpac')
    assert kwargs['tables'] == ['dbo.Orders', 'Cust*'] and kwargs['exclude_tables'] == ['*Audit*']
    assert kwargs['overwrite'] is True and callable(kwargs['progress'])
    output = json.loads(result.stdout)
    assert output['status'] == 'Completed' and output['state'] == 'Succeeded'
    assert output['percentComplete'] == 100 and output['requestType'] == 'Export'
    assert output['databaseName'] == 'shop' and output['serverName'] == SERVER
    assert output['resourceGroup'] == 'rg' and output['blobUri'] == '/tmp/shop.bacpac'
    assert output['name'] == output['requestId'] and output['id'].endswith('/' + output['name'])
    assert output['privateEndpointConnections'] == [] and output['errorMessage'] is None
    assert output['summary']['rows'] == 2 and output['summary']['packageBytes'] == 900
    for key in ('lastModifiedTime', 'queuedTime', 'type'):
        assert output[key]


def test_export_defaults(az, fake):
    assert az('sql', 'db', 'bacpac', 'export', '-s', SERVER, '-n', 'shop', '--storage-uri', 'x.bacpac').exit_code == 0
    kwargs = fake.calls[0][2]
    assert kwargs['tables'] is None and kwargs['exclude_tables'] is None and kwargs['overwrite'] is False


def test_import_hands_arguments_over(az, fake):
    result = az('sql', 'db', 'bacpac', 'import', '--server', SERVER, '--name', 'copy',
                '--storage-uri', 'file:///tmp/shop.bacpac', '--exclude-tables', 'dbo.big', 'log*')
    assert result.exit_code == 0, result
    (name, args, kwargs), = fake.calls
    assert name == 'import' and args == ('file:///tmp/shop.bacpac', SERVER, 'copy')
    assert kwargs['tables'] is None and kwargs['exclude_tables'] == ['dbo.big', 'log*']
    output = json.loads(result.stdout)
    assert output['requestType'] == 'Import' and output['status'] == 'Completed'


def test_import_validates_and_ignores_new_database_sizing_for_sqlite(az, fake):
    result = az('sql', 'db', 'bacpac', 'import', '-s', SERVER, '-n', 'copy', '--storage-uri', 'x.bacpac',
                '--edition', 'standard', '--service-objective', 'S0', '--max-size', '10GB')
    assert result.exit_code == 0, result
    assert '--edition, --service-objective, --max-size: not used by the embedded SQLite engine' in result.stderr


@pytest.mark.parametrize('args', [
    ['--edition', 'Gold'], ['--max-size', '10XB'], ['--max-size', '-5'], ['--auth-type', 'Kerberos'],
    ['--storage-key-type', 'Password'],
])
def test_bad_values_are_argument_errors(az, fake, args):
    result = az('sql', 'db', 'bacpac', 'import', '-s', SERVER, '-n', 'copy', '--storage-uri', 'x.bacpac', *args)
    assert result.exit_code == 2
    assert not fake.calls


def test_enums_are_case_insensitive(az, fake):
    result = az('sql', 'db', 'bacpac', 'export', '-s', SERVER, '-n', 'shop', '--storage-uri', 'x.bacpac',
                '-a', 'adpassword', '--storage-key-type', 'sharedaccesskey', '-u', 'admin', '-p', 'x')
    assert result.exit_code == 0, result


@pytest.mark.parametrize('missing', ['--storage-uri', '--server', '--name'])
def test_missing_required_argument_exits_2(az, fake, missing):
    given = {'--storage-uri': 'x.bacpac', '--server': SERVER, '--name': 'shop'}
    del given[missing]
    result = az('sql', 'db', 'bacpac', 'export', *[v for kv in given.items() for v in kv])
    assert result.exit_code == 2
    assert missing in result.stderr
    assert not fake.calls


def test_inspect_needs_only_the_uri(az, fake):
    result = az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', 'x.bacpac')
    assert result.exit_code == 0, result
    assert json.loads(result.stdout)['totals']['rows'] == 2
    assert fake.calls == [('inspect', ('x.bacpac',), {'verify_checksum': True})]
    az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', 'x.bacpac', '--verify-checksum', 'false')
    assert fake.calls[-1][2] == {'verify_checksum': False}


def test_inspect_table_output(az, fake):
    result = az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', 'x.bacpac', '-o', 'table')
    assert result.exit_code == 0, result
    header = result.stdout.splitlines()[0].split()
    assert header == ['Table', 'Rows', 'DataBytes', 'CompressedBytes', 'Parts']
    assert '[dbo].[t]' in result.stdout


def test_export_table_output(az, fake):
    result = az('sql', 'db', 'bacpac', 'export', '-s', SERVER, '-n', 'shop', '--storage-uri', 'x', '-o', 'table')
    assert result.exit_code == 0, result
    assert result.stdout.splitlines()[0].split() == ['Name', 'RequestType', 'Database', 'State',
                                                     'Progress', 'Rows', 'LastModified']
    assert result.stdout.splitlines()[2].split()[1:6] == ['Export', 'shop', 'Succeeded', '100.00', '%']


def test_pipeline_warnings_are_az_warnings(az, fake):
    fake.warnings = ['view [dbo].[v] left out: it reads tables that were not exported']
    result = az('sql', 'db', 'bacpac', 'export', '-s', SERVER, '-n', 'shop', '--storage-uri', 'x')
    assert result.exit_code == 0, result
    assert 'WARNING: view [dbo].[v] left out' in result.stderr


@pytest.mark.parametrize('uri', ['', '   ', 'ftp://host/x.bacpac', 'https://account.blob.core.windows.net',
                                 'sftp://host/x.bacpac'])
def test_bad_storage_uri(az, fake, uri):
    result = az('sql', 'db', 'bacpac', 'export', '-s', SERVER, '-n', 'shop', '--storage-uri', uri)
    assert result.exit_code == 1
    assert isinstance(result.error, azerr.InvalidArgumentValueError)
    assert not fake.calls


@pytest.mark.parametrize('server, name', [('sqlite:', 'shop'), ('sqlite://x', 'shop'), ('   ', 'shop'),
                                          (SERVER, '../escape'), (SERVER, 'a/b'), (SERVER, ' ')])
def test_bad_server_or_name(az, fake, server, name):
    result = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri', 'x.bacpac')
    assert result.exit_code == 1
    assert isinstance(result.error, azerr.InvalidArgumentValueError)
    assert not fake.calls


@pytest.mark.parametrize('error, exit_code, cls', [
    (dom.NotFoundError("database 'shop' does not exist"), 3, azerr.ResourceNotFoundError),
    (dom.ConflictError('the BACPAC exists'), 1, azerr.ValidationError),
    (dom.InvalidInputError('no table matches'), 1, azerr.InvalidArgumentValueError),
    (dom.UnsupportedError('SQL Server is not supported yet'), 1, azerr.ArgumentUsageError),
    (dom.CancelledError('cancelled'), 1, azerr.ManualInterrupt),
    (dom.EngineError('database is locked'), 1, azerr.BadRequestError),
    (fmt.ChecksumMismatchError('model.xml checksum mismatch'), 1, azerr.FileOperationError),
    (FileNotFoundError(2, 'No such file or directory', '/tmp/x.bacpac'), 3, azerr.ResourceNotFoundError),
])
def test_domain_errors_become_azclierrors(az, fake, error, exit_code, cls):
    fake.error = error
    result = az('sql', 'db', 'bacpac', 'export', '-s', SERVER, '-n', 'shop', '--storage-uri', 'x.bacpac')
    assert result.exit_code == exit_code
    assert type(result.error) is cls
    assert 'Traceback' not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith('ERROR:')]
    assert len(errors) == 1 and str(error.args[-1] if isinstance(error, OSError) else error) in errors[0]


def test_conflict_recommends_overwrite(az, fake):
    fake.error = dom.ConflictError('/tmp/x.bacpac exists')
    result = az('sql', 'db', 'bacpac', 'export', '-s', SERVER, '-n', 'shop', '--storage-uri', 'x.bacpac')
    assert result.exit_code == 1 and '--overwrite' in result.stderr


# ------------------------------------------------------------------------------------ secrets

def _assert_secret_absent(result, *secrets):
    for secret in secrets:
        assert secret not in result.stdout, 'secret in stdout'
        assert secret not in result.stderr, 'secret in stderr'
        assert secret not in repr(result.result), 'secret in the result'
    for folder, _, files in os.walk(CONFIG_DIR):       # az's command logs, caches, the operation store
        for name in files:
            with open(os.path.join(folder, name), 'rb') as handle:
                content = handle.read()
            for secret in secrets:
                assert secret.encode() not in content, 'secret in ' + os.path.join(folder, name)


@pytest.mark.parametrize('extra', [[], ['--verbose'], ['--debug']])
def test_secrets_from_environment_never_shown(az, fake, monkeypatch, extra):
    monkeypatch.setenv('AZEXT_BACPAC_ADMIN_PASSWORD', PASSWORD)
    monkeypatch.setenv('AZEXT_BACPAC_STORAGE_KEY', KEY)
    result = az('sql', 'db', 'bacpac', 'export', '-s', SERVER, '-n', 'shop', '-u', 'admin',
                '--storage-key-type', 'StorageAccessKey', '--storage-uri', 'x.bacpac', *extra)
    assert result.exit_code == 0, result
    _assert_secret_absent(result, PASSWORD, KEY)
    if extra == ['--verbose']:
        assert 'taken from the environment variable AZEXT_BACPAC_ADMIN_PASSWORD' in result.stderr
        assert 'not used by the embedded SQLite engine; ignored' in result.stderr


@pytest.mark.parametrize('extra', [[], ['--verbose'], ['--debug']])
def test_secrets_from_files_never_shown(az, fake, tmp_path, extra):
    (tmp_path / 'pw.txt').write_text(PASSWORD + '\n')
    (tmp_path / 'key.txt').write_text(KEY)
    result = az('sql', 'db', 'bacpac', 'import', '-s', SERVER, '-n', 'copy', '-u', 'admin',
                '-p', '@' + str(tmp_path / 'pw.txt'), '--storage-key', '@' + str(tmp_path / 'key.txt'),
                '--storage-uri', 'x.bacpac', *extra)
    assert result.exit_code == 0, result
    _assert_secret_absent(result, PASSWORD, KEY)


def test_secret_from_stdin_never_shown(az, fake):
    result = az('sql', 'db', 'bacpac', 'export', '-s', SERVER, '-n', 'shop', '-p', '@-',
                '--storage-uri', 'x.bacpac', '--debug', stdin=PASSWORD + '\n')
    assert result.exit_code == 0, result
    _assert_secret_absent(result, PASSWORD)


def test_secrets_blanked_from_error_messages(az, fake, monkeypatch):
    monkeypatch.setenv('AZEXT_BACPAC_ADMIN_PASSWORD', PASSWORD)
    fake.error = dom.EngineError('login failed with password {}'.format(PASSWORD))
    result = az('sql', 'db', 'bacpac', 'export', '-s', SERVER, '-n', 'shop', '--storage-uri', 'x.bacpac')
    assert result.exit_code == 1
    _assert_secret_absent(result, PASSWORD)


def test_sas_token_not_in_output(az, fake):
    uri = 'https://acct.blob.core.windows.net/bacpacs/shop.bacpac?sv=2024-01-01&sig=' + KEY
    result = az('sql', 'db', 'bacpac', 'export', '-s', SERVER, '-n', 'shop', '--storage-uri', uri)
    assert result.exit_code == 0, result
    assert fake.calls[0][1][2] == uri           # the pipeline gets the SAS ...
    _assert_secret_absent(result, KEY)           # ... the output does not show it
    assert json.loads(result.stdout)['blobUri'] == 'https://acct.blob.core.windows.net/bacpacs/shop.bacpac'


def test_password_required_for_a_real_server(az, fake, monkeypatch):
    result = az('sql', 'db', 'bacpac', 'export', '-s', 'myserver', '-n', 'shop', '-u', 'admin',
                '--storage-uri', 'x.bacpac')
    assert result.exit_code == 1 and isinstance(result.error, azerr.RequiredArgumentMissingError)
    assert 'AZEXT_BACPAC_ADMIN_PASSWORD' in result.stderr
    monkeypatch.setenv('AZEXT_BACPAC_ADMIN_PASSWORD', PASSWORD)
    result = az('sql', 'db', 'bacpac', 'export', '-s', 'myserver', '-n', 'shop', '-u', 'admin',
                '--storage-uri', 'x.bacpac')
    assert result.exit_code == 0, result
    _assert_secret_absent(result, PASSWORD)


@pytest.mark.parametrize('uri', ['backup:1.bacpac', 'C:\\dumps\\x.bacpac', 'file:///tmp/x.bacpac',
                                 'https://acct.blob.core.windows.net/c/x.bacpac', '~/x.bacpac'])
def test_storage_uri_forms_reach_the_pipeline(az, fake, uri):
    result = az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', uri)
    assert result.exit_code == 0, result
    assert fake.calls[0][1] == (uri,)
