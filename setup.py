#!/usr/bin/env python
"""Packaging of the `bacpac` Azure CLI extension (`az sql db bacpac`)."""

import glob
import os
import sys

from setuptools import Extension, find_packages, setup

VERSION = '0.1.0'

HERE = os.path.abspath(os.path.dirname(__file__))


def _read(name):
    with open(os.path.join(HERE, name), encoding='utf-8') as handle:
        return handle.read()


# Everything else the extension uses (knack, azure-cli-core, azure-storage-blob, ...) ships with
# azure-cli, and inside `az` the CLI's own copies win anyway: declare only what azure-cli lacks.
# The SQL Server engine: pyodbc 5.2+ (sql_variant) and Microsoft ODBC Driver 18, which the
# mssql-python wheels ship (in mssql_python_odbc), where those wheels exist; `az extension add`
# installs them into az's own Python. pyodbc on Linux and macOS also needs unixODBC from the system.
_DRIVER_WHEELS = ('(platform_system == "Windows" or platform_system == "Darwin" or '
                  '(platform_system == "Linux" and (platform_machine == "x86_64" or platform_machine == "aarch64")))')
DEPENDENCIES = [
    # A package's expressions (defaults, checks, computed columns, index filters) reach SQL only as
    # one expression parsed and re-emitted by sqlglot (azext_bacpac/engines/expressions.py).
    'sqlglot>=25',
    'pyodbc>=5.2',
    'mssql-python>=1.16; python_version >= "3.10" and ' + _DRIVER_WHEELS,
]


def _native_extensions():
    """The optional C fast paths (azext_bacpac/native/): skipped where they cannot build, and the
    pure-Python paths run instead. They link the system SQLite, the one Python's _sqlite3 uses.

    A wheel stays pure Python (py3-none-any, for any az's Python) and carries the sources instead:
    azext_bacpac/native/build.py compiles them where the extension is installed. Set
    BACPAC_NATIVE_WHEEL=1 for a wheel with the modules built in, for this very Python only."""
    if os.name != 'posix' or os.environ.get('BACPAC_NATIVE', '1') == '0':
        return []
    if 'bdist_wheel' in sys.argv and os.environ.get('BACPAC_NATIVE_WHEEL') != '1':
        return []
    headers = glob.glob('azext_bacpac/native/*.h')
    return [Extension(f'azext_bacpac.native.{os.path.basename(source)[:-2]}', [source], depends=headers,
                      libraries=['sqlite3'], extra_compile_args=['-O2', '-std=c99', '-Wall'], optional=True)
            for source in sorted(glob.glob('azext_bacpac/native/*.c'))]


CLASSIFIERS = [
    'Development Status :: 4 - Beta',
    'Intended Audience :: Developers',
    'Intended Audience :: System Administrators',
    'Programming Language :: Python',
    'Programming Language :: Python :: 3',
    'Programming Language :: Python :: 3.9',
    'Programming Language :: Python :: 3.10',
    'Programming Language :: Python :: 3.11',
    'Programming Language :: Python :: 3.12',
]

setup(
    name='bacpac',
    version=VERSION,
    description='Azure CLI extension: `az sql db bacpac` exports and imports BACPAC files on a local engine.',
    long_description=_read('README.md') + '\n\n' + _read('HISTORY.rst'),
    long_description_content_type='text/markdown',
    license='MIT',
    classifiers=CLASSIFIERS,
    python_requires='>=3.9',
    packages=find_packages(include=['azext_bacpac', 'azext_bacpac.*']),
    package_data={'azext_bacpac': ['azext_metadata.json'], 'azext_bacpac.native': ['*.c', '*.h']},
    install_requires=DEPENDENCIES,
    ext_modules=_native_extensions(),
    # Optional: a fast deflate (stdlib zlib otherwise).
    extras_require={'fast': ['isal>=1.6']},
)
