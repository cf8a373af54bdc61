"""The CLI layer's pure parts: size parsing, redaction, error mapping, table views, progress text."""

import argparse
import io
import sqlite3

import pytest
from azure.cli.core import azclierror as az

from azext_bacpac import errors as dom
from azext_bacpac._errors import to_azclierror, translated_errors
from azext_bacpac._progress import ProgressLine, format_event
from azext_bacpac._transformers import transform_inspect_table, transform_operation_table
from azext_bacpac._validators import is_embedded, parse_size
from azext_bacpac.errors import ErrorKind
from azext_bacpac.format import errors as fmt


@pytest.mark.parametrize('text, expected', [
    ('1', 1), ('10737418240', 10737418240), ('10GB', 10 * 1024 ** 3), ('10 gb', 10 * 1024 ** 3),
    ('500MB', 500 * 1024 ** 2), ('1TB', 1024 ** 4), ('2kb', 2048), ('7B', 7),
    ('2GiB', 2 << 30), ('4t', 4 << 40),           # the grammar of --max-uncompressed-size too (sizes.py)
])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize('text', ['', '0', '0GB', '-1', '1.5GB', '10 XB', 'GB', 'ten', '10 KBB', '1iB'])
def test_parse_size_rejects(text):
    with pytest.raises(argparse.ArgumentTypeError):
        parse_size(text)


def test_is_embedded():
    assert is_embedded('sqlite:///data') and is_embedded(' SQLite:////abs')
    assert not is_embedded('myserver') and not is_embedded('host,1433') and not is_embedded(None)


@pytest.mark.parametrize('error, expected', [
    (dom.NotFoundError('no db'), az.ResourceNotFoundError),
    (dom.ConflictError('exists'), az.ValidationError),
    (dom.InvalidInputError('bad'), az.InvalidArgumentValueError),
    (dom.UnsupportedError('later'), az.ArgumentUsageError),
    (dom.CancelledError('stop'), az.ManualInterrupt),
    (dom.EngineError('locked'), az.BadRequestError),
    (dom.BacpacError('other'), az.UnclassifiedUserFault),
    (fmt.ChecksumMismatchError('sum'), az.FileOperationError),
    (fmt.MissingPartError('model.xml'), az.FileOperationError),
    (fmt.UnsafeEntryError('..'), az.FileOperationError),
    (fmt.DataError('truncated'), az.FileOperationError),
    (fmt.ModelError('xml'), az.FileOperationError),
    (fmt.EncodeError('too big'), az.BadRequestError),
    (FileNotFoundError(2, 'No such file or directory', '/x.bacpac'), az.ResourceNotFoundError),
    (PermissionError(13, 'Permission denied', '/x.bacpac'), az.FileOperationError),
    (sqlite3.OperationalError('database is locked'), az.BadRequestError),
])
def test_error_mapping(error, expected):
    mapped = to_azclierror(error)
    assert type(mapped) is expected
    assert '\n' not in mapped.error_msg and mapped.error_msg


def test_error_mapping_exit_codes():
    from azure.cli.core.util import handle_exception
    assert handle_exception(to_azclierror(dom.NotFoundError('x'))) == 3
    for error in (dom.ConflictError('x'), fmt.DataError('x'), dom.InvalidInputError('x')):
        assert handle_exception(to_azclierror(error)) == 1


def test_error_mapping_leaves_bugs_and_azclierrors_alone():
    assert to_azclierror(KeyError('bug')) is None
    same = az.InvalidArgumentValueError('x')
    assert to_azclierror(same) is same
    with pytest.raises(KeyError):
        with translated_errors():
            raise KeyError('bug')


def test_translated_errors_one_line_scrubbed_with_hint():
    with pytest.raises(az.ValidationError) as info:
        with translated_errors(['s3cr3t-key'], {ErrorKind.CONFLICT: 'use --overwrite'}):
            raise dom.ConflictError('target exists\n(key s3cr3t-key)')
    assert info.value.error_msg == 'target exists (key ***)'
    assert info.value.recommendations == ['use --overwrite']
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_inspect_table_columns_in_order():
    result = {'tables': [{'name': '[dbo].[T]', 'rows': 3, 'dataBytes': 30, 'compressedBytes': 20, 'parts': 1},
                         {'schema': 'sales', 'table': 'U', 'rows': 0, 'dataBytes': 0, 'compressedBytes': 0,
                          'parts': []}],
              'totals': {'tables': 2, 'rows': 3, 'dataBytes': 30, 'compressedBytes': 20, 'parts': 1}}
    rows = transform_inspect_table(result)
    assert [list(r) for r in rows] == [['Table', 'Rows', 'DataBytes', 'CompressedBytes', 'Parts']] * 3
    assert rows[0]['Table'] == '[dbo].[T]' and rows[1]['Table'] == 'sales.U' and rows[1]['Parts'] == 0
    assert rows[2]['Rows'] == 3 and 'total' in rows[2]['Table']


def test_operation_table_and_record_shape():
    from azext_bacpac.operations.shapes import az_record
    from azext_bacpac.operations.store import OperationRecord
    record = az_record(OperationRecord(
        id='3fa85f64-5717-4562-b3fc-2c963f66afa6', request_type='Export', server='sqlite:///data',
        database='shop', storage_uri='https://a.blob.core.windows.net/c/x.bacpac', resource_group='rg',
        state='Succeeded', percent=100.0, queued_time=1.0e9, start_time=1.0e9, finish_time=1.0e9 + 5,
        rows_done=7, summary={'tables': 1, 'rows': 7, 'bytes': 70, 'elapsedSeconds': 1.25}))
    expected = {'blobUri', 'databaseName', 'errorMessage', 'id', 'lastModifiedTime', 'name',
                'privateEndpointConnections', 'queuedTime', 'requestId', 'requestType', 'resourceGroup',
                'serverName', 'status', 'type', 'state', 'percentComplete', 'summary', 'operationStatusLink'}
    assert expected <= set(record)
    assert record['status'] == 'Completed' and record['state'] == 'Succeeded' and record['percentComplete'] == 100
    assert record['requestType'] == 'Export' and record['name'] == record['requestId']
    assert record['id'].endswith('/' + record['name']) and not record['id'].startswith('/subscriptions')
    assert record['privateEndpointConnections'] == [] and record['errorMessage'] is None
    row = transform_operation_table(record)
    assert list(row) == ['Name', 'RequestType', 'Database', 'State', 'Progress', 'Rows', 'LastModified']
    assert row['Progress'] == '100.00 %' and row['Rows'] == 7 and row['State'] == 'Succeeded'


def test_progress_text():
    text = format_event('Exporting', {'table': '[dbo].[T]', 'tablesDone': 1, 'tablesTotal': 4, 'rows': 12345,
                                      'bytes': 2048, 'bytesTotal': 4096})
    assert text == 'Exporting: [##########----------] 50.00 %, 1/4 tables, 12,345 rows, 2.0 KB, [dbo].[T]'
    assert format_event('Exporting', {'percent': 45, 'eta': 83}).endswith('45.00 %, ETA 0:01:23')
    assert format_event('Importing', {}) == 'Importing...'


class _Tty(io.StringIO):
    def isatty(self):
        return True


class _Ctx:
    only_show_errors = False

    class config:  # pylint: disable=invalid-name
        @staticmethod
        def getboolean(*_, **__):
            return False


def test_progress_line_only_on_a_tty():
    quiet = io.StringIO()
    line = ProgressLine(_Ctx(), 'Exporting', stream=quiet)
    line({'rows': 1})
    line.close()
    assert quiet.getvalue() == ''
    tty = _Tty()
    line = ProgressLine(_Ctx(), 'Exporting', stream=tty)
    line({'rows': 1, 'table': 'T'})
    line.close()
    assert 'Exporting: 1 rows, T' in tty.getvalue() and tty.getvalue().endswith('\r')


@pytest.mark.skipif(not hasattr(dom, 'StorageError'), reason='no StorageError in azext_bacpac.errors')
def test_storage_error_is_a_file_operation_error():
    assert type(to_azclierror(dom.StorageError('disk full'))) is az.FileOperationError


def test_invalid_input_caused_by_a_format_error_is_a_file_error():
    try:
        try:
            raise fmt.ChecksumMismatchError('model.xml checksum mismatch')
        except fmt.ChecksumMismatchError:
            raise dom.InvalidInputError('the package was altered; refused')
    except dom.InvalidInputError as error:
        assert type(to_azclierror(error)) is az.FileOperationError


def test_plain_progress_is_paced_and_names_each_phase_and_table():
    from azext_bacpac._progress_plain import PlainProgress
    moments = iter([0, 1, 2, 20, 21, 22])
    out = io.StringIO()
    plain = PlainProgress(_Ctx(), 'Importing', stream=out, environ={'TF_BUILD': 'True'}, clock=lambda: next(moments))
    for event in ({'message': 'reading the package'}, {'table': 'T', 'rows': 1, 'percent': 10.0},
                  {'table': 'T', 'rows': 2, 'percent': 10.5}, {'table': 'T', 'rows': 3, 'percent': 30.0},
                  {'table': 'U', 'rows': 4, 'percent': 31.0},
                  {'message': 'building indexes and checking constraints', 'percent': 80.0}):
        plain(event)
    plain.close()
    lines = out.getvalue().splitlines()
    assert [line for line in lines if not line.startswith('##vso')] == [
        'Importing: reading the package', 'Importing: 10.00 %, 1 rows, T', 'Importing: 30.00 %, 3 rows, T',
        'Importing: 31.00 %, 4 rows, U', 'Importing: 80.00 %, building indexes and checking constraints']
    assert '##vso[task.setprogress value=80;]Importing' in lines


def test_table_rows_fit_in_120_columns():
    from azext_bacpac._transformers import transform_activity_table, transform_operation_table
    row = transform_operation_table({'name': '3fa85f64-5717-4562-b3fc-2c963f66afa6', 'requestType': 'Export',
                                     'databaseName': 'sales', 'state': 'Succeeded',
                                     'status': 'Completed', 'percentComplete': 100.0,
                                     'summary': {'rows': 10234}, 'lastModifiedTime': '2026-11-22T13:09:57.106544+00:00'})
    assert row['LastModified'] == '2026-11-22T13:09:57Z'
    assert sum(len(str(v)) + 2 for v in row.values()) <= 120
    (entry,) = transform_activity_table([{'name': 'x', 'startTime': '2026-11-22T13:09:57.1Z'}])
    assert entry['StartTime'] == '2026-11-22T13:09:57Z'
