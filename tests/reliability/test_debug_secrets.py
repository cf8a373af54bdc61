"""Issue 17, item 10: `az ... --debug` in a real az process that reads a blob itself (inspect) must not
print a SAS that came from @file, @- or the environment: urllib3 logs every request line with its
query string, so the az process quiets it and scrubs every record its log handlers see."""
import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import AZ_ENV
from tests.storage.azurite import ACCOUNT, ACCOUNT_KEY
from tests.storage.azurite import azurite  # noqa: F401  pylint: disable=unused-import  (pytest fixture)

import make_sample_db


def test_debug_output_of_a_blob_inspect_holds_no_sas(azurite, tmp_path):  # noqa: F811
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas
    from azext_bacpac.pipelines.export import export_database
    executable = Path(sys.executable).with_name('az')
    if not executable.exists():
        pytest.skip('the full azure-cli (az) is not installed beside this Python')
    make_sample_db.build(str(tmp_path / 'data' / 'shop.sqlite'), scale=0.01, seed=2)
    package = tmp_path / 'shop.bacpac'
    export_database('sqlite:///' + str(tmp_path / 'data'), 'shop', str(package))
    container = azurite.new_container()
    with azurite.service() as service:
        with open(package, 'rb') as data:
            service.get_blob_client(container, 'shop.bacpac').upload_blob(data)
    expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    sas = generate_container_sas(ACCOUNT, container, account_key=ACCOUNT_KEY, expiry=expiry,
                                 permission=ContainerSasPermissions(read=True, list=True))
    signature = dict(part.split('=', 1) for part in sas.split('&'))['sig']
    secrets = {sas, signature, signature.replace('%3D', '='), signature.replace('%2B', '+'), ACCOUNT_KEY}
    sas_file = tmp_path / 'sas.txt'
    sas_file.write_text(sas)
    env = dict(os.environ, **AZ_ENV)
    env['AZURE_CONFIG_DIR'] = str(tmp_path / 'config')
    env.pop('AZEXT_BACPAC_STORAGE_KEY', None)
    uri = azurite.url(container, 'shop.bacpac')
    base = [str(executable), 'sql', 'db', 'bacpac', 'inspect', '--storage-uri', uri,
            '--storage-key-type', 'SharedAccessKey', '--debug']
    runs = [('@file', base + ['--storage-key', '@' + str(sas_file)], None, env),
            ('@-', base + ['--storage-key', '@-'], sas, env),
            ('environment', base, None, dict(env, AZEXT_BACPAC_STORAGE_KEY=sas)),
            ('account key', base[:-3] + ['--storage-key-type', 'StorageAccessKey', '--debug'], None,
             dict(env, AZEXT_BACPAC_STORAGE_KEY=ACCOUNT_KEY))]
    for label, command, stdin, run_env in runs:
        process = subprocess.run(command, input=stdin, env=run_env, capture_output=True, text=True, timeout=120)
        assert process.returncode == 0, (label, process.stderr[-2000:])
        assert '"rows"' in process.stdout and 'DEBUG' in process.stderr, label
        leaks = [line for line in (process.stdout + process.stderr).splitlines()
                 if any(secret in line for secret in secrets)]
        assert leaks == [], (label, leaks[:3])
