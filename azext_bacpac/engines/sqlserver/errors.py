"""ODBC errors of SQL Server and Azure SQL, turned into one-line domain errors with a hint.

Every message names what went wrong in the user's words (the server, the database, the login) and
what to do about it. None carries a secret: the driver's text is scrubbed of the password and the
access token before it is quoted, and the connection string is never quoted at all.

| what the user meets                         | class                      | az exit |
| ------------------------------------------- | -------------------------- | ------- |
| server name does not resolve / no answer    | ServerNotFoundError        | 3       |
| database does not exist (4060, 911)         | DatabaseNotFoundError      | 3       |
| login failed (18456, 18452, 18470, 18487..) | LoginFailedError           | 1       |
| firewall (40615), public access off (47073) | FirewallError              | 1       |
| certificate not trusted                     | CertificateError           | 1       |
| no access token could be obtained           | LoginFailedError           | 1       |
| database exists / already has objects       | errors.ConflictError       | 1       |
| permissions the operation needs are missing | MissingPermissionsError    | 1       |
| anything else the server refused            | SqlServerError (EngineError)| 1      |
"""
import re

from ...errors import BacpacError, ConflictError, EngineError, NotFoundError
from ...redaction import scrub

# Classes a future errors.py may take over (see the closing report); they subclass the existing ones so
# that the CLI's mapping (NotFoundError -> exit 3, BacpacError -> exit 1) already applies.


class ServerNotFoundError(NotFoundError):
    """The server name does not resolve, or nothing answers on its port within the login timeout."""


class DatabaseNotFoundError(NotFoundError):
    """The database does not exist on the server (or the login may not open it)."""


class LoginFailedError(BacpacError):
    """The server refused the credentials, or no Entra token could be obtained."""


class FirewallError(BacpacError):
    """The server's firewall (or its network settings) refuses this client's address."""


class CertificateError(BacpacError):
    """Encrypt=yes and the server's TLS certificate is not trusted by this machine."""


class SqlServerError(EngineError):
    """The server refused a statement; `number` is SQL Server's error number when known."""

    def __init__(self, message, number=None, sqlstate=None):
        super().__init__(message)
        self.number = number
        self.sqlstate = sqlstate


class MissingPermissionsError(BacpacError):
    """Permissions the operation needs are not granted; `missing` lists them, `grants` the fixes."""

    def __init__(self, message, missing=(), grants=()):
        super().__init__(message)
        self.missing = list(missing)
        self.grants = list(grants)


_DRIVER_PREFIX = re.compile(r"^\[[0-9A-Z]{5}\]\s*|\[(?:Microsoft|unixODBC|FreeTDS|SQL Server|ODBC Driver [^\]]*|"
                            r"SQL Server Native Client[^\]]*|ODBC SQL Server Driver|DBNETLIB|TCP Provider|"
                            r"SSL Provider|Named Pipes Provider)\]", re.IGNORECASE)
_NUMBER = re.compile(r"\((-?\d+)\)\s*(?:\(SQL\w+\))?\s*$")
_SQLSTATE = re.compile(r"^[0-9A-Z]{5}$")
_IP = re.compile(r"IP address '([0-9a-fA-F:.]+)'")

LOGIN_FAILED = {18456, 18452, 18470, 18486, 18487, 18488, 18463, 18464, 18465, 33155, 33156, 33161, 33162}
DATABASE_MISSING = {4060, 911, 40532}
FIREWALL = {40615, 47073, 40914, 47072}
TRANSIENT = {40613, 40501, 40197, 49918, 49919, 49920, 4221, 10928, 10929}


def odbc_parts(error):
    """(sqlstate, native error number or None, clean one-line message) of a pyodbc-style error.

    pyodbc errors carry args (sqlstate, "[sqlstate] [Microsoft][ODBC Driver 18 ...][SQL Server]text (18456)
    (SQLDriverConnect)"); several diagnostics are joined with '; '. Anything else gives (None, None, str).
    """
    args = getattr(error, "args", ())
    if len(args) >= 2 and isinstance(args[0], str) and _SQLSTATE.match(args[0]):
        sqlstate, raw = args[0], str(args[1])
    else:
        sqlstate, raw = None, str(error)
    numbers, texts = [], []
    for diagnostic in re.split(r";\s*(?=\[[0-9A-Z]{5}\])", raw):
        text = diagnostic.strip()
        match = _NUMBER.search(text)
        if match:
            numbers.append(int(match.group(1)))
            text = text[:match.start()].strip()
        text = re.sub(r"\s*\(SQL\w+\)\s*$", "", text)
        previous = None
        while previous != text:
            previous = text
            text = _DRIVER_PREFIX.sub("", text, count=1).strip()
        if text and text not in texts:
            texts.append(text)
    number = next((n for n in numbers if n > 0), numbers[0] if numbers else None)
    return sqlstate, number, " ".join(" ".join(texts).split())


def is_odbc_error(error):
    args = getattr(error, "args", ())
    if len(args) >= 2 and isinstance(args[0], str) and _SQLSTATE.match(args[0]):
        return True
    try:
        import pyodbc
    except ImportError:
        return False
    return isinstance(error, pyodbc.Error)


def connection_error(error, *, server, database, login=None, auth=None, secrets=(), login_timeout=None,
                     resource_group=None, port=1433):
    """The domain error for a failed connection attempt (SQLDriverConnect)."""
    sqlstate, number, text = odbc_parts(error)
    text = scrub(text, secrets)
    who = f"login '{login}'" if login else "the signed-in identity"
    if number in FIREWALL or "is not allowed to access the server" in text:
        ip = _IP.search(text)
        address = ip.group(1) if ip else "<your IP address>"
        group = resource_group or "<resource-group>"
        name = server.split(".")[0]
        if number == 47073 or "Deny Public Network Access" in text:
            return FirewallError(f"server '{server}' refuses connections over its public endpoint (public network "
                                 f"access is denied); connect from a network with a private endpoint, or allow public "
                                 f"access: az sql server update -g {group} -n {name} --enable-public-network true")
        return FirewallError(f"server '{server}' does not allow connections from IP address {address} (firewall); "
                             f"add a firewall rule: az sql server firewall-rule create -g {group} -s {name} "
                             f"-n AllowBacpacClient --start-ip-address {address} --end-ip-address {address}")
    if number in DATABASE_MISSING:
        return DatabaseNotFoundError(f"database '{database}' was not found on server '{server}', or {who} may not "
                                     f"open it (check --name, and that the login has a user in that database)")
    if number in LOGIN_FAILED or sqlstate == "28000":
        hint = _login_hint(number, auth)
        return LoginFailedError(f"login failed on server '{server}' for {who}{_reason(number)}; {hint}")
    if sqlstate == "IM002" or sqlstate == "01000" and "file not found" in text.lower():
        return EngineError(f"the ODBC driver could not be loaded ({text}); install Microsoft ODBC Driver 18 for "
                           f"SQL Server or `pip install mssql-python`, which ships it")
    lowered = text.lower()
    if "certificate" in lowered and ("verify" in lowered or "trust" in lowered or "chain" in lowered):
        return CertificateError(f"the TLS certificate of server '{server}' is not trusted by this machine ({text}); "
                                f"install the server's CA certificate, or (only on a network you trust) add "
                                f"--trust-server-certificate")
    if sqlstate == "HYT00" or "login timeout" in lowered or "timeout expired" in lowered:
        seconds = f" within {login_timeout} s" if login_timeout else ""
        return ServerNotFoundError(f"server '{server}' did not answer{seconds} (login timeout): check the server "
                                   f"name and port, that the server is running, and that no firewall or network "
                                   f"rule blocks TCP port {port} from this machine")
    if sqlstate in ("08001", "08S01") or number in (53, 11001, 11004, -1, 2, 10060, 10061):
        words = ("not known", "not found", "no such host", "could not open a connection", "resolve",
                 "network-related", "name or service", "11001", "host")
        if any(word in lowered for word in words):
            return ServerNotFoundError(f"server '{server}' was not found or is not reachable ({text}); check the "
                                       f"server name (a plain name means <name>.database.windows.net) and the port")
        return ServerNotFoundError(f"cannot connect to server '{server}' ({text}); check the server name and port "
                                   f"and that the server accepts TCP connections from this machine")
    if number in TRANSIENT:
        return SqlServerError(f"server '{server}' is busy or the database is not available right now ({text}); "
                              f"try again in a minute", number, sqlstate)
    return SqlServerError(f"cannot connect to server '{server}': {text}", number, sqlstate)


def _reason(number):
    return {18487: " (the password has expired)", 18488: " (the password must be changed)",
            18470: " (the login is disabled)", 18452: " (the login is from an untrusted domain)",
            18486: " (the login is locked out)"}.get(number, "")


def _login_hint(number, auth):
    if auth in ("ManagedIdentity",):
        return ("check that the managed identity exists on this machine and has a user in the database "
                "(CREATE USER [<identity name>] FROM EXTERNAL PROVIDER)")
    if auth in ("AccessToken", None):
        return ("check that the signed-in identity (az login) is a user of the database (CREATE USER [<name>] FROM "
                "EXTERNAL PROVIDER) or the server's Entra admin, or give --admin-user and --admin-password")
    if auth == "ADPassword":
        return "check --admin-user (user@domain) and --admin-password; accounts with MFA cannot use ADPassword"
    return "check --admin-user and --admin-password (the password itself is never shown)"


def statement_error(error, *, subject, secrets=()):
    """The domain error for a statement the server refused; `subject` says what was being done."""
    sqlstate, number, text = odbc_parts(error)
    text = scrub(text, secrets)
    if number == 1801:
        return ConflictError(f"{subject}: the database already exists ({text})")
    if number in (262, 229, 230, 297, 300, 15247, 916, 2760, 1088):
        return MissingPermissionsError(f"{subject}: permission denied ({text})")
    if number in (1105, 1101, 9002, 40544, 40552, 40549, 45122):
        return SqlServerError(f"{subject}: the database is full ({text}); raise --max-size or free space",
                              number, sqlstate)
    if sqlstate in ("08S01", "08003", "08007") or number in TRANSIENT:
        return SqlServerError(f"{subject}: the connection to the server was lost or the server is busy ({text}); "
                              f"try again", number, sqlstate)
    return SqlServerError(f"{subject}: {text}" + (f" (error {number})" if number and number > 0 else ""),
                          number, sqlstate)


__all__ = ["ServerNotFoundError", "DatabaseNotFoundError", "LoginFailedError", "FirewallError", "CertificateError",
           "SqlServerError", "MissingPermissionsError", "odbc_parts", "connection_error", "statement_error",
           "is_odbc_error"]
