"""`az sql db bacpac preflight` through the real az parser, and the preflight pipeline it calls."""
import json

from azure.cli.core import azclierror as azerr

from azext_bacpac.pipelines.preflight import run_preflight


def test_sqlite_has_no_permissions_to_check(az, sample_db):
    server, _, name = sample_db
    result = az('sql', 'db', 'bacpac', 'preflight', '-s', server, '-n', name, '--direction', 'export')
    assert result.exit_code == 0, result
    assert json.loads(result.stdout) == []


def test_import_preflight_needs_the_bacpac(az, sample_db):
    server, _, name = sample_db
    result = az('sql', 'db', 'bacpac', 'preflight', '-s', server, '-n', name, '--direction', 'import')
    assert result.exit_code == 1 and isinstance(result.error, azerr.InvalidArgumentValueError)
    assert '--storage-uri' in result.stderr


def test_import_preflight_reads_the_package_model(az, sample_db, tmp_path):
    server, _, name = sample_db
    bacpac = tmp_path / 'p.bacpac'
    assert az('sql', 'db', 'bacpac', 'export', '-s', server, '-n', name, '--storage-uri', str(bacpac)).exit_code == 0
    result = az('sql', 'db', 'bacpac', 'preflight', '-s', server, '-n', 'target', '--direction', 'import',
                '--storage-uri', str(bacpac), '-o', 'table')
    assert result.exit_code == 0, result
    missing = az('sql', 'db', 'bacpac', 'preflight', '-s', server, '-n', 'target', '--direction', 'import',
                 '--storage-uri', str(tmp_path / 'nope.bacpac'))
    assert missing.exit_code == 3


def test_sql_server_preflight_through_the_pipeline(monkeypatch):
    """The pipeline hands the engine options over and returns the engine's checks (a DB-API double)."""
    from tests.engines.sqlserver.fakedb import PERMISSIONS, FakeDatabase, FakeServer
    fake = FakeServer()
    database = fake.add(FakeDatabase('Db'))
    database.user_name = 'loader'
    database.permissions = {p: 0 for p in PERMISSIONS}
    database.answers['key_presence'] = (['encrypted_columns', 'master_keys', 'encryption_keys'], [(3, 1, 1)])
    checks = run_preflight('shopserver', 'Db', 'export',
                           engine_options={'user': 'loader', 'password': 'x-secret', 'connect': fake.connect})
    assert {c['permission'] for c in checks} == set(PERMISSIONS)
    assert all(c['granted'] is False and c['required'] for c in checks)
