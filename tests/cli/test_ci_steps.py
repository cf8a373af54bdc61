"""Operations in pipelines, through real `az` processes: each CI step (AzureCLI@2, GitHub's azure/cli)
gets a fresh AZURE_CONFIG_DIR that is deleted afterwards; the operation must outlive it."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import AZ_ENV

import make_sample_db


def _az(env, *args, timeout=300, umask=None):
    """A real az process; `umask` as a shell's `umask` before it (its workers inherit it)."""
    executable = Path(sys.executable).with_name('az')
    if not executable.exists():
        pytest.skip('the full azure-cli (az) is not installed beside this Python')
    return subprocess.run([str(executable)] + [str(a) for a in args], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout,
                          preexec_fn=None if umask is None else (lambda: os.umask(umask)))


@pytest.fixture
def step_env(tmp_path):
    """step_env(name) -> the environment of one CI step: its own AZURE_CONFIG_DIR, the store's default."""
    base = dict(os.environ, **AZ_ENV)
    for name in ('AZEXT_BACPAC_ADMIN_PASSWORD', 'AZEXT_BACPAC_STORAGE_KEY', 'AZURE_CORE_OUTPUT',
                 'AZEXT_BACPAC_OPERATIONS_DIR', 'XDG_STATE_HOME'):
        base.pop(name, None)
    base['HOME'] = str(tmp_path / 'agent-home')          # the agent's home outlives its steps

    def make(name):
        config = tmp_path / name
        config.mkdir()
        return dict(base, AZURE_CONFIG_DIR=str(config))
    return make


def test_two_step_pipeline_survives_a_deleted_config_dir(step_env, pipelines, tmp_path):
    folder = tmp_path / 'data'
    make_sample_db.build(str(folder / 'shop.sqlite'), scale=0.2, seed=5)
    bacpac = tmp_path / 'shop.bacpac'
    first = step_env('task-1')
    started = _az(first, 'sql', 'db', 'bacpac', 'export', '-s', 'sqlite:///' + str(folder), '-n', 'shop',
                  '--storage-uri', bacpac, '--no-wait', '--query', 'operationStatusLink', '-o', 'tsv')
    assert started.returncode == 0, started.stderr
    shutil.rmtree(first['AZURE_CONFIG_DIR'])             # the task ends: its config folder goes
    second = step_env('task-2')
    waited = _az(second, 'sql', 'db', 'bacpac', 'wait', '--operation-status-link', started.stdout.strip(),
                 '--interval', '0.2')
    assert waited.returncode == 0, waited.stderr
    assert bacpac.is_file() and pipelines.inspect_package(str(bacpac))['checksum']['verified']
    store = tmp_path / 'agent-home' / '.local' / 'state' / 'azext_bacpac' / 'operations.db'
    assert store.is_file() and (store.stat().st_mode & 0o077) == 0


def test_the_store_moves_with_its_variable(step_env, pipelines, tmp_path):
    folder = tmp_path / 'data'
    make_sample_db.build(str(folder / 'shop.sqlite'), scale=0.05, seed=6)
    env = dict(step_env('task'), AZEXT_BACPAC_OPERATIONS_DIR=str(tmp_path / 'ops'))
    done = _az(env, 'sql', 'db', 'bacpac', 'export', '-s', 'sqlite:///' + str(folder), '-n', 'shop',
               '--storage-uri', tmp_path / 'shop.bacpac', '--query', 'name', '-o', 'tsv')
    assert done.returncode == 0, done.stderr
    assert (tmp_path / 'ops' / 'operations.db').is_file()
    assert not (tmp_path / 'agent-home' / '.local').exists()
    shown = _az(env, 'sql', 'db', 'bacpac', 'show', '--operation-id', done.stdout.strip(), '--query', 'state')
    assert json.loads(shown.stdout) == 'Succeeded'


from .test_operations import big_folder, database_held  # noqa: E402,F401  (fixture)


@pytest.mark.parametrize('ci', ['none', 'TF_BUILD', 'GITHUB_ACTIONS'])
def test_progress_lines_in_a_build_log(step_env, big_folder, tmp_path, ci):
    env = dict(step_env('task'), AZEXT_BACPAC_OPERATIONS_DIR=str(tmp_path / 'ops'))
    for name in ('TF_BUILD', 'GITHUB_ACTIONS'):
        env.pop(name, None)
    if ci != 'none':
        env[ci] = 'True' if ci == 'TF_BUILD' else 'true'
    done = _az(env, 'sql', 'db', 'bacpac', 'export', '-s', 'sqlite:///' + str(big_folder), '-n', 'big',
               '--storage-uri', tmp_path / 'big.bacpac', '--only-show-errors')
    assert done.returncode == 0 and done.stderr == ''          # --only-show-errors: quiet
    with database_held(big_folder, 1.0):      # a scan phase long enough to be seen, however fast the machine
        done = _az(env, 'sql', 'db', 'bacpac', 'export', '-s', 'sqlite:///' + str(big_folder), '-n', 'big',
                   '--storage-uri', tmp_path / 'big2.bacpac')
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()      # stderr is a pipe here, as in a build log
    assert '\r' not in done.stderr
    progress = [line for line in lines if line.startswith('Exporting: ')]
    assert any('reading the schema and table statistics' in line for line in progress), lines
    assert any('[dbo].[' in line and 'rows' in line and '%' in line for line in progress), lines
    assert any('writing the model and closing the package' in line for line in progress), lines
    vso = [line for line in lines if line.startswith('##vso[task.setprogress value=')]
    groups = [line for line in lines if line.startswith('::group::') or line == '::endgroup::']
    if ci == 'TF_BUILD':
        values = [int(line.split('=')[1].split(';')[0]) for line in vso]
        assert values and values == sorted(values) and all(0 <= v <= 100 for v in values)
    else:
        assert vso == []
    if ci == 'GITHUB_ACTIONS':
        assert any(group.startswith('::group::Exporting [dbo].[') for group in groups), lines
        assert groups.count('::endgroup::') == len([g for g in groups if g.startswith('::group::')])
    else:
        assert groups == []


def test_configured_defaults_of_core_sql_are_honoured(step_env, pipelines, tmp_path):
    folder = tmp_path / 'data'
    make_sample_db.build(str(folder / 'shop.sqlite'), scale=0.05, seed=7)
    env = step_env('task')
    configured = _az(env, 'configure', '--defaults', 'sql-server=sqlite:///' + str(folder), 'group=rg')
    assert configured.returncode == 0, configured.stderr
    done = _az(env, 'sql', 'db', 'bacpac', 'export', '-n', 'shop', '--storage-uri', tmp_path / 'shop.bacpac')
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record['serverName'] == 'sqlite:///' + str(folder) and record['resourceGroup'] == 'rg'


def test_show_without_an_operation_is_usage_and_wait_help_says_each_default_once(step_env, tmp_path):
    env = step_env('task')
    shown = _az(env, 'sql', 'db', 'bacpac', 'show')
    assert shown.returncode == 2 and 'Traceback' not in shown.stderr
    helped = _az(env, 'sql', 'db', 'bacpac', 'wait', '-h').stdout
    assert 'Default: 2. Default' not in helped and 'Default: 2.0.' in helped and helped.count('Default: 3600') == 1
