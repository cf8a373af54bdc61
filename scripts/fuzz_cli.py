"""The az route of scripts/fuzz.py (and scripts/faults_store.py): in-process az invocations through
the real parser (DummyCli) against this checkout, with a private config folder."""
import io
import os
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


# ---- the az route (DummyCli) ---------------------------------------------------------------------

_CLI_READY = []


def _cli_environment():
    """Point az at a private config folder and this checkout (as tests/cli/conftest.py does); returns
    the variables set (on every call: a caller may have put its own back in between)."""
    if not _CLI_READY:
        root = tempfile.mkdtemp(prefix="bacpac-fuzz-az-")
        dev = os.path.join(root, "dev-extensions")
        target = os.path.join(dev, "bacpac")
        os.makedirs(dev)
        if (REPO / "bacpac.egg-info").exists():
            os.symlink(str(REPO), target)
        else:
            os.makedirs(os.path.join(target, "bacpac.egg-info"))
            os.symlink(str(REPO / "azext_bacpac"), os.path.join(target, "azext_bacpac"))
            with open(os.path.join(target, "bacpac.egg-info", "PKG-INFO"), "w") as handle:
                handle.write("Metadata-Version: 2.1\nName: bacpac\nVersion: 0.1.0\n")
        _CLI_READY.append(root)
    root = _CLI_READY[0]
    variables = {"AZURE_CONFIG_DIR": os.path.join(root, "config"),
                 "AZURE_EXTENSION_DEV_SOURCES": os.path.join(root, "dev-extensions"),
                 "AZEXT_BACPAC_OPERATIONS_DIR": os.path.join(root, "config", "bacpac"),
                 "AZURE_CORE_COLLECT_TELEMETRY": "false", "AZURE_CORE_NO_COLOR": "true"}
    os.environ.update(variables)
    return variables


class CliFailure(Exception):
    """az ended with an error; `error` is the exception az recorded."""

    def __init__(self, error, exit_code, stderr):
        super().__init__(str(error))
        self.error, self.exit_code, self.stderr = error, exit_code, stderr


def run_az(*args):
    """(exit code, stdout, stderr, error) of one in-process az invocation."""
    import contextlib
    if not _CLI_READY:                    # once: a caller may point the store elsewhere afterwards
        _cli_environment()
    from azure.cli.core.mock import DummyCli
    out, err = io.StringIO(), io.StringIO()
    cli = DummyCli()
    error = None
    with contextlib.redirect_stderr(err):
        try:
            exit_code = cli.invoke(list(args), out_file=out)
            error = cli.result.error if cli.result is not None else None
        except SystemExit as ex:
            exit_code = ex.code
    return exit_code, out.getvalue(), err.getvalue(), error


def _cli_check(exit_code, stderr, error):
    from azure.cli.core import azclierror
    if exit_code == 0:
        return
    if error is None or isinstance(error, azclierror.CLIInternalError) or not isinstance(error, azclierror.AzCLIError) \
            or "Traceback" in stderr:
        raise RuntimeError(f"az failed without a clear error (exit {exit_code}): {stderr.strip()[-1500:]}")
    raise _CliRefusal(error)


class _CliRefusal(Exception):
    """A clean az failure (an azclierror other than CLIInternalError), counted like a BacpacError."""

    def __init__(self, error):
        super().__init__(str(error))
        self.az_class = type(error).__name__


def cli_inspect(path):
    exit_code, _, stderr, error = run_az("sql", "db", "bacpac", "inspect", "--storage-uri", path)
    _cli_check(exit_code, stderr, error)


def cli_import(path, server, database, timeout):
    exit_code, _, stderr, error = run_az("sql", "db", "bacpac", "import", "-s", server, "-n", database,
                                         "--storage-uri", path)
    _cli_check(exit_code, stderr, error)
