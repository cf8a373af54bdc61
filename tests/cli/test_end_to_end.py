"""export -> inspect -> import on real SQLite files through the real az parser (DummyCli), with
every value compared; table filters; the exit codes and error classes users see."""

import json
import sqlite3
import zipfile

import pytest
from azure.cli.core import azclierror as azerr

from .conftest import table_names

import compare_dbs   # scripts/, put on sys.path by conftest

ALL_TABLES = {'customers', 'products', 'orders', 'order_lines'}


def _counts(path):
    connection = sqlite3.connect(str(path))
    try:
        return {t: connection.execute('SELECT COUNT(*) FROM "{}"'.format(t)).fetchone()[0] for t in ALL_TABLES}
    finally:
        connection.close()


@pytest.fixture
def exported(az, pipelines, sample_db, tmp_path):
    """(server, folder, bacpac path) after a successful export of the sample database."""
    server, folder, name = sample_db
    bacpac = tmp_path / 'sales.bacpac'
    result = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri', bacpac)
    assert result.exit_code == 0, result
    return server, folder, bacpac, json.loads(result.stdout)


def test_export_inspect_import_every_value_equal(az, exported, tmp_path):
    server, folder, bacpac, output = exported
    counts = _counts(folder / 'sales.sqlite')
    assert output['status'] == 'Completed' and output['state'] == 'Succeeded'
    assert output['requestType'] == 'Export' and output['databaseName'] == 'sales'
    assert output['summary']['rows'] == sum(counts.values())
    assert bacpac.is_file() and zipfile.is_zipfile(bacpac)

    result = az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', bacpac)
    assert result.exit_code == 0, result
    inspected = json.loads(result.stdout)
    assert table_names(inspected) == ALL_TABLES
    assert sum(t['rows'] for t in inspected['tables']) == sum(counts.values())

    table = az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', bacpac, '-o', 'table')
    assert table.exit_code == 0, table
    lines = table.stdout.splitlines()
    assert lines[0].split() == ['Table', 'Rows', 'DataBytes', 'CompressedBytes', 'Parts']
    assert len(lines) >= 2 + len(ALL_TABLES)

    result = az('sql', 'db', 'bacpac', 'import', '-s', server, '-n', 'sales_copy', '--storage-uri', bacpac)
    assert result.exit_code == 0, result
    output = json.loads(result.stdout)
    assert output['status'] == 'Completed' and output['requestType'] == 'Import'
    assert output['databaseName'] == 'sales_copy'
    problems, _ = compare_dbs.compare(str(folder / 'sales.sqlite'), str(folder / 'sales_copy.sqlite'))
    assert problems == []


def test_export_with_table_filters(az, pipelines, sample_db, tmp_path):
    server, _, name = sample_db
    bacpac = tmp_path / 'some.bacpac'
    result = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri', bacpac,
                '--tables', 'customers', 'ORDER*', '--exclude-tables', 'dbo.order_lines')
    assert result.exit_code == 0, result
    inspected = json.loads(az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', bacpac).stdout)
    assert table_names(inspected) == {'customers', 'orders'}


def test_import_with_table_filters(az, exported):
    server, folder, bacpac, _ = exported
    result = az('sql', 'db', 'bacpac', 'import', '-s', server, '-n', 'only_products', '--storage-uri', bacpac,
                '--tables', 'dbo.products')
    assert result.exit_code == 0, result
    problems, _ = compare_dbs.compare(str(folder / 'sales.sqlite'), str(folder / 'only_products.sqlite'),
                                      tables=['products'])
    assert problems == []
    result = az('sql', 'db', 'bacpac', 'import', '-s', server, '-n', 'no_lines', '--storage-uri', bacpac,
                '--exclude-tables', '*lines', 'products')
    assert result.exit_code == 0, result
    problems, _ = compare_dbs.compare(str(folder / 'sales.sqlite'), str(folder / 'no_lines.sqlite'),
                                      tables=['customers', 'orders'])
    assert problems == []
    connection = sqlite3.connect(str(folder / 'no_lines.sqlite'))
    try:
        present = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        connection.close()
    assert 'order_lines' not in present and 'products' not in present


# ------------------------------------------------------------------------------------ errors

def _assert_error(result, exit_code, cls):
    assert result.exit_code == exit_code, result
    assert type(result.error) is cls, result
    assert 'Traceback' not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith('ERROR:')]
    assert len(errors) == 1, result.stderr


def test_missing_database_exits_3(az, pipelines, sample_db, tmp_path):
    server, _, _ = sample_db
    result = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', 'nope', '--storage-uri', tmp_path / 'x.bacpac')
    _assert_error(result, 3, azerr.ResourceNotFoundError)
    assert not (tmp_path / 'x.bacpac').exists()


def test_missing_server_folder_exits_3(az, pipelines, tmp_path):
    result = az('sql', 'db', 'bacpac', 'export', '-s', 'sqlite:///' + str(tmp_path / 'no-such-folder'),
                '-n', 'sales', '--storage-uri', tmp_path / 'x.bacpac')
    _assert_error(result, 3, azerr.ResourceNotFoundError)


def test_existing_bacpac_needs_overwrite(az, exported):
    server, _, bacpac, _ = exported
    before = bacpac.read_bytes()
    result = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', 'sales', '--storage-uri', bacpac)
    _assert_error(result, 1, azerr.ValidationError)
    assert bacpac.read_bytes() == before
    result = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', 'sales', '--storage-uri', bacpac,
                '--overwrite')
    assert result.exit_code == 0, result


def test_import_into_existing_database_exits_1(az, exported):
    server, folder, bacpac, _ = exported
    before = _counts(folder / 'sales.sqlite')
    result = az('sql', 'db', 'bacpac', 'import', '-s', server, '-n', 'sales', '--storage-uri', bacpac)
    _assert_error(result, 1, azerr.ValidationError)
    assert _counts(folder / 'sales.sqlite') == before


@pytest.mark.parametrize('command', ['inspect', 'import'])
def test_missing_bacpac_exits_3(az, pipelines, sample_db, tmp_path, command):
    server, _, _ = sample_db
    args = ['--storage-uri', tmp_path / 'missing.bacpac']
    if command == 'import':
        args += ['-s', server, '-n', 'copy']
    _assert_error(az('sql', 'db', 'bacpac', command, *args), 3, azerr.ResourceNotFoundError)


def _corrupt(bacpac, how, target):
    data = bacpac.read_bytes()
    if how == 'garbage':
        target.write_bytes(b'this is not a zip file at all\n' * 100)
    elif how == 'truncated':
        target.write_bytes(data[:len(data) // 2])
    elif how == 'model':
        with zipfile.ZipFile(bacpac) as source, zipfile.ZipFile(target, 'w', zipfile.ZIP_DEFLATED) as out:
            for item in source.infolist():
                content = source.read(item.filename)
                if item.filename == 'model.xml':
                    content = content.replace(b'customers', b'customerz', 1)
                out.writestr(item, content)
    return target


@pytest.mark.parametrize('how', ['garbage', 'truncated', 'model'])
@pytest.mark.parametrize('command', ['inspect', 'import'])
def test_corrupted_bacpac_exits_1(az, exported, tmp_path, how, command):
    server, folder, bacpac, _ = exported
    broken = _corrupt(bacpac, how, tmp_path / 'broken-{}.bacpac'.format(how))
    args = ['--storage-uri', broken]
    if command == 'import':
        args += ['-s', server, '-n', 'from_broken']
    result = az('sql', 'db', 'bacpac', command, *args)
    _assert_error(result, 1, azerr.FileOperationError)
    if how == 'truncated':
        assert 'is truncated' in result.stderr and 'File is not a zip file' not in result.stderr
    if command == 'import':
        assert not (folder / 'from_broken.sqlite').exists()


@pytest.mark.parametrize('keep', [0, 4, 1000, 0.5, -22, -1])
@pytest.mark.parametrize('command', ['inspect', 'import'])
def test_a_cut_short_vector_is_reported_truncated(az, pipelines, vectors, tmp_path, command, keep):
    """A real BACPAC cut at its start, inside its data, inside its end record: every cut is named for what it is."""
    data = (vectors / 'amado' / 'AmadoDB.bacpac').read_bytes()
    size = int(len(data) * keep) if isinstance(keep, float) else keep if keep >= 0 else len(data) + keep
    cut = tmp_path / 'cut.bacpac'
    cut.write_bytes(data[:size])
    args = ['--storage-uri', cut] + (['-s', 'sqlite:///' + str(tmp_path), '-n', 'from_cut'] if command == 'import'
                                     else [])
    result = az('sql', 'db', 'bacpac', command, *args)
    _assert_error(result, 1, azerr.FileOperationError)
    expected = 'is empty (0 bytes), not a BACPAC' if size == 0 else 'is truncated ({} bytes)'.format(size)
    assert expected in result.stderr and 'File is not a zip file' not in result.stderr, result.stderr
    assert not (tmp_path / 'from_cut.sqlite').exists()


def test_checksum_mismatch_is_shown_by_inspect_and_refused_by_import(az, exported, tmp_path):
    server, folder, bacpac, _ = exported
    altered = tmp_path / 'altered.bacpac'
    with zipfile.ZipFile(bacpac) as source, zipfile.ZipFile(altered, 'w', zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            content = source.read(item.filename)
            out.writestr(item, content + b'\n' if item.filename == 'model.xml' else content)
    result = az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', altered)
    _assert_error(result, 1, azerr.FileOperationError)
    assert 'model.xml does not match the checksum' in result.stderr and '--verify-checksum false' in result.stderr
    result = az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', altered, '--verify-checksum', 'false')
    assert result.exit_code == 0, result
    assert json.loads(result.stdout)['checksum']['verified'] is None
    result = az('sql', 'db', 'bacpac', 'import', '-s', server, '-n', 'from_altered', '--storage-uri', altered)
    _assert_error(result, 1, azerr.FileOperationError)
    assert not (folder / 'from_altered.sqlite').exists()


def test_import_into_an_existing_empty_database(az, exported):
    server, folder, bacpac, _ = exported
    sqlite3.connect(str(folder / 'empty.sqlite')).close()
    result = az('sql', 'db', 'bacpac', 'import', '-s', server, '-n', 'empty', '--storage-uri', bacpac,
                '--tables', 'products')
    assert result.exit_code == 0, result
    problems, _ = compare_dbs.compare(str(folder / 'sales.sqlite'), str(folder / 'empty.sqlite'), ['products'])
    assert problems == []


def test_missing_storage_uri_exits_2(az, pipelines, sample_db):
    server, _, name = sample_db
    result = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name)
    assert result.exit_code == 2
    assert 'the following arguments are required: --storage-uri' in result.stderr


def test_bad_uri_exits_1(az, pipelines, sample_db):
    server, _, name = sample_db
    result = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri', 'ftp://h/x.bacpac')
    _assert_error(result, 1, azerr.InvalidArgumentValueError)


def test_secrets_never_shown_on_a_real_export(az, pipelines, sample_db, tmp_path, monkeypatch):
    server, _, name = sample_db
    password, key = 'Real-Pa55word-4-tests', 'UmVhbC1zdG9yYWdlLWtleQ=='
    monkeypatch.setenv('AZEXT_BACPAC_ADMIN_PASSWORD', password)
    (tmp_path / 'key.txt').write_text(key + '\n')
    result = az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '-u', 'admin', '--verbose',
                '--storage-key', '@' + str(tmp_path / 'key.txt'), '--storage-uri', tmp_path / 'x.bacpac')
    assert result.exit_code == 0, result
    for secret in (password, key):
        assert secret not in result.output
        assert secret.encode() not in (tmp_path / 'x.bacpac').read_bytes()


def test_size_guard_can_be_lowered_and_lifted(az, exported):
    bacpac = exported[2]
    small = az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', str(bacpac), '--max-uncompressed-size', '1KB')
    assert small.exit_code == 1 and 'AZEXT_BACPAC_MAX_UNCOMPRESSED_SIZE' in small.stderr
    assert az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', str(bacpac),
              '--max-uncompressed-size', 'unlimited').exit_code == 0
