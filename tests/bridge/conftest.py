"""The bridge's tests reuse the CLI tests' set-up: az loaded with the extension through
AZURE_EXTENSION_DEV_SOURCES into a private config folder (tests/cli/conftest.py, imported first so
that its environment is in place before anything imports azure.cli.core), and its fixtures."""

import os
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from tests.cli.conftest import CONFIG_DIR, az, sample_db  # noqa: F401  (fixtures re-exported)

from azext_bacpac._validators import ADMIN_PASSWORD_ENV, STORAGE_KEY_ENV

# bridge.py is dev-only (the PowerShell module's generator and these tests): it lives beside the
# generator in scripts/powershell/, outside the runtime package.
POWERSHELL_SCRIPTS = str(Path(__file__).resolve().parents[2] / "scripts" / "powershell")
if POWERSHELL_SCRIPTS not in sys.path:
    sys.path.insert(0, POWERSHELL_SCRIPTS)


@pytest.fixture
def own_records():
    """The operation store is shared with tests/cli (one AZURE_CONFIG_DIR per test session): take back
    every record a bridge test adds, once it has ended, with its worker's log, so that no other test
    finds it (`list --active-only`, "the first Failed record", conflicts)."""
    from azext_bacpac.operations.store import ACTIVE_STATES, OperationStore, default_store_path
    operations = OperationStore(default_store_path())
    before = {record.id for record in operations.list()}
    yield operations
    added = [record.id for record in operations.list() if record.id not in before]
    deadline = time.monotonic() + 30
    for operation_id in added:
        while operations.get(operation_id).state in ACTIVE_STATES and operations.get(operation_id).worker_pid \
                and time.monotonic() < deadline:
            time.sleep(0.1)                       # a real worker still running: let it end first
        operations.update(operation_id, only_if_active=True, state='Cancelled', error_message='test record')
    connection = sqlite3.connect(operations.path, timeout=30)
    try:
        with connection:
            connection.executemany('DELETE FROM operations WHERE id = ?', [(i,) for i in added])
    finally:
        connection.close()
    for operation_id in added:
        log = os.path.join(os.path.dirname(operations.path), 'logs', operation_id + '.log')
        if os.path.exists(log):
            os.remove(log)


@pytest.fixture
def run_az(az, monkeypatch, own_records):  # noqa: F811
    """run_az(argv, stdin_secret, env_secrets) -> (exit_code, stdout, stderr): what the module's
    Invoke-AzSqlBacpacAz does, through DummyCli (the real az parser, in process). The secret goes to
    stdin, env_secrets are set for the call only (and removed after), nothing else is inherited."""
    calls = []

    def run(argv, stdin_secret, env_secrets):
        calls.append((list(argv), stdin_secret, dict(env_secrets)))
        for name in (ADMIN_PASSWORD_ENV, STORAGE_KEY_ENV):
            monkeypatch.delenv(name, raising=False)
        for name, value in env_secrets.items():
            monkeypatch.setenv(name, value)
        try:
            result = az(*argv, stdin=stdin_secret if stdin_secret is not None else '')
        finally:
            for name in env_secrets:
                monkeypatch.delenv(name, raising=False)
        return result.exit_code, result.stdout, result.stderr

    run.calls = calls
    return run


@pytest.fixture
def store(own_records):
    """The operation store the in-process az uses (AZURE_CONFIG_DIR of tests/cli/conftest.py); what a
    test adds to it is taken back afterwards (own_records)."""
    return own_records
