"""Smoke test of the real `az` (the full azure-cli in this venv), in subprocesses: the extension,
loaded through AZURE_EXTENSION_DEV_SOURCES, lives beside core's `sql` module without hiding it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import AZ_ENV

import compare_dbs
import make_sample_db


@pytest.fixture(scope='module')
def az_cli(tmp_path_factory):
    executable = Path(sys.executable).with_name('az')
    if not executable.exists():
        if os.environ.get('CI'):
            pytest.fail('the full azure-cli (az) is not installed in this environment')
        pytest.skip('the full azure-cli (az) is not installed beside this Python')
    env = dict(os.environ, **AZ_ENV)
    env['AZURE_CONFIG_DIR'] = str(tmp_path_factory.mktemp('real-az-config'))   # a fresh az
    for name in ('AZEXT_BACPAC_ADMIN_PASSWORD', 'AZEXT_BACPAC_STORAGE_KEY', 'AZURE_CORE_OUTPUT'):
        env.pop(name, None)

    def run(*args, check=True):
        process = subprocess.run([str(executable)] + [str(a) for a in args], env=env, stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True, timeout=300)
        if check:
            assert process.returncode == 0, process.stderr
        return process
    return run


def test_core_sql_db_is_intact(az_cli):
    listing = az_cli('sql', 'db', '--help').stdout
    for core in ('export', 'import', 'create', 'list', 'show', 'op', 'copy'):
        assert '\n    {} '.format(core) in listing, core
    assert '\n    bacpac ' in listing
    core_export = az_cli('sql', 'db', 'export', '--help')
    assert '--storage-key-type' in core_export.stdout
    assert 'extension' not in core_export.stderr.lower()        # not overridden by an extension


def test_extension_is_the_dev_extension(az_cli):
    extensions = json.loads(az_cli('extension', 'list', '-o', 'json').stdout)
    bacpac = [e for e in extensions if e['name'] == 'bacpac']
    assert bacpac and bacpac[0]['extensionType'] == 'dev' and bacpac[0]['version'] == '0.1.0'
    assert bacpac[0]['preview'] is True


def test_real_az_export_inspect_import(az_cli, pipelines, tmp_path):
    folder = tmp_path / 'data'
    make_sample_db.build(str(folder / 'shop.sqlite'), scale=0.1, seed=3)
    server, bacpac = 'sqlite:///' + str(folder), tmp_path / 'shop.bacpac'

    exported = json.loads(az_cli('sql', 'db', 'bacpac', 'export', '-s', server, '-n', 'shop',
                                 '--storage-uri', bacpac).stdout)
    assert exported['status'] == 'Completed' and exported['requestType'] == 'Export'

    table = az_cli('sql', 'db', 'bacpac', 'inspect', '--storage-uri', bacpac, '-o', 'table').stdout
    assert table.splitlines()[0].split() == ['Table', 'Rows', 'DataBytes', 'CompressedBytes', 'Parts']

    imported = json.loads(az_cli('sql', 'db', 'bacpac', 'import', '-s', server, '-n', 'shop_copy',
                                 '--storage-uri', bacpac).stdout)
    assert imported['status'] == 'Completed' and imported['requestType'] == 'Import'
    problems, _ = compare_dbs.compare(str(folder / 'shop.sqlite'), str(folder / 'shop_copy.sqlite'))
    assert problems == []

    missing = az_cli('sql', 'db', 'bacpac', 'inspect', '--storage-uri', tmp_path / 'nope.bacpac', check=False)
    assert missing.returncode == 3 and 'Traceback' not in missing.stderr
    usage = az_cli('sql', 'db', 'bacpac', 'import', '-s', server, '-n', 'x', check=False)
    assert usage.returncode == 2


def test_worker_outlives_az_with_no_wait(az_cli, pipelines, tmp_path):
    """`az … --no-wait` exits at once; the detached worker finishes the export after az is gone."""
    folder = tmp_path / 'data'
    make_sample_db.build(str(folder / 'shop.sqlite'), scale=0.1, seed=5)
    bacpac = tmp_path / 'later.bacpac'
    started = az_cli('sql', 'db', 'bacpac', 'export', '-s', 'sqlite:///' + str(folder), '-n', 'shop',
                     '--storage-uri', bacpac, '--no-wait', '--query', 'operationStatusLink', '-o', 'tsv')
    link = started.stdout.strip()
    assert link.startswith('bacpac-local://') and len(link.split('/')[-1]) == 36
    waited = az_cli('sql', 'db', 'bacpac', 'wait', '--operation-status-link', link, '--interval', '0.2')
    assert waited.returncode == 0 and waited.stdout == ''
    state = az_cli('sql', 'db', 'bacpac', 'show', '--link', link, '--query', 'state', '-o', 'tsv').stdout.strip()
    assert state == 'Succeeded' and bacpac.is_file()
