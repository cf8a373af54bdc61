"""Addressing, the driver, the connection string, sign-in, and the values the driver hands over."""
import datetime
import json
import os
import struct
import subprocess
import sys
import types

import pytest

from azext_bacpac.engines.sqlserver import SqlServerEngine, connect
from azext_bacpac.engines.sqlserver.addressing import parse_server
from azext_bacpac.engines.sqlserver.connect import (SQL_COPT_SS_ACCESS_TOKEN, ConnectionOptions, ConnectionSettings,
                                                    Driver, find_driver, pack_access_token, parse_connection_string)
from azext_bacpac.engines.sqlserver.errors import LoginFailedError, ServerNotFoundError
from azext_bacpac.engines.sqlserver.values import (convert_datetimeoffset, convert_time2, convert_timestamp,
                                                   export_mapper, import_mapper)
from azext_bacpac.errors import EngineError, InvalidInputError
from azext_bacpac.format.sqltypes import SqlType
from azext_bacpac.format.values import PreciseDateTime, PreciseTime, SqlVariant

from .fakedb import FakeServer

MS18 = Driver("ODBC Driver 18 for SQL Server", "msodbcsql18", "installed")


# ---- addressing ---------------------------------------------------------------------------------

@pytest.mark.parametrize("given, host, port, odbc, azure", [
    ("myserver", "myserver.database.windows.net", None, "tcp:myserver.database.windows.net", True),
    ("MyServer", "myserver.database.windows.net", None, "tcp:myserver.database.windows.net", True),
    ("myserver.database.windows.net", "myserver.database.windows.net", None, "tcp:myserver.database.windows.net", True),
    ("tcp:myserver.database.windows.net,1433", "myserver.database.windows.net", 1433,
     "tcp:myserver.database.windows.net,1433", True),
    ("sql01.contoso.local,14330", "sql01.contoso.local", 14330, "tcp:sql01.contoso.local,14330", False),
    ("tcp:sql01", "sql01", None, "sql01", False),
    ("localhost", "localhost", None, "localhost", False),
    ("localhost,1433", "localhost", 1433, "tcp:localhost,1433", False),
    ("127.0.0.1,1401", "127.0.0.1", 1401, "tcp:127.0.0.1,1401", False),
    ("[::1],1433", "::1", 1433, "tcp:[::1],1433", False),
    ("mi-prod.a1b2c3.database.windows.net", "mi-prod.a1b2c3.database.windows.net", None,
     "tcp:mi-prod.a1b2c3.database.windows.net", True),
])
def test_server_addressing(given, host, port, odbc, azure):
    address = parse_server(given)
    assert (address.host, address.port, address.odbc_server, address.is_azure) == (host, port, odbc, azure)


def test_named_instances_and_other_clouds():
    address = parse_server("sqlhost\\SQLEXPRESS")
    assert (address.host, address.instance, address.odbc_server) == ("sqlhost", "SQLEXPRESS", "sqlhost\\SQLEXPRESS")
    assert parse_server("myserver", ".database.chinacloudapi.cn").host == "myserver.database.chinacloudapi.cn"


@pytest.mark.parametrize("given", ["", "  ", "my server", "srv;UID=sa", "srv,0", "srv,70000", "srv,abc", "{x}",
                                   "a=b", "https://x.database.windows.net", "tcp:", "bad..name", "host\\A,1433"])
def test_bad_server_names_are_refused(given):
    with pytest.raises(InvalidInputError):
        parse_server(given)


# ---- the driver -----------------------------------------------------------------------------------

def test_the_mssql_python_wheel_driver_is_found_and_described():
    paths = connect.wheel_driver_paths()
    if not paths:
        pytest.skip("mssql-python is not installed")
    driver = find_driver()
    assert driver.kind == "msodbcsql18" and driver.source == "mssql-python wheel" and os.path.isfile(driver.name)
    assert driver.description.startswith("Microsoft ODBC Driver 18 for SQL Server 18.")
    assert "mssql-python" in driver.description


def test_installed_drivers_are_the_fallback(monkeypatch):
    monkeypatch.setattr(connect, "wheel_driver_paths", lambda: [])
    monkeypatch.delenv(connect.DRIVER_ENV, raising=False)
    assert find_driver(installed=["FreeTDS", "ODBC Driver 17 for SQL Server"]).kind == "msodbcsql17"
    assert find_driver(installed=["ODBC Driver 17 for SQL Server", "ODBC Driver 18 for SQL Server"]).kind == \
        "msodbcsql18"
    freetds = find_driver(installed=["FreeTDS"])
    assert freetds.kind == "freetds" and freetds.description.startswith("FreeTDS ODBC driver")
    with pytest.raises(EngineError, match="pip install mssql-python"):
        find_driver(installed=["SQLite3"])


def test_the_driver_can_be_chosen(monkeypatch, tmp_path):
    monkeypatch.setenv(connect.DRIVER_ENV, "ODBC Driver 17 for SQL Server")
    assert find_driver().kind == "msodbcsql17" and find_driver().source == "chosen"
    monkeypatch.setenv(connect.DRIVER_ENV, str(tmp_path / "missing.so"))
    with pytest.raises(EngineError, match="does not exist"):
        find_driver()


def test_pyodbc_is_not_imported_when_the_engine_module_loads():
    code = ("import sys; import azext_bacpac.engines; import azext_bacpac.engines.sqlserver; "
            "print('pyodbc' in sys.modules, 'azure.identity' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))).stdout
    assert out.split() == ["False", "False"]


# ---- connection strings and sign-in --------------------------------------------------------------

def settings(server="myserver", driver=MS18, **options):
    result = ConnectionSettings(server, ConnectionOptions(**options))
    result._driver = driver
    return result


def test_sql_login_connection_string():
    text, attrs = settings(user="sqladmin", password="p;a}ss").connection_string("Shop")
    assert text == ("DRIVER={ODBC Driver 18 for SQL Server};SERVER=tcp:myserver.database.windows.net;Encrypt=yes;"
                    "TrustServerCertificate=no;DATABASE=Shop;ColumnEncryption=Disabled;APP=azext_bacpac;"
                    "UID=sqladmin;PWD={p;a}}ss};")
    assert attrs == {}
    assert parse_connection_string(text)[-1] == ("PWD", "p;a}ss")


def test_trust_server_certificate_only_on_request():
    text, _ = settings("localhost,1433", user="sa", password="x-secret", trust_server_certificate=True) \
        .connection_string("db")
    assert "Encrypt=yes;TrustServerCertificate=yes;" in text


def test_column_encryption_is_disabled_whatever_the_user_gives():
    given = "Server=tcp:myserver.database.windows.net,1433;Database=Other;ColumnEncryption=Enabled;UID=a;" \
            "PWD=b-secret;" \
            "MultiSubnetFailover=Yes"
    result = settings(None, odbc_connection_string=given)
    text, _ = result.connection_string("Shop")
    pairs = dict((k.lower(), v) for k, v in parse_connection_string(text))
    assert pairs["columnencryption"] == "Disabled" and pairs["database"] == "Shop"
    assert pairs["multisubnetfailover"] == "Yes" and "Enabled" not in text
    assert result.address.port == 1433 and result.auth == "SQL"
    own = settings(None, odbc_connection_string="Server=localhost,1433;UID=sa;PWD=x-secret;TrustServerCertificate=yes")
    assert "TrustServerCertificate=yes;" in own.connection_string("db")[0]


def test_ad_password_and_managed_identity():
    text, _ = settings(user="ana@contoso.com", password="pw-secret", auth_type="adpassword").connection_string("db")
    assert "Authentication=ActiveDirectoryPassword;UID=ana@contoso.com;PWD=pw-secret;" in text
    client = "0b4c6a5e-1f2a-4b3c-9d8e-7f6a5b4c3d2e"
    text, attrs = settings(user=client, auth_type="ManagedIdentity").connection_string("db")
    assert f"Authentication=ActiveDirectoryMsi;UID={client};" in text and attrs == {}
    text, _ = settings(auth_type="ManagedIdentity").connection_string("db")
    assert text.endswith("Authentication=ActiveDirectoryMsi;") and "UID" not in text


def test_managed_identity_by_resource_id_signs_in_with_a_token(monkeypatch):
    seen = []
    monkeypatch.setattr(connect, "managed_identity_token", lambda identity: (seen.append(identity) or "mi-token", 0))
    resource = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
    text, attrs = settings(user=resource, auth_type="ManagedIdentity").connection_string("db")
    assert seen == [resource] and attrs[SQL_COPT_SS_ACCESS_TOKEN] == pack_access_token("mi-token")
    assert "Authentication" not in text and "UID" not in text


def test_the_access_token_is_packed_as_the_driver_requires():
    packed = pack_access_token("eyJ0eXAi.abc")
    assert packed[:4] == struct.pack("<I", 24) and packed[4:] == "eyJ0eXAi.abc".encode("utf-16-le")
    assert packed[4:6] == b"e\x00"                                   # each byte followed by a zero byte


def test_without_credentials_an_entra_token_is_used_and_no_password_is_needed():
    result = settings(token_provider=lambda: "token-from-az-login")
    text, attrs = result.connection_string("Shop")
    assert result.auth == "AccessToken" and "UID" not in text and "PWD" not in text and "Authentication" not in text
    assert attrs == {SQL_COPT_SS_ACCESS_TOKEN: pack_access_token("token-from-az-login")}
    assert settings().auth == "AccessToken"


def test_default_token_uses_azure_identity(monkeypatch):
    calls = []

    class Credential:
        def __init__(self, **kwargs):
            calls.append(kwargs)

        def get_token(self, scope):
            calls.append(scope)
            return types.SimpleNamespace(token="tok-123", expires_on=2_000_000_000)
    fake_identity = types.ModuleType("azure.identity")
    fake_identity.DefaultAzureCredential = Credential
    monkeypatch.setitem(sys.modules, "azure.identity", fake_identity)
    assert connect.default_token() == ("tok-123", 2_000_000_000.0)
    assert calls == [{"exclude_interactive_browser_credential": True}, "https://database.windows.net/.default"]


def test_without_azure_identity_the_az_cli_gives_the_token(monkeypatch):
    monkeypatch.setitem(sys.modules, "azure.identity", None)           # import fails
    seen = []

    def runner(command):
        seen.append(command)
        return types.SimpleNamespace(returncode=0, stderr="", stdout=json.dumps(
            {"accessToken": "cli-token", "expires_on": 1_900_000_000, "expiresOn": "2030-01-01 00:00:00.000000"}))
    original = connect.az_cli_token
    monkeypatch.setattr(connect, "az_cli_token", lambda: original(runner=runner))
    token, expires = connect.default_token()
    assert token == "cli-token" and expires == 1_900_000_000.0
    assert seen[0][1:] == ["account", "get-access-token", "--resource", "https://database.windows.net/", "--output",
                           "json"]


def test_az_cli_failure_is_a_login_error_without_the_output():
    def runner(_):
        return types.SimpleNamespace(returncode=1, stderr="ERROR: Please run 'az login' to setup account.", stdout="")
    with pytest.raises(LoginFailedError, match="az login"):
        connect.az_cli_token(runner=runner)


def test_sql_auth_needs_both_user_and_password():
    with pytest.raises(InvalidInputError, match="needs --admin-user and --admin-password"):
        settings(auth_type="SQL", user="sa")
    with pytest.raises(InvalidInputError, match="--admin-password is required"):
        settings(user="sa")
    with pytest.raises(InvalidInputError, match="unknown authentication type"):
        settings(auth_type="Kerberos")


def test_freetds_has_no_entra_sign_in():
    freetds = Driver("FreeTDS", "freetds", "installed")
    text, _ = settings("sql01.local,1433", driver=freetds, user="sa", password="x-secret").connection_string("db")
    assert "SERVER=sql01.local;PORT=1433;TDS_Version=7.4" in text and "Encryption=require" in text
    with pytest.raises(InvalidInputError, match="Microsoft ODBC Driver"):
        settings(driver=freetds, token_provider=lambda: "t").connection_string("db")


def test_secrets_stay_out_of_redacted_strings_and_repr():
    result = settings(user="sa", password="Hunter2-secret")
    assert "Hunter2-secret" not in result.redacted("db") and "PWD=***" in result.redacted("db")
    assert "Hunter2-secret" not in repr(result.options)
    assert "tok-secret" not in repr(ConnectionOptions(access_token="tok-secret"))


def test_the_engine_registers_output_converters_and_the_command_timeout():
    fake = FakeServer()
    engine = SqlServerEngine("myserver", user="sa", password="x-secret", connect=fake.connect, command_timeout=600)
    session = engine.session("master")
    assert set(session.conn.converters) == {-155, -154, 93} and session.conn.timeout == 600
    assert fake.connections[0][2] == 30                                   # login timeout


def test_unknown_engine_options_are_refused_and_each_option_has_one_spelling():
    with pytest.raises(InvalidInputError, match="busy_timeout"):
        SqlServerEngine("myserver", busy_timeout=5)
    with pytest.raises(InvalidInputError, match="administrator_login"):      # the CLI's name is not an alias
        SqlServerEngine("myserver", administrator_login="sa")
    with pytest.raises(TypeError, match="admin_user"):                       # the registry's entry point
        SqlServerEngine.open("myserver", admin_user="sa")
    engine = SqlServerEngine.open("myserver", user="sa", password="x-secret", auth_type="SQL")
    assert engine.settings.auth == "SQL" and engine.settings.user == "sa"


def test_a_real_driver_reports_an_unreachable_server_as_not_found():
    """pyodbc and Microsoft's driver, for real: nothing listens on 127.0.0.1:1."""
    try:
        import pyodbc   # noqa: F401
    except ImportError:
        pytest.skip("pyodbc is not installed")
    if not connect.wheel_driver_paths() and "ODBC Driver 18 for SQL Server" not in connect.installed_drivers():
        pytest.skip("no Microsoft ODBC driver here")
    engine = SqlServerEngine("127.0.0.1,1", user="sa", password="Not-Shown-123", login_timeout=1)
    with pytest.raises(ServerNotFoundError) as caught:
        engine.session("master")
    assert "Not-Shown-123" not in str(caught.value) and "port 1 " in str(caught.value)


def test_the_bulk_copy_layer_loads_the_real_driver_and_reports_errors():
    from azext_bacpac.engines.sqlserver import bulkcopy
    if not connect.wheel_driver_paths():
        pytest.skip("mssql-python is not installed")
    engine = SqlServerEngine("127.0.0.1,1", user="sa", password="Not-Shown-123", login_timeout=1)
    reason = bulkcopy.bulk_copy_unavailable(engine.settings)
    if reason and "could not be loaded" in reason:
        pytest.skip(f"the driver library does not load here: {reason}")
    assert reason is None
    with pytest.raises(ServerNotFoundError):
        bulkcopy._OdbcBulkCopy(bulkcopy._load(engine.settings), engine.settings, "db", None)


def test_bulk_copy_is_unavailable_with_freetds():
    from azext_bacpac.engines.sqlserver import bulkcopy
    result = settings(driver=Driver("FreeTDS", "freetds", "installed"), user="sa", password="x-secret")
    result.bulk_copy_factory = None
    assert "no bulk copy API" in bulkcopy.bulk_copy_unavailable(result)


# ---- values ---------------------------------------------------------------------------------------

def test_datetimeoffset_converter_keeps_the_offset_and_100ns():
    raw = struct.pack("<6hI2h", 2025, 3, 4, 10, 0, 0, 1_300, 2, 0)
    value = convert_datetimeoffset(raw)
    assert value == PreciseDateTime(2025, 3, 4, 10, 0, 0, 1, datetime.timezone(datetime.timedelta(hours=2)),
                                    hundred_ns=3)
    minus = convert_datetimeoffset(struct.pack("<6hI2h", 2000, 1, 1, 0, 0, 0, 0, -5, -30))
    assert minus.utcoffset() == -datetime.timedelta(hours=5, minutes=30) and type(minus) is datetime.datetime
    assert convert_datetimeoffset(None) is None
    assert convert_datetimeoffset("2025-03-04 10:00:00.0000013 +02:00") == value


def test_timestamp_and_time_converters():
    assert convert_timestamp(struct.pack("<h5HI", 2025, 1, 2, 3, 4, 5, 123_456_700)) == \
        PreciseDateTime(2025, 1, 2, 3, 4, 5, 123456, hundred_ns=7)
    assert convert_timestamp(struct.pack("<h5HI", 1900, 1, 1, 0, 0, 0, 3_000_000)) == \
        datetime.datetime(1900, 1, 1, 0, 0, 0, 3000)
    assert convert_time2(struct.pack("<3H2xI", 23, 59, 59, 999_999_900)) == \
        PreciseTime(23, 59, 59, 999999, hundred_ns=9)
    assert convert_time2("12:00:01.5") == datetime.time(12, 0, 1, 500000)


def test_export_and_import_mappers():
    types_ = [SqlType("int"), SqlType("sql_variant"), SqlType("datetimeoffset", scale=7), SqlType("time", scale=7),
              SqlType("uniqueidentifier"), SqlType("char", 11)]
    encrypted = [False, False, False, False, False, True]
    offset = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
    exported = export_mapper(types_, encrypted)((1, datetime.time(1, 2, 3), offset, datetime.time(4, 5, 6), "A-B",
                                                 b"\x01\x02"))
    assert isinstance(exported[1], SqlVariant) and exported[1].base_type == "time" and exported[5] == b"\x01\x02"
    params = import_mapper(types_, encrypted)((1, SqlVariant(offset, "datetimeoffset", b""), offset,
                                               PreciseTime(4, 5, 6, 7, hundred_ns=8), __import__("uuid").UUID(int=1),
                                               b"\x01"))
    assert params == (1, "2024-05-06 07:08:09.0000000 +00:00", "2024-05-06 07:08:09.0000000 +00:00", "04:05:06.0000078",
                      "00000000-0000-0000-0000-000000000001", b"\x01")
    assert export_mapper([SqlType("int")], [False]) is None
