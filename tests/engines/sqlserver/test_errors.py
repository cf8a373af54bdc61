"""The errors a user meets when connecting, as one clear line of the right class, with no secret in it."""
import pytest

from azext_bacpac._errors import to_azclierror
from azext_bacpac.engines.sqlserver import SqlServerEngine
from azext_bacpac.engines.sqlserver.errors import (CertificateError, DatabaseNotFoundError, FirewallError,
                                                   LoginFailedError, ServerNotFoundError, SqlServerError, odbc_parts,
                                                   statement_error)
from azext_bacpac.errors import ConflictError, NotFoundError

from .fakedb import FakeOdbcError, FakeServer

PASSWORD = "S3cret-Pa55word"
DRIVER = "[Microsoft][ODBC Driver 18 for SQL Server]"

LOGIN_FAILED = FakeOdbcError("28000", f"[28000] {DRIVER}[SQL Server]Login failed for user 'sqladmin'. (18456) "
                                      f"(SQLDriverConnect); [28000] {DRIVER}[SQL Server]Login failed for user "
                                      f"'sqladmin'. (18456)")
FIREWALL = FakeOdbcError("42000", f"[42000] {DRIVER}[SQL Server]Cannot open server 'shopserver' requested by the "
                                  f"login. Client with IP address '203.0.113.7' is not allowed to access the server.  "
                                  f"To enable access, use the Azure Management Portal or run sp_set_firewall_rule on "
                                  f"the master database to create a firewall rule for this IP address or address "
                                  f"range.  It may take up to five minutes for this change to take effect. (40615) "
                                  f"(SQLDriverConnect)")
PUBLIC_ACCESS = FakeOdbcError("42000", f"[42000] {DRIVER}[SQL Server]Reason: An instance-specific error occurred while "
                                       f"establishing a connection to SQL Server. Connection was denied since Deny "
                                       f"Public Network Access is set to Yes. (47073) (SQLDriverConnect)")
NO_DATABASE = FakeOdbcError("42000", f"[42000] {DRIVER}[SQL Server]Cannot open database \"Shop\" requested by the "
                                     f"login. The login failed. (4060) (SQLDriverConnect); [28000] {DRIVER}[SQL Server]"
                                     f"Login failed for user 'sqladmin'. (18456)")
NAMED_PIPES = FakeOdbcError("08001", f"[08001] {DRIVER}Named Pipes Provider: Could not open a connection to SQL "
                                     f"Server [53].  (53) (SQLDriverConnect)")
DNS = FakeOdbcError("08001", f"[08001] {DRIVER}TCP Provider: Error code 0x2AF9 (11001) (SQLDriverConnect)")
TIMEOUT = FakeOdbcError("HYT00", f"[HYT00] {DRIVER}Login timeout expired (0) (SQLDriverConnect)")
CERTIFICATE = FakeOdbcError("08001", f"[08001] {DRIVER}SSL Provider: [error:0A000086:SSL routines::certificate verify "
                                     f"failed:self-signed certificate] (-1) (SQLDriverConnect)")
ECHOING = FakeOdbcError("28000", f"[28000] {DRIVER}[SQL Server]Login failed for user '{PASSWORD}'. (18456) "
                                 f"(SQLDriverConnect)")


def connect_with(error, **options):
    fake = FakeServer()
    fake.connect_error = lambda database: error
    options.setdefault("user", "sqladmin")
    options.setdefault("password", PASSWORD)
    engine = SqlServerEngine("shopserver", connect=fake.connect, **options)
    with pytest.raises(Exception) as caught:
        engine.session("Shop")
    return caught.value


@pytest.mark.parametrize("error, cls, exit_class, fragments", [
    (LOGIN_FAILED, LoginFailedError, "UnclassifiedUserFault",
     ["login failed on server 'shopserver.database.windows.net' for login 'sqladmin'", "--admin-password"]),
    (FIREWALL, FirewallError, "UnclassifiedUserFault",
     ["does not allow connections from IP address 203.0.113.7",
      "az sql server firewall-rule create -g <resource-group> -s shopserver -n AllowBacpacClient "
      "--start-ip-address 203.0.113.7 --end-ip-address 203.0.113.7"]),
    (PUBLIC_ACCESS, FirewallError, "UnclassifiedUserFault", ["public network access is denied", "private endpoint"]),
    (NO_DATABASE, DatabaseNotFoundError, "ResourceNotFoundError",
     ["database 'Shop' was not found on server 'shopserver.database.windows.net'"]),
    (NAMED_PIPES, ServerNotFoundError, "ResourceNotFoundError", ["was not found or is not reachable"]),
    (DNS, ServerNotFoundError, "ResourceNotFoundError", ["server 'shopserver.database.windows.net'"]),
    (TIMEOUT, ServerNotFoundError, "ResourceNotFoundError", ["did not answer within 30 s", "TCP port 1433"]),
    (CERTIFICATE, CertificateError, "UnclassifiedUserFault", ["--trust-server-certificate", "not trusted"]),
])
def test_connection_errors(error, cls, exit_class, fragments):
    raised = connect_with(error)
    assert type(raised) is cls
    message = str(raised)
    assert "\n" not in message and PASSWORD not in message and "[Microsoft]" not in message
    for fragment in fragments:
        assert fragment in message
    mapped = to_azclierror(raised, secrets=())
    assert type(mapped).__name__ == exit_class
    assert isinstance(raised, NotFoundError) == (exit_class == "ResourceNotFoundError")


def test_the_firewall_hint_names_the_resource_group_when_known():
    raised = connect_with(FIREWALL, resource_group="rg-shop")
    assert "-g rg-shop -s shopserver" in str(raised)


def test_a_login_error_with_an_entra_token_points_at_az_login():
    raised = connect_with(LOGIN_FAILED, user=None, password=None, token_provider=lambda: "a-token-value-123")
    assert "az login" in str(raised) and "a-token-value-123" not in str(raised)


def test_a_driver_message_that_echoes_the_password_is_scrubbed():
    raised = connect_with(ECHOING)
    assert PASSWORD not in str(raised)


def test_odbc_parts():
    assert odbc_parts(LOGIN_FAILED) == ("28000", 18456, "Login failed for user 'sqladmin'.")
    assert odbc_parts(TIMEOUT)[:2] == ("HYT00", 0)
    assert odbc_parts(ValueError("plain")) == (None, None, "plain")


@pytest.mark.parametrize("number, cls, fragment", [
    (1801, ConflictError, "already exists"),
    (262, Exception, "permission denied"),
    (40544, SqlServerError, "raise --max-size"),
    (547, SqlServerError, "(error 547)"),
])
def test_statement_errors(number, cls, fragment):
    error = FakeOdbcError("42000", f"[42000] {DRIVER}[SQL Server]Something about {PASSWORD} happened. ({number}) "
                                   f"(SQLExecDirectW)")
    translated = statement_error(error, subject="creating table [dbo].[T]", secrets=(PASSWORD,))
    assert isinstance(translated, cls) and fragment in str(translated) and PASSWORD not in str(translated)
    assert str(translated).startswith("creating table [dbo].[T]")
