"""The real Microsoft ODBC Driver 18 (from the mssql-python wheels) and pyodbc, without a server: the
driver is found where the current wheels put it, it loads, it speaks TDS to a loopback port, and its bulk
copy entry points are bound as the "bcp_bind" documentation requires."""
import ctypes
import os
import socket

import pytest

from azext_bacpac.engines.sqlserver import SqlServerEngine, bulkcopy
from azext_bacpac.engines.sqlserver.connect import find_driver, wheel_driver_paths
from azext_bacpac.engines.sqlserver.errors import ServerNotFoundError


def _need(module):
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed: scripts/test.sh installs it (scripts/requirements-test.txt)")
        pytest.skip(f"{module} is not installed")


@pytest.fixture(scope="module")
def real_driver():
    _need("pyodbc")
    odbc = _need("mssql_python_odbc")
    driver = find_driver()
    return driver, odbc


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_driver_is_found_where_the_current_wheels_put_it(real_driver):
    driver, odbc = real_driver
    libs = os.path.join(os.path.dirname(odbc.__file__), "libs")
    assert driver.kind == "msodbcsql18" and driver.source == "mssql-python wheel"
    assert driver.name.startswith(libs) and os.path.isfile(driver.name)
    assert "libmsodbcsql-18" in os.path.basename(driver.name)
    assert wheel_driver_paths()[0] == driver.name
    assert driver.version and driver.version.startswith("18.")


def test_the_driver_loads_and_reports_a_server_that_is_not_there(real_driver):
    import pyodbc
    driver, _ = real_driver
    with pytest.raises(pyodbc.Error) as caught:
        pyodbc.connect(f"DRIVER={{{driver.name}}};SERVER=127.0.0.1,{closed_port()};Encrypt=yes;UID=u;PWD=p",
                       timeout=3)
    sqlstate = caught.value.args[0]
    assert sqlstate in ("HYT00", "08001"), caught.value.args      # not IM002 / 01000 "Can't open lib"
    assert "ODBC Driver 18 for SQL Server" in caught.value.args[1]


def test_the_engine_turns_the_real_drivers_error_into_one_line(real_driver):
    engine = SqlServerEngine(f"127.0.0.1,{closed_port()}", user="u", password="Pa55w0rd!secret", login_timeout=3)
    with pytest.raises(ServerNotFoundError) as caught:
        engine.session("master")
    message = str(caught.value)
    assert "\n" not in message and "Pa55w0rd!secret" not in message and "127.0.0.1" in message


def test_the_bulk_copy_functions_are_in_the_real_driver(real_driver):
    driver, _ = real_driver
    engine = SqlServerEngine("127.0.0.1", user="u", password="p")
    lib = bulkcopy._load(engine.settings)
    for name in ("bcp_initW", "bcp_bind", "bcp_collen", "bcp_colptr", "bcp_control", "bcp_sendrow", "bcp_done"):
        assert hasattr(lib, name)


class _RecordingLib:
    """Stands in for the driver library: records bcp_* calls (the real library needs a server)."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        def call(*args):
            self.calls.append((name, args))
            return 1
        return call


def test_columns_are_bound_with_no_length_and_each_row_sets_its_own(monkeypatch):
    lib = _RecordingLib()
    monkeypatch.setattr(bulkcopy._OdbcBulkCopy, "_connect", lambda self: None)
    copy = bulkcopy._OdbcBulkCopy(lib, None, "Db", None)
    copy.start("[dbo].[T]", [(1, bulkcopy.SQLNCHAR), (2, bulkcopy.SQLBIGVARBINARY)])
    binds = [args for name, args in lib.calls if name == "bcp_bind"]
    # bcp_bind(hdbc, pData, cbIndicator, cbData, pTerm, cbTerm, eDataType, idxServerCol): SQL_VARLEN_DATA
    # with neither an indicator nor a terminator is an error for character and binary data
    assert [(b[2], b[3], b[4], b[5], b[6], b[7]) for b in binds] == [(0, 0, None, 0, bulkcopy.SQLNCHAR, 1),
                                                                     (0, 0, None, 0, bulkcopy.SQLBIGVARBINARY, 2)]
    lib.calls.clear()
    copy.send_row(["abc".encode("utf-16-le"), None])
    lengths = [args[1:] for name, args in lib.calls if name == "bcp_collen"]
    assert lengths == [(6, 1), (bulkcopy.SQL_NULL_DATA, 2)]
    copy.dbc = ctypes.c_void_p()
