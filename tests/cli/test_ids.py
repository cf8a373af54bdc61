"""--ids where core `az sql db export/import` and `az sql db op list/cancel` have it, through the real az
parser (core fills --server, --name and -g from each ID; the pipelines are the recording fake)."""
import json
import uuid

import pytest
from azure.cli.core import azclierror as azerr

from azext_bacpac.engines.sqlserver import arm
from tests.cli.test_cli_contract import fake  # noqa: F401  (pytest fixture: recording pipelines, inline worker)

SUBSCRIPTION = '00000000-0000-0000-0000-000000000000'


def database_id(server, database, group='mygroup', provider='Microsoft.Sql/servers'):
    return '/subscriptions/{}/resourceGroups/{}/providers/{}/{}/databases/{}'.format(
        SUBSCRIPTION, group, provider, server, database)


@pytest.fixture(autouse=True)
def not_signed_in(monkeypatch):
    """No az login here: the server name alone is used (no Azure Resource Manager lookup)."""
    def refuse(cli_ctx, subscription_id=None):
        raise RuntimeError("Please run 'az login' to setup account.")
    monkeypatch.setattr(arm, 'management_client', refuse)


def _unique(prefix):
    return '{}_{}'.format(prefix, uuid.uuid4().hex[:8])


def test_export_takes_the_server_database_and_group_from_the_id(az, fake):
    name = _unique('sales')
    result = az('sql', 'db', 'bacpac', 'export', '--ids', database_id('myserver', name),
                '--storage-uri', 'x.bacpac', '--no-wait')
    assert result.exit_code == 0, result
    (call, args, _), = fake.calls
    assert call == 'export' and args == ('myserver', name, 'x.bacpac')
    record = json.loads(result.stdout)
    assert (record['serverName'], record['databaseName'], record['resourceGroup']) == ('myserver', name, 'mygroup')


def test_import_takes_the_id_and_still_checks_the_service_objective(az, fake):
    name = _unique('copy')
    result = az('sql', 'db', 'bacpac', 'import', '--ids', database_id('myserver', name), '--storage-uri', 'x.bacpac',
                '--edition', 'Standard', '--service-objective', 's3', '--no-wait')
    assert result.exit_code == 0, result
    assert fake.calls[0][1] == ('x.bacpac', 'myserver', name)
    wrong = az('sql', 'db', 'bacpac', 'import', '--ids', database_id('myserver', _unique('copy')),
               '--storage-uri', 'x.bacpac', '--edition', 'Basic', '--service-objective', 'P15')
    assert wrong.exit_code == 1 and isinstance(wrong.error, azerr.InvalidArgumentValueError), wrong
    assert len(fake.calls) == 1


def test_ids_win_over_names_with_core_warning(az, fake, tmp_path):
    name = _unique('sales')
    result = az('sql', 'db', 'bacpac', 'export', '--ids', database_id('myserver', name),
                '-s', 'sqlite:///' + str(tmp_path), '-n', 'other', '--storage-uri', 'x.bacpac', '--no-wait')
    assert result.exit_code == 0, result
    assert "option '--server' will be ignored due to use of '--ids'" in result.stderr
    assert fake.calls[0][1] == ('myserver', name, 'x.bacpac')


@pytest.mark.parametrize('value', [
    '/subscriptions/{}/resourceGroups/rg/providers/Microsoft.Web/sites/myserver/slots/sales'.format(SUBSCRIPTION),
    '/subscriptions/{}/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/mi/databases/sales'
    .format(SUBSCRIPTION),
])
@pytest.mark.parametrize('command', ['export', 'import', 'list', 'cancel'])
def test_an_id_that_is_not_an_azure_sql_database_is_refused(az, fake, command, value):
    extra = {'export': ['--storage-uri', 'x.bacpac'], 'import': ['--storage-uri', 'x.bacpac'], 'list': [],
             'cancel': ['--operation-id', str(uuid.uuid4())]}[command]
    result = az('sql', 'db', 'bacpac', command, '--ids', value, *extra)
    assert result.exit_code == 1 and isinstance(result.error, azerr.InvalidArgumentValueError), result
    error_lines = [line for line in result.stderr.splitlines() if line.startswith('ERROR:')]
    assert len(error_lines) == 1 and 'is not the resource ID of an Azure SQL database' in error_lines[0]
    assert 'sqlite:///' in result.stderr and 'Traceback' not in result.stderr
    assert not fake.calls


def test_a_malformed_id_is_core_error(az, fake):
    result = az('sql', 'db', 'bacpac', 'export', '--ids', 'not-an-id', '--storage-uri', 'x.bacpac')
    assert result.exit_code == 1 and 'invalid resource ID: not-an-id' in result.stderr
    assert 'Traceback' not in result.stderr and not fake.calls


def test_export_and_import_take_one_database(az, fake):
    for command in ('export', 'import'):
        result = az('sql', 'db', 'bacpac', command, '--ids', database_id('s', 'a'), database_id('s', 'b'),
                    '--storage-uri', 'x.bacpac')
        assert result.exit_code == 2, result
        assert '--ids: export and import take one database (2 IDs were given)' in result.stderr
    assert not fake.calls


def test_without_server_name_or_ids_is_usage(az, fake):
    result = az('sql', 'db', 'bacpac', 'import', '--storage-uri', 'x.bacpac')
    assert result.exit_code == 2
    assert 'required: --server/-s, --name/-n' in result.stderr and '--ids' in result.stderr
    result = az('sql', 'db', 'bacpac', 'export', '-s', 'sqlite:///tmp', '--storage-uri', 'x.bacpac')
    assert result.exit_code == 2 and 'required: --name/-n' in result.stderr and '--server' not in result.stderr
    assert not fake.calls


def test_list_and_cancel_take_ids_of_the_databases(az, fake):
    first, second = _unique('one'), _unique('two')
    names = {}
    for database in (first, second):
        started = az('sql', 'db', 'bacpac', 'export', '-g', 'mygroup', '-s', 'myserver', '-n', database,
                     '--storage-uri', database + '.bacpac', '--no-wait')
        assert started.exit_code == 0, started
        names[database] = json.loads(started.stdout)['name']
    listed = az('sql', 'db', 'bacpac', 'list', '--ids', database_id('myserver', first))
    assert listed.exit_code == 0, listed
    assert [entry['name'] for entry in json.loads(listed.stdout)] == [names[first]]
    both = az('sql', 'db', 'bacpac', 'list', '--ids', database_id('myserver', first), database_id('myserver', second))
    assert both.exit_code == 0, both
    assert sorted(entry['name'] for per_id in json.loads(both.stdout) for entry in per_id) == sorted(names.values())
    table = az('sql', 'db', 'bacpac', 'list', '--ids', database_id('myserver', first), database_id('myserver', second),
               '-o', 'table')
    assert table.exit_code == 0, table
    rows = [line for line in table.stdout.splitlines() if line.split()[:1] in ([names[first]], [names[second]])]
    assert len(rows) == 2 and all(row.split()[1] == 'Export' for row in rows)

    matching = az('sql', 'db', 'bacpac', 'cancel', '--ids', database_id('MyServer', first), '-n', names[first])
    assert matching.exit_code == 0, matching
    assert 'already ended Succeeded: nothing was cancelled' in matching.stderr
    other = az('sql', 'db', 'bacpac', 'cancel', '--ids', database_id('myserver', second), '-n', names[first])
    assert other.exit_code == 1 and isinstance(other.error, azerr.InvalidArgumentValueError)
    assert "belongs to server 'myserver', database '{}', not --server 'myserver', --database '{}'".format(
        first, second) in other.stderr


def test_cancel_compares_local_servers_by_their_files(az, fake, tmp_path):
    data = tmp_path / 'data'
    data.mkdir()
    name = _unique('local')
    started = az('sql', 'db', 'bacpac', 'export', '-s', 'sqlite:///' + str(data), '-n', name,
                 '--storage-uri', str(tmp_path / 'x.bacpac'), '--no-wait')
    assert started.exit_code == 0, started
    operation = json.loads(started.stdout)['name']
    same_file = 'sqlite:///' + str(tmp_path / 'data' / '..' / 'data')
    result = az('sql', 'db', 'bacpac', 'cancel', '-s', same_file, '-d', name, '-n', operation)
    assert result.exit_code == 0, result
    result = az('sql', 'db', 'bacpac', 'cancel', '-s', 'sqlite:///' + str(tmp_path), '-d', name, '-n', operation)
    assert result.exit_code == 1 and 'belongs to server' in result.stderr
