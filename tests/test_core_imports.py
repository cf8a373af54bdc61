"""The core (format, engines, storage, pipelines, operations, native) stands without az.

Worker processes and scripts import it; az and knack cost about 200 ms per process and must not be a
dependency of the format code. Each check runs in a fresh interpreter so nothing imported by pytest
or by other tests hides an import.
"""
import subprocess
import sys

import pytest

CORE = [
    "azext_bacpac.format", "azext_bacpac.format.model", "azext_bacpac.format.package",
    "azext_bacpac.format.bcp", "azext_bacpac.engines", "azext_bacpac.engines.sqlite",
    "azext_bacpac.engines.sqlserver", "azext_bacpac.storage", "azext_bacpac.storage.local",
    "azext_bacpac.storage.blob", "azext_bacpac.pipelines", "azext_bacpac.pipelines.export",
    "azext_bacpac.pipelines.importing", "azext_bacpac.pipelines.inspect",
    "azext_bacpac.operations", "azext_bacpac.operations.store", "azext_bacpac.operations.worker",
    "azext_bacpac.native",
]

PROBE = """
import importlib, sys
importlib.import_module({module!r})
leaked = sorted(m for m in sys.modules if m.split('.')[0] == 'knack' or m.startswith('azure.cli'))
print(' '.join(leaked))
"""


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_no_az(module):
    done = subprocess.run([sys.executable, "-c", PROBE.format(module=module)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"{module} imports az modules: {done.stdout.strip()}"


def test_az_still_finds_the_command_loader():
    import azext_bacpac
    from azure.cli.core import AzCommandsLoader
    assert issubclass(azext_bacpac.COMMAND_LOADER_CLS, AzCommandsLoader)
    with pytest.raises(AttributeError):
        azext_bacpac.NOT_A_THING  # pylint: disable=pointless-statement
