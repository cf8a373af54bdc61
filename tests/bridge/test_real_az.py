"""The bridge against the real `az` executable in subprocesses, the way the module runs it
(Invoke-AzSqlBacpacAz): arguments on the command line, the password on stdin, the storage key in
the child's environment only, the working directory of the caller. $env:AZSQLBACPAC_AZ picks the
executable, as it does for the module; by default the az beside this Python."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bridge
from azext_bacpac._validators import ADMIN_PASSWORD_ENV, STORAGE_KEY_ENV
from bridge import BridgeError, run_cmdlet
from tests.cli.conftest import AZ_ENV

import make_sample_db

PASSWORD = 'R3al-az-Pa55word-ÿ-never-on-argv'
KEY = 'cmVhbC1hei1rZXktbmV2ZXItb24tYXJndg=='
GET = 'Get-AzSqlDatabaseImportExportStatus'


@pytest.fixture(scope='module')
def az_path():
    path = os.environ.get(bridge.AZ_PATH_ENV) or str(Path(sys.executable).with_name('az'))
    if not os.path.exists(path):
        if os.environ.get('CI'):
            pytest.fail('the full azure-cli (az) is not installed in this environment')
        pytest.skip('no az executable at {}'.format(path))
    return path


@pytest.fixture
def real_az(az_path, tmp_path):
    """run_az for run_cmdlet: one az process per call, as Invoke-AzSqlBacpacAz starts it."""
    base = dict(os.environ, **AZ_ENV)
    base['AZURE_CONFIG_DIR'] = str(tmp_path / 'azure-config')
    for name in (ADMIN_PASSWORD_ENV, STORAGE_KEY_ENV, 'AZURE_CORE_OUTPUT'):
        base.pop(name, None)
    calls = []

    def run(argv, stdin_secret, env_secrets):
        environment = dict(base, PYTHONIOENCODING='utf-8', **env_secrets)
        calls.append((argv, stdin_secret, env_secrets))
        process = subprocess.run([az_path] + list(argv), input=(stdin_secret or '').encode('utf-8'),
                                 env=environment, capture_output=True, cwd=str(tmp_path), timeout=300)
        return process.returncode, process.stdout.decode('utf-8'), process.stderr.decode('utf-8')

    run.calls = calls
    return run


def test_canonical_loop_with_real_az_processes(real_az, tmp_path):
    folder = tmp_path / 'data'
    make_sample_db.build(str(folder / 'shop.sqlite'), scale=0.1, seed=5)
    bound = dict(ResourceGroupName='rg', ServerName='sqlite:///' + str(folder), DatabaseName='shop',
                 StorageKeyType='SharedAccessKey', StorageKey=KEY, StorageUri='./shop.bacpac',
                 AdministratorLogin='dba', AdministratorLoginPassword=PASSWORD)
    (request,) = run_cmdlet('New-AzSqlDatabaseExport', bound, real_az)
    assert list(request) == list(bridge.BASE_PROPERTIES)
    assert request['Status'] == 'InProgress' and request['StorageKeyType'] == 'SharedAccessKey'
    status = request
    deadline = time.monotonic() + 120
    while status['Status'] == 'InProgress':
        assert time.monotonic() < deadline
        time.sleep(0.2)
        (status,) = run_cmdlet(GET, {'OperationStatusLink': request['OperationStatusLink']}, real_az)
    assert status['Status'] == 'Succeeded'
    assert (tmp_path / 'shop.bacpac').is_file()             # relative to the caller's directory
    for argv, _, _ in real_az.calls:
        assert not any(PASSWORD in a or KEY in a for a in argv)
    assert real_az.calls[0][1] == PASSWORD and real_az.calls[0][2] == {STORAGE_KEY_ENV: KEY}


def test_errors_of_real_az_become_terminating_errors(real_az):
    link = 'bacpac-local://operations/servers/x/databases/y/importExportOperationResults/' \
           '0c4d1c0e-6a55-4b47-9a3a-4f3f2b0d8e11'
    with pytest.raises(BridgeError) as raised:
        run_cmdlet(GET, {'OperationStatusLink': link}, real_az)
    assert raised.value.exit_code == 3 and raised.value.category == 'ObjectNotFound'
    assert raised.value.message.startswith("operation '0c4d1c0e-6a55-4b47-9a3a-4f3f2b0d8e11' was not found")
    # --only-show-errors: no preview banner to forward
    exit_code, _, stderr = real_az(*bridge.build_az_invocation(GET, {'OperationStatusLink': link}))
    assert exit_code == 3 and 'WARNING' not in stderr
