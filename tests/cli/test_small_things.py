"""The "small things" of issue 15, through the real az parser: what a user reads when a value is a little
off (a storage key type, a target that holds one table, a missing driver), help text, and -o table width."""
import json
import sqlite3
import sys

import pytest
from azure.cli.core import azclierror as azerr

from tests.cli.test_cli_contract import fake  # noqa: F401  (pytest fixture: recording pipelines, inline worker)


def _errors(result):
    return [line for line in result.stderr.splitlines() if line.startswith('ERROR:')]


@pytest.mark.parametrize('given, meant', [('AccessKey', 'StorageAccessKey'), ('account-key', 'StorageAccessKey'),
                                          ('SAS', 'SharedAccessKey'), ('SharedAcessKey', 'SharedAccessKey'),
                                          ('msi', 'ManagedIdentity'), ('Password', None)])
@pytest.mark.parametrize('command', ['export', 'inspect'])
def test_a_wrong_storage_key_type_suggests_what_was_meant(az, fake, command, given, meant):
    args = ['--storage-uri', 'x.bacpac'] + (['-s', 'sqlite:///tmp/data', '-n', 'shop'] if command == 'export' else [])
    result = az('sql', 'db', 'bacpac', command, *args, '--storage-key-type', given)
    assert result.exit_code == 2, result            # a usage error, printed by az's parser
    (line,) = _errors(result)
    assert "argument --storage-key-type: invalid value '{}'".format(given) in line and 'StorageAccessKey, SharedAccessKey, ManagedIdentity' in line
    suggestions = [kind for kind in ('StorageAccessKey', 'SharedAccessKey', 'ManagedIdentity')
                   if "Did you mean '{}'".format(kind) in result.stderr]
    assert suggestions == ([meant] if meant else [])
    assert not fake.calls


def test_storage_key_types_are_taken_in_any_case(az, fake):
    result = az('sql', 'db', 'bacpac', 'inspect', '--storage-uri', 'x.bacpac', '--storage-key-type', 'storageaccesskey')
    assert result.exit_code == 0, result


def test_preflight_direction_help_is_its_own(az):
    result = az('sql', 'db', 'bacpac', 'preflight', '-h')
    assert result.exit_code == 0
    text = ' '.join(result.stdout.split())
    start = text.index('--direction')
    direction_help = text[start:text.index('--resource-group', start)]
    assert 'Check for an export of the database, or for an import into it.' in direction_help
    assert 'Prints each permission' not in direction_help and len(direction_help) < 200
    assert text.count('Prints each permission with granted and required') == 1


def test_wait_help_says_each_default_once(az):
    text = ' '.join(az('sql', 'db', 'bacpac', 'wait', '-h').stdout.split())
    assert 'Default: 2.0.' in text and 'Default: 2. Default' not in text and text.count('Default: 3600') == 1


def test_a_target_that_holds_one_table_says_so_in_the_singular(az, pipelines, sample_db, tmp_path):
    server, folder, name = sample_db
    bacpac = tmp_path / 'sales.bacpac'
    assert az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri', bacpac).exit_code == 0
    connection = sqlite3.connect(str(folder / 'busy.sqlite'))
    connection.execute('CREATE TABLE mine (x)')
    connection.commit()
    connection.close()
    result = az('sql', 'db', 'bacpac', 'import', '-s', server, '-n', 'busy', '--storage-uri', bacpac)
    assert result.exit_code == 1 and isinstance(result.error, azerr.ValidationError), result
    (line,) = _errors(result)
    assert 'holds 1 table, index or view;' in line and '1 tables' not in line


def test_table_output_fits_in_120_columns(az, pipelines, sample_db, tmp_path, monkeypatch):
    _, folder, name = sample_db
    monkeypatch.chdir(folder.parent)
    result = az('sql', 'db', 'bacpac', 'export', '-s', 'sqlite:///data', '-n', name, '--storage-uri', 'out.bacpac',
                '-o', 'table')
    assert result.exit_code == 0, result
    operation = result.stdout.splitlines()[2].split()[0]
    for args in (['show', '--operation-id', operation], ['list', '-s', 'sqlite:///data', '-n', name]):
        shown = az('sql', 'db', 'bacpac', *args, '-o', 'table')
        assert shown.exit_code == 0, shown
        lines = [line for line in shown.stdout.splitlines() if line.strip()]
        assert len(lines) == 3 and operation in lines[2]
        assert max(len(line) for line in lines) <= 120, lines
    for line in result.stdout.splitlines()[2:]:
        assert len(line) <= 120 and '.' not in line.split()[-1]      # seconds, no microseconds


def test_a_missing_driver_says_az_has_its_own_python_and_how_to_install_into_it(az, monkeypatch):
    monkeypatch.setitem(sys.modules, 'pyodbc', None)        # `import pyodbc` fails as if it were not installed
    result = az('sql', 'db', 'bacpac', 'preflight', '-s', 'localhost,1433', '-n', 'shop', '-u', 'sa',
                '-p', 'Pa55-w0rd-not-shown', '-a', 'SQL')
    assert result.exit_code == 1 and 'Traceback' not in result.output, result
    (line,) = _errors(result)
    assert "needs pyodbc in az's own Python, which does not use the system's packages" in line
    assert '{} -m pip install pyodbc'.format(sys.executable) in line
    assert 'Pa55-w0rd-not-shown' not in result.output
    assert json.dumps(line)      # one printable line
