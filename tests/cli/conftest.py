"""CLI tests: the extension loaded through AZURE_EXTENSION_DEV_SOURCES into a real az parser.

At import (before anything imports azure.cli.core, which reads these variables once) this points
az at a private config folder and at a dev-sources folder whose one entry, `bacpac`, is the
repository itself when `pip install -e .` has made bacpac.egg-info (what scripts/test.sh does), or
else a minimal stand-in (azext_bacpac linked, PKG-INFO written) so the tests run from any checkout.
"""

import atexit
import glob
import io
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / 'scripts'
_ROOT = tempfile.mkdtemp(prefix='bacpac-cli-tests-')
atexit.register(shutil.rmtree, _ROOT, True)
CONFIG_DIR = os.path.join(_ROOT, 'azure-config')
DEV_SOURCES = os.path.join(_ROOT, 'dev-extensions')


def _make_dev_sources():
    target = os.path.join(DEV_SOURCES, 'bacpac')
    os.makedirs(DEV_SOURCES)
    if glob.glob(str(REPO / 'bacpac.egg-info')):
        os.symlink(str(REPO), target)
        return
    os.makedirs(os.path.join(target, 'bacpac.egg-info'))
    os.symlink(str(REPO / 'azext_bacpac'), os.path.join(target, 'azext_bacpac'))
    with open(os.path.join(target, 'bacpac.egg-info', 'PKG-INFO'), 'w') as handle:
        handle.write('Metadata-Version: 2.1\nName: bacpac\nVersion: 0.1.0\n')


_make_dev_sources()
AZ_ENV = {
    'AZURE_CONFIG_DIR': CONFIG_DIR,
    'AZEXT_BACPAC_OPERATIONS_DIR': os.path.join(CONFIG_DIR, 'bacpac'),   # the operation store
    'AZURE_EXTENSION_DEV_SOURCES': DEV_SOURCES,
    'AZURE_CORE_COLLECT_TELEMETRY': 'false',
    'AZURE_CORE_NO_COLOR': 'true',
    'AZURE_CORE_ONLY_SHOW_ERRORS': 'false',
}
os.environ.update(AZ_ENV)
for _name in ('AZEXT_BACPAC_ADMIN_PASSWORD', 'AZEXT_BACPAC_STORAGE_KEY', 'AZURE_CORE_OUTPUT'):
    os.environ.pop(_name, None)
if 'azure.cli.core.extension' in sys.modules:   # imported earlier by another test module
    sys.modules['azure.cli.core.extension'].DEV_EXTENSION_SOURCES[:] = [DEV_SOURCES]

if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))


class Result:
    """One az invocation: exit code, stdout, stderr, the Python result and the exception."""

    def __init__(self, exit_code, stdout, stderr, result, error):
        self.exit_code, self.stdout, self.stderr, self.result, self.error = \
            exit_code, stdout, stderr, result, error

    @property
    def output(self):
        return self.stdout + self.stderr

    def __repr__(self):
        return 'Result(exit_code={!r}, error={!r}, stderr={!r})'.format(
            self.exit_code, self.error, self.stderr[-2000:])


@pytest.fixture
def az(capsys, monkeypatch):
    """az(*args, stdin=None) -> Result, run in-process through DummyCli (the real az parser)."""
    from azure.cli.core.mock import DummyCli

    def run(*args, stdin=None):
        capsys.readouterr()
        if stdin is not None:
            monkeypatch.setattr('sys.stdin', io.StringIO(stdin))
        cli = DummyCli()
        out = io.StringIO()
        result = error = None
        # knack configures its console log handlers only when the root logger has none, and pytest's
        # log capture has some: lend az a bare root logger so that its messages reach (captured) stderr.
        root, cli_logger = logging.getLogger(), logging.getLogger('cli')
        saved = (root.handlers[:], root.level, cli_logger.handlers[:], cli_logger.level, cli_logger.propagate)
        root.handlers, cli_logger.handlers = [], []
        try:
            exit_code = cli.invoke([str(a) for a in args], out_file=out)
            if cli.result is not None:
                result, error = cli.result.result, cli.result.error
        except SystemExit as ex:
            exit_code = ex.code
        finally:
            for handler in root.handlers + cli_logger.handlers:
                handler.close()
            root.handlers, root.level, cli_logger.handlers, cli_logger.level, cli_logger.propagate = \
                saved[0], saved[1], saved[2], saved[3], saved[4]
        captured = capsys.readouterr()
        return Result(exit_code, out.getvalue() + captured.out, captured.err, result, error)

    return run


@pytest.fixture
def sample_db(tmp_path):
    """A small sample database made by scripts/make_sample_db.py: (server URL, folder, name)."""
    import make_sample_db
    folder = tmp_path / 'data'
    make_sample_db.build(str(folder / 'sales.sqlite'), scale=0.2, seed=11)
    return 'sqlite:///' + str(folder), folder, 'sales'


@pytest.fixture
def pipelines():
    """The real pipelines module. Until it exists, tests that need it are skipped (failed in CI)."""
    import importlib
    import importlib.util
    module = None
    if importlib.util.find_spec('azext_bacpac.pipelines') is not None:
        module = importlib.import_module('azext_bacpac.pipelines')     # its own import errors surface
    if module is None or not hasattr(module, 'export_database'):
        if os.environ.get('CI'):
            pytest.fail('azext_bacpac.pipelines (export_database, import_package, inspect_package) is missing')
        pytest.skip('azext_bacpac.pipelines has not landed yet')
    return module


def table_names(inspect_result):
    """Lower-case unqualified table names listed by `inspect` ('[dbo].[Orders]' -> 'orders')."""
    names = set()
    for entry in inspect_result['tables']:
        name = entry.get('table') or entry.get('name')
        names.add(name.replace('[', '').replace(']', '').split('.')[-1].lower())
    return names
