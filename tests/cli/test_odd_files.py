"""Issue 17, items 2 and 5: --storage-uri that is not a regular file, and --overwrite that would destroy
what is not a BACPAC. Real `az` processes: a FIFO must not hang them, a device must not be read."""

import hashlib
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import AZ_ENV

import make_sample_db


@pytest.fixture(scope='module')
def az_real(tmp_path_factory):
    executable = Path(sys.executable).with_name('az')
    if not executable.exists():
        pytest.skip('the full azure-cli (az) is not installed beside this Python')
    env = dict(os.environ, **AZ_ENV)
    env['AZURE_CONFIG_DIR'] = str(tmp_path_factory.mktemp('odd-files-config'))
    for name in ('AZEXT_BACPAC_ADMIN_PASSWORD', 'AZEXT_BACPAC_STORAGE_KEY', 'AZURE_CORE_OUTPUT'):
        env.pop(name, None)

    def limit():                     # a regression reads /dev/zero until memory runs out: cap it
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    def run(*args):
        return subprocess.run([str(executable)] + [str(a) for a in args], env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=90, preexec_fn=limit)
    return run


def _refused(process, *words):
    assert process.returncode == 1, (process.returncode, process.stderr)
    assert 'Traceback' not in process.stderr
    errors = [line for line in process.stderr.splitlines() if line.startswith('ERROR:')]
    assert len(errors) == 1, process.stderr
    for word in words:
        assert word in errors[0], process.stderr
    return errors[0]


def _digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope='module')
def shop(tmp_path_factory):
    folder = tmp_path_factory.mktemp('odd') / 'data'
    make_sample_db.build(str(folder / 'shop.sqlite'), scale=0.02, seed=5)
    return folder


def test_inspect_and_import_refuse_what_is_not_a_file(az_real, shop, tmp_path):
    fifo = tmp_path / 'pipe.bacpac'
    os.mkfifo(fifo)
    dangling = tmp_path / 'gone.bacpac'
    dangling.symlink_to(tmp_path / 'nothing-here.bacpac')
    cases = [(fifo, 'FIFO'), ('/dev/zero', 'character device'), (dangling, 'symbolic link'), (tmp_path, 'folder')]
    for path, word in cases:
        _refused(az_real('sql', 'db', 'bacpac', 'inspect', '--storage-uri', path), word)
    _refused(az_real('sql', 'db', 'bacpac', 'import', '-s', 'sqlite:///' + str(shop), '-n', 'copy',
                     '--storage-uri', fifo), 'FIFO')
    _refused(az_real('sql', 'db', 'bacpac', 'import', '-s', 'sqlite:///' + str(shop), '-n', 'copy2',
                     '--storage-uri', '/dev/zero'), 'character device')
    assert not (shop / 'copy.sqlite').exists() and not (shop / 'copy2.sqlite').exists()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_export_refuses_outputs_that_are_not_files(az_real, shop, tmp_path):
    server = 'sqlite:///' + str(shop)
    fifo = tmp_path / 'out.bacpac'
    os.mkfifo(fifo)
    _refused(az_real('sql', 'db', 'bacpac', 'export', '-s', server, '-n', 'shop', '--storage-uri', fifo,
                     '--overwrite'), 'FIFO')
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    device = tmp_path / 'null'
    try:
        os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except OSError:
        device = None
    if device is not None:
        _refused(az_real('sql', 'db', 'bacpac', 'export', '-s', server, '-n', 'shop', '--storage-uri', device,
                         '--overwrite'), 'character device')
        assert stat.S_ISCHR(os.lstat(device).st_mode)
    dangling = tmp_path / 'link.bacpac'
    dangling.symlink_to(tmp_path / 'missing' / 'x.bacpac')
    _refused(az_real('sql', 'db', 'bacpac', 'export', '-s', server, '-n', 'shop', '--storage-uri', dangling),
             'symbolic link')
    assert os.path.islink(dangling)


def test_overwrite_never_replaces_the_source_database(az_real, shop, tmp_path):
    server, source = 'sqlite:///' + str(shop), shop / 'shop.sqlite'
    before = _digest(source)
    link = tmp_path / 'alias.bacpac'
    link.symlink_to(source)
    hard = shop / 'hard.bacpac'
    os.link(source, hard)
    spellings = [source, shop / '..' / shop.name / 'shop.sqlite', link, hard]
    for spelling in spellings:
        _refused(az_real('sql', 'db', 'bacpac', 'export', '-s', server, '-n', 'shop', '--storage-uri', spelling,
                         '--overwrite'), 'being exported')
    assert _digest(source) == before and os.path.islink(link)


def test_the_overwrite_hint_only_for_a_bacpac(az_real, shop, tmp_path):
    server = 'sqlite:///' + str(shop)
    other = tmp_path / 'notes.txt'
    other.write_text('not a package')
    process = az_real('sql', 'db', 'bacpac', 'export', '-s', server, '-n', 'shop', '--storage-uri', other)
    _refused(process, 'is a file that is not a BACPAC')
    assert '--overwrite' not in process.stderr and other.read_text() == 'not a package'
    package = tmp_path / 'shop.bacpac'
    assert az_real('sql', 'db', 'bacpac', 'export', '-s', server, '-n', 'shop', '--storage-uri', package).returncode == 0
    process = az_real('sql', 'db', 'bacpac', 'export', '-s', server, '-n', 'shop', '--storage-uri', package)
    _refused(process, 'already exists')
    assert 'To replace the existing BACPAC, add --overwrite.' in process.stderr
