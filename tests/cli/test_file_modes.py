"""Permissions of what real `az` processes (and their detached workers) write, under two umasks: a
BACPAC and an imported SQLite database follow the umask as other tools' files do, a file replaced in
place keeps its permissions, and the operation store, its folder and the worker logs stay user-only."""
import os
import stat

import pytest

from .test_ci_steps import _az, step_env  # noqa: F401  (step_env: pytest fixture)

import make_sample_db

pytestmark = pytest.mark.skipif(os.name != 'posix', reason='POSIX permissions')


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize('umask, expected', [(0o022, 0o644), (0o077, 0o600)])
def test_data_files_follow_the_umask_and_the_store_stays_private(step_env, pipelines, tmp_path, umask, expected):
    folder = tmp_path / 'data'
    make_sample_db.build(str(folder / 'shop.sqlite'), scale=0.05, seed=8)
    server = 'sqlite:///' + str(folder)
    ops = tmp_path / 'ops'
    env = dict(step_env('task'), AZEXT_BACPAC_OPERATIONS_DIR=str(ops))
    bacpac = tmp_path / 'shop.bacpac'

    waited = _az(env, 'sql', 'db', 'bacpac', 'export', '-s', server, '-n', 'shop', '--storage-uri', bacpac,
                 umask=umask)
    assert waited.returncode == 0, waited.stderr
    # --no-wait: the file is written by the detached worker alone, after az has exited
    started = _az(env, 'sql', 'db', 'bacpac', 'import', '-s', server, '-n', 'copy', '--storage-uri', bacpac,
                  '--no-wait', '--query', 'name', '-o', 'tsv', umask=umask)
    assert started.returncode == 0, started.stderr
    done = _az(env, 'sql', 'db', 'bacpac', 'wait', '--operation-id', started.stdout.strip(), '--interval', '0.2',
               umask=0o022)
    assert done.returncode == 0, done.stderr

    assert _mode(bacpac) == expected and _mode(folder / 'copy.sqlite') == expected
    assert _mode(ops) == 0o700 and _mode(ops / 'logs') == 0o700
    kept = [ops / name for name in os.listdir(ops) if name.startswith('operations.db')]
    kept += [ops / 'logs' / name for name in os.listdir(ops / 'logs')]
    assert len(kept) >= 3 and {path.name: oct(_mode(path)) for path in kept if _mode(path) != 0o600} == {}
    assert sorted(os.listdir(tmp_path)) == ['data', 'ops', 'shop.bacpac', 'task']     # no temporary file left


def test_a_replaced_bacpac_keeps_its_permissions(step_env, pipelines, tmp_path):
    folder = tmp_path / 'data'
    make_sample_db.build(str(folder / 'shop.sqlite'), scale=0.05, seed=9)
    env = dict(step_env('task'), AZEXT_BACPAC_OPERATIONS_DIR=str(tmp_path / 'ops'))
    bacpac = tmp_path / 'shop.bacpac'
    bacpac.write_bytes(b'old')
    bacpac.chmod(0o640)                  # shared with the group on purpose
    done = _az(env, 'sql', 'db', 'bacpac', 'export', '-s', 'sqlite:///' + str(folder), '-n', 'shop',
               '--storage-uri', bacpac, '--overwrite', umask=0o077)
    assert done.returncode == 0, done.stderr
    assert _mode(bacpac) == 0o640 and bacpac.read_bytes()[:2] == b'PK'
