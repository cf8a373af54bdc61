"""Connections to SQL Server and Azure SQL through pyodbc: the driver, the connection string, sign-in.

Driver (find_driver): Microsoft ODBC Driver 18 for SQL Server as the mssql-python wheel ships it
(`pip install mssql-python`; its library is loaded by path, no system install needed), else an
installed "ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server", or FreeTDS (no Entra
sign-in, no Always Encrypted bulk copy). AZEXT_BACPAC_ODBC_DRIVER (a name or a library path) or the
`driver` option overrides the choice. `Driver.description` says which one is used; the engine logs it.

Connection string: Encrypt=yes always (TrustServerCertificate=yes only with trust_server_certificate),
ColumnEncryption=Disabled always (Always Encrypted columns are read and written as ciphertext, so no
plaintext can reach a BACPAC, whatever the user's own connection string says), APP=azext_bacpac.

Sign-in (auth_type, as the cmdlets' -AuthenticationType; case-insensitive):
  SQL              --admin-user + --admin-password (UID/PWD)
  ADPassword       Entra user + password: Authentication=ActiveDirectoryPassword (no MFA)
  ManagedIdentity  Authentication=ActiveDirectoryMsi; --admin-user is the user-assigned identity's client
                   (or object) id, or its resource id (then the token comes from azure-identity / msal)
  AccessToken      an Entra access token for https://database.windows.net/ handed to the driver as
                   SQL_COPT_SS_ACCESS_TOKEN (1256): from the `access_token` option, else azure-identity's
                   DefaultAzureCredential (which covers `az login`, environment, workload and managed
                   identities), else `az account get-access-token` in a subprocess. No password at all.
  (none)           SQL when a password is given, else AccessToken.
The password and the token are never logged nor put in an error message; the connection string
itself is never shown (redacted() is what logs may carry).
"""
import datetime
import glob
import json
import logging
import os
import platform
import re
import shutil
import struct
import subprocess
import time
from dataclasses import dataclass, field

from ...errors import EngineError, InvalidInputError
from ...redaction import scrub
from .addressing import parse_server
from .errors import LoginFailedError, connection_error

logger = logging.getLogger(__name__)

SQL_COPT_SS_ACCESS_TOKEN = 1256
SQL_SS_TIME2 = -154
SQL_SS_TIMESTAMPOFFSET = -155
SQL_TYPE_TIMESTAMP = 93
DATABASE_RESOURCE = "https://database.windows.net/"
DATABASE_SCOPE = DATABASE_RESOURCE + ".default"
DRIVER_ENV = "AZEXT_BACPAC_ODBC_DRIVER"
AUTH_TYPES = {"sql": "SQL", "adpassword": "ADPassword", "managedidentity": "ManagedIdentity",
              "accesstoken": "AccessToken", "azuread": "AccessToken", "entra": "AccessToken",
              "activedirectorydefault": "AccessToken"}
INSTALLED_DRIVERS = ("ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TOKEN_MARGIN = 300          # seconds: a cached token closer than this to expiry is renewed


# ---- the driver ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Driver:
    """The ODBC driver used: `name` goes into DRIVER={...} (a registered name or a library path)."""
    name: str
    kind: str                       # msodbcsql18 | msodbcsql17 | freetds | other
    source: str                     # 'mssql-python wheel' | 'installed' | 'chosen'
    version: str = None

    @property
    def is_microsoft(self):
        return self.kind.startswith("msodbcsql")

    @property
    def description(self):
        title = {"msodbcsql18": "Microsoft ODBC Driver 18 for SQL Server",
                 "msodbcsql17": "Microsoft ODBC Driver 17 for SQL Server",
                 "freetds": "FreeTDS ODBC driver"}.get(self.kind, f"ODBC driver '{self.name}'")
        version = f" {self.version}" if self.version else ""
        where = {"mssql-python wheel": f"bundled with the mssql-python package ({self.name})",
                 "installed": "installed on this machine", "chosen": f"chosen with {DRIVER_ENV} or the driver option"}
        return f"{title}{version}, {where.get(self.source, self.source)}"


def _driver_kind(name):
    lowered = name.lower()
    if "msodbcsql" in lowered and "17" in os.path.basename(lowered) or "driver 17" in lowered:
        return "msodbcsql17"
    if "msodbcsql" in lowered or "driver 18" in lowered:
        return "msodbcsql18"
    if "tds" in lowered:
        return "freetds"
    return "other"


def wheel_driver_paths():
    """Library paths of the ODBC driver shipped by the mssql-python wheel, best match first."""
    roots = []
    try:
        import mssql_python_odbc                     # mssql-python >= 1.x keeps the driver here
        roots.append(mssql_python_odbc.get_libs_dir())
    except (ImportError, AttributeError):
        pass
    try:
        import importlib.util
        spec = importlib.util.find_spec("mssql_python")
        if spec is not None and spec.submodule_search_locations:
            roots.extend(os.path.join(p, "libs") for p in spec.submodule_search_locations)
    except (ImportError, ValueError):
        pass
    system = platform.system().lower()
    patterns = {"linux": "libmsodbcsql*.so*", "darwin": "libmsodbcsql*.dylib", "windows": "msodbcsql*.dll"}
    pattern = patterns.get(system, "*msodbcsql*")
    found = []
    for root in roots:
        if os.path.isdir(root):
            found.extend(glob.glob(os.path.join(root, "**", pattern), recursive=True))
    return sorted(set(found), key=_wheel_rank)


def _wheel_rank(path):
    lowered = path.replace("\\", "/").lower()
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(machine, machine)
    arch_ok = f"/{arch}/" in lowered or (arch == "x86_64" and "/x64/" in lowered)
    distro = _linux_family()
    distro_ok = distro is None or f"/{distro}/" in lowered
    musl_ok = ("alpine" in lowered) == _is_musl()
    return (not arch_ok, not musl_ok, not distro_ok, lowered)


def _linux_family():
    if platform.system() != "Linux":
        return None
    try:
        with open("/etc/os-release", encoding="utf-8") as handle:
            text = handle.read().lower()
    except OSError:
        text = ""
    if "alpine" in text:
        return "alpine"
    if any(word in text for word in ("rhel", "centos", "fedora", "rocky", "alma", "mariner", "azurelinux", "amzn")):
        return "rhel"
    if "suse" in text:
        return "suse"
    return "debian_ubuntu"


def _is_musl():
    return platform.system() == "Linux" and "musl" in (platform.libc_ver()[0] or "").lower()


def find_driver(preferred=None, installed=None):
    """The Driver to use. `installed` (for tests) replaces pyodbc.drivers()."""
    choice = preferred or os.environ.get(DRIVER_ENV)
    if choice:
        if os.path.sep in choice or "/" in choice:
            if not os.path.isfile(choice):
                raise EngineError(f"ODBC driver library {choice} does not exist (set by {DRIVER_ENV} or the driver "
                                  f"option)")
        return Driver(choice, _driver_kind(choice), "chosen", _version_of(choice))
    wheel = [] if platform.system() == "Windows" else wheel_driver_paths()
    if wheel:
        return Driver(wheel[0], "msodbcsql18", "mssql-python wheel", _wheel_version(wheel[0]))
    names = installed_drivers() if installed is None else list(installed)
    for name in INSTALLED_DRIVERS:
        if name in names:
            return Driver(name, _driver_kind(name), "installed")
    freetds = next((n for n in names if "freetds" in n.lower()), None)
    if freetds:
        return Driver(freetds, "freetds", "installed")
    raise EngineError(f"no SQL Server ODBC driver was found; install Microsoft ODBC Driver 18 into az's own Python "
                      f"(mssql-python ships it): {pip_command('mssql-python')}; or install msodbcsql18 on the system "
                      f"(https://learn.microsoft.com/sql/connect/odbc/download-odbc-driver-for-sql-server)")


def installed_drivers():
    try:
        return list(_pyodbc().drivers())
    except EngineError:
        return []


def _wheel_version(path):
    try:
        import mssql_python_odbc
        return ".".join(mssql_python_odbc.__version__.split(".")[:3])
    except (ImportError, AttributeError):
        return _version_of(path)


def _version_of(path):
    match = re.search(r"msodbcsql[-.]?(\d+(?:\.\d+)?)", os.path.basename(path))
    return match.group(1) if match else None


def pip_command(*packages):
    """The pip command for the Python running this code: inside az, az's own Python (its packages are
    not the system's), e.g. /opt/az/bin/python3 -m pip install pyodbc."""
    import sys
    return f"{sys.executable} -m pip install {' '.join(packages)}"


def _pyodbc():
    try:
        import pyodbc
    except ImportError as error:
        if "libodbc" in str(error):
            raise EngineError(f"pyodbc is installed but unixODBC is not ({error}); install it with your system's "
                              f"package manager: sudo apt-get install unixodbc (Debian, Ubuntu), sudo dnf install "
                              f"unixODBC (RHEL, Fedora), brew install unixodbc (macOS)") from None
        raise EngineError(f"the SQL Server engine needs pyodbc in az's own Python, which does not use the system's "
                          f"packages; run: {pip_command('pyodbc', 'mssql-python')}") from None
    return pyodbc


def describe_driver(preferred=None):
    """One line naming the ODBC driver this machine would use (for logs and `--debug`)."""
    return find_driver(preferred).description


# ---- connection strings -------------------------------------------------------------------------

def odbc_value(value):
    """A connection string value, braced when it holds anything but plain characters."""
    text = str(value)
    if re.fullmatch(r"[A-Za-z0-9_.:,\\/@+\-()\[\]]*", text) and text[:1] != "{":
        return text
    return "{" + text.replace("}", "}}") + "}"


def parse_connection_string(text):
    """[(key, value)] of an ODBC connection string (braced values unescaped)."""
    pairs, i, n = [], 0, len(text or "")
    while i < n:
        while i < n and text[i] in "; \t\r\n":
            i += 1
        if i >= n:
            break
        eq = text.find("=", i)
        if eq < 0:
            raise InvalidInputError("the ODBC connection string is malformed (a part has no '=')")
        key = text[i:eq].strip()
        i = eq + 1
        if i < n and text[i] == "{":
            j, value = i + 1, []
            while j < n:
                if text[j] == "}":
                    if j + 1 < n and text[j + 1] == "}":
                        value.append("}")
                        j += 2
                        continue
                    break
                value.append(text[j])
                j += 1
            if j >= n:
                raise InvalidInputError("the ODBC connection string is malformed (a '{' is not closed)")
            i = j + 1
            pairs.append((key, "".join(value)))
        else:
            end = text.find(";", i)
            end = n if end < 0 else end
            pairs.append((key, text[i:end].strip()))
            i = end
    return pairs


_OWNED_KEYS = {"columnencryption", "database", "initial catalog", "driver"}
_USER_MAY_SET = {"encrypt", "trustservercertificate", "app", "hostnameincertificate"}


@dataclass
class ConnectionOptions:
    """How to reach and sign in to a server. Secrets are excluded from repr()."""
    user: str = None
    password: str = field(default=None, repr=False)
    auth_type: str = None
    access_token: str = field(default=None, repr=False)
    trust_server_certificate: bool = False
    login_timeout: int = 30
    command_timeout: int = 0
    driver: str = None
    application_name: str = "azext_bacpac"
    odbc_connection_string: str = field(default=None, repr=False)
    token_provider: object = field(default=None, repr=False)   # callable() -> token string (tests, the CLI)
    resource_group: str = None
    server_suffix: str = None


class ConnectionSettings:
    """A server address plus ConnectionOptions: connection strings, tokens, and connect()."""

    def __init__(self, server, options=None, connect=None):
        self.options = options or ConnectionOptions()
        extra = parse_connection_string(self.options.odbc_connection_string) if \
            self.options.odbc_connection_string else []
        self._extra = [(k, v) for k, v in extra if k.lower() not in _OWNED_KEYS]
        if not server:
            server = next((v for k, v in extra if k.lower() in ("server", "address", "addr", "data source")), None)
        from .addressing import DEFAULT_SUFFIX
        self.address = parse_server(server, self.options.server_suffix or DEFAULT_SUFFIX)
        server_keys = ("server", "address", "addr", "data source")
        self._extra = [(k, v) for k, v in self._extra if k.lower() not in server_keys]
        extra_keys = {k.lower(): v for k, v in extra}
        self.user = self.options.user or extra_keys.get("uid") or extra_keys.get("user id")
        self.password = self.options.password or extra_keys.get("pwd") or extra_keys.get("password")
        self._extra = [(k, v) for k, v in self._extra if k.lower() not in ("uid", "pwd", "user id", "password")]
        self.auth = self._resolve_auth(extra_keys)
        self._connect = connect
        self._driver = None
        self._token = None
        self._token_expires = 0.0

    # -- what we are -------------------------------------------------------------------------------
    @property
    def driver(self):
        if self._driver is None:
            if self._connect is not None and not self.options.driver:
                self._driver = Driver("ODBC Driver 18 for SQL Server", "msodbcsql18", "installed")
            else:
                self._driver = find_driver(self.options.driver)
        return self._driver

    @property
    def secrets(self):
        return tuple(s for s in (self.password, self.options.access_token, self._token) if s)

    @property
    def login_name(self):
        return self.user

    def _resolve_auth(self, extra_keys):
        given = self.options.auth_type
        if given:
            auth = AUTH_TYPES.get(str(given).replace("_", "").replace("-", "").lower())
            if auth is None:
                raise InvalidInputError(f"unknown authentication type '{given}'; use SQL, ADPassword, "
                                        f"ManagedIdentity or AccessToken")
        elif self.options.access_token or self.options.token_provider:
            auth = "AccessToken"
        elif extra_keys.get("authentication"):
            auth = "Extra"
        elif self.password:
            auth = "SQL"
        elif self.user and extra_keys.get("trusted_connection", "").lower() != "yes":
            raise InvalidInputError("--admin-password is required with --admin-user (or leave both out to sign in "
                                    "with your Entra identity, e.g. after `az login`)")
        elif extra_keys.get("trusted_connection", "").lower() == "yes":
            auth = "Extra"
        else:
            auth = "AccessToken"
        if auth in ("SQL", "ADPassword") and (not self.user or not self.password):
            raise InvalidInputError(f"--auth-type {auth} needs --admin-user and --admin-password")
        return auth

    # -- the connection string ---------------------------------------------------------------------
    def connection_string(self, database, with_token=True):
        """(connection string, attrs_before) for a database; the string holds the password if any.

        with_token=False leaves the access token out (no token is fetched): for logs."""
        driver = self.driver
        parts = [("DRIVER", driver.name)]
        if driver.kind == "freetds":
            parts += [("SERVER", self.address.host), ("PORT", str(self.address.port or 1433)),
                      ("TDS_Version", "7.4"), ("ClientCharset", "UTF-8"),
                      ("Encryption", "require")]
        else:
            parts += [("SERVER", self.address.odbc_server), ("Encrypt", "yes"),
                      ("TrustServerCertificate", "yes" if self.options.trust_server_certificate else "no")]
        if database:
            parts.append(("DATABASE", database))
        if driver.is_microsoft:
            parts.append(("ColumnEncryption", "Disabled"))
            parts.append(("APP", self.options.application_name))
        attrs = {}
        auth = self.auth
        if auth == "SQL":
            parts += [("UID", self.user), ("PWD", self.password)]
        elif auth == "ADPassword":
            self._need_microsoft("ADPassword (Entra user and password)")
            parts += [("Authentication", "ActiveDirectoryPassword"), ("UID", self.user), ("PWD", self.password)]
        elif auth == "ManagedIdentity":
            self._need_microsoft("ManagedIdentity")
            identity = self.user
            if identity and identity.lower().startswith("/subscriptions/"):
                if with_token:
                    attrs[SQL_COPT_SS_ACCESS_TOKEN] = pack_access_token(self.access_token())
            else:
                parts.append(("Authentication", "ActiveDirectoryMsi"))
                if identity:
                    parts.append(("UID", identity))
        elif auth == "AccessToken":
            self._need_microsoft("an Entra access token")
            if with_token:
                attrs[SQL_COPT_SS_ACCESS_TOKEN] = pack_access_token(self.access_token())
        elif auth == "Extra" and self.user:
            parts += [("UID", self.user)] + ([("PWD", self.password)] if self.password else [])
        # The user's own connection string may choose encryption settings; ColumnEncryption stays ours.
        chosen = {k.lower(): v for k, v in self._extra if k.lower() in _USER_MAY_SET}
        parts = [(k, chosen.pop(k.lower(), v)) for k, v in parts]
        owned = {k.lower() for k, _ in parts}
        parts += [(k, v) for k, v in self._extra if k.lower() not in owned]
        return ";".join(f"{k}={odbc_value(v)}" for k, v in parts) + ";", attrs

    def redacted(self, database):
        """The connection string with every secret blanked: what a log may show."""
        text, _ = self.connection_string(database, with_token=False)
        return scrub(text)

    def _need_microsoft(self, what):
        if not self.driver.is_microsoft:
            raise InvalidInputError(f"signing in with {what} needs Microsoft ODBC Driver 17/18 for SQL Server; "
                                    f"the driver found is {self.driver.description} (pip install mssql-python)")

    # -- tokens ------------------------------------------------------------------------------------
    def access_token(self):
        """An Entra access token for Azure SQL (cached until 5 minutes before it expires)."""
        if self.options.access_token:
            return self.options.access_token
        if self._token and time.time() < self._token_expires - _TOKEN_MARGIN:
            return self._token
        if self.options.token_provider is not None:
            token, expires = self.options.token_provider(), time.time() + 3000
        elif self.auth == "ManagedIdentity":
            token, expires = managed_identity_token(self.user)
        else:
            token, expires = default_token()
        if isinstance(token, tuple):
            token, expires = token
        if not token:
            raise LoginFailedError("no Entra access token could be obtained for Azure SQL; sign in with `az login` "
                                   "or give --admin-user and --admin-password")
        self._token, self._token_expires = token, expires or time.time() + 3000
        return token

    # -- connecting --------------------------------------------------------------------------------
    def connect(self, database, autocommit=True):
        """An open connection (pyodbc or the test double), with our output converters registered."""
        text, attrs = self.connection_string(database)
        timeout = self.options.login_timeout
        try:
            if self._connect is not None:
                conn = self._connect(text, autocommit=autocommit, timeout=timeout, attrs_before=attrs or None)
            else:
                conn = _pyodbc().connect(text, autocommit=autocommit, timeout=timeout, attrs_before=attrs or None)
        except Exception as error:   # noqa: BLE001 - translated when it is the driver's error
            from .errors import is_odbc_error
            if is_odbc_error(error):
                raise connection_error(error, server=str(self.address), database=database, login=self.user,
                                       auth=self.auth, secrets=self.secrets + (text,),
                                       login_timeout=timeout, resource_group=self.options.resource_group,
                                       port=self.address.port or 1433) from None
            raise
        try:
            conn.timeout = int(self.options.command_timeout or 0)
        except (AttributeError, TypeError):
            pass
        register_converters(conn)
        return conn


# ---- tokens ---------------------------------------------------------------------------------------

def pack_access_token(token):
    """The ACCESSTOKEN struct SQL_COPT_SS_ACCESS_TOKEN expects: a 4-byte little-endian length, then the
    token's bytes each followed by a zero byte (that is, the ASCII token as UTF-16-LE)."""
    raw = token.encode("utf-16-le")
    return struct.pack("<I", len(raw)) + raw


def default_token():
    """(token, expires epoch) from azure-identity's DefaultAzureCredential, else from the az CLI."""
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        return az_cli_token()
    try:
        from azure.core.exceptions import ClientAuthenticationError
    except ImportError:                                      # pragma: no cover - azure-core ships with identity
        ClientAuthenticationError = Exception               # noqa: N806
    quiet = logging.getLogger("azure.identity")      # it logs every credential it tried as a WARNING
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        credential = DefaultAzureCredential(exclude_interactive_browser_credential=True)
        token = credential.get_token(DATABASE_SCOPE)
        return token.token, float(token.expires_on)
    except ClientAuthenticationError as error:
        raise LoginFailedError(f"no Entra identity is available to sign in to Azure SQL ({_first_line(error)}); "
                               f"sign in with `az login`, or give --admin-user and --admin-password") from None
    finally:
        quiet.setLevel(level)


def az_cli_token(runner=None):
    """(token, expires epoch) from `az account get-access-token` (the token travels on stdout only)."""
    executable = shutil.which("az") or shutil.which("az.cmd")
    if executable is None and runner is None:
        raise LoginFailedError("cannot get an Entra access token: neither azure-identity nor the az CLI is available; "
                               "give --admin-user and --admin-password, or pip install azure-identity")
    command = [executable or "az", "account", "get-access-token", "--resource", DATABASE_RESOURCE, "--output",
               "json"]
    try:
        run = runner or (lambda cmd: subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False))
        result = run(command)
    except (OSError, subprocess.SubprocessError) as error:
        raise LoginFailedError(f"cannot run `az account get-access-token`: {error}") from None
    if result.returncode != 0:
        reason = _first_line(result.stderr or "") or f"exit code {result.returncode}"
        raise LoginFailedError(f"`az account get-access-token` failed ({reason}); sign in with `az login`") from None
    try:
        data = json.loads(result.stdout)
        token = data["accessToken"]
    except (ValueError, KeyError, TypeError):
        raise LoginFailedError("`az account get-access-token` gave no token") from None
    expires = data.get("expires_on")
    try:
        expires = float(expires) if expires else _parse_local_time(data.get("expiresOn"))
    except (TypeError, ValueError):
        expires = time.time() + 1800
    return token, expires


def _parse_local_time(text):
    if not text:
        return time.time() + 1800
    return datetime.datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").timestamp()


def managed_identity_token(identity):
    """(token, expires) for a managed identity named by its resource id (or client id)."""
    config = None
    if identity:
        key = "resource_id" if identity.lower().startswith("/subscriptions/") else \
            ("client_id" if _GUID.match(identity) else "object_id")
        config = {key: identity}
    try:
        from azure.identity import ManagedIdentityCredential
        credential = ManagedIdentityCredential(identity_config=config) if config else ManagedIdentityCredential()
        token = credential.get_token(DATABASE_SCOPE)
        return token.token, float(token.expires_on)
    except ImportError:
        pass
    except Exception as error:   # noqa: BLE001 - azure-identity raises several classes here
        raise LoginFailedError(f"the managed identity could not get a token for Azure SQL ({_first_line(error)}); "
                               f"run on an Azure resource that has this identity assigned") from None
    try:
        import msal
        import requests
        if config and "resource_id" in config:
            managed = msal.UserAssignedManagedIdentity(resource_id=config["resource_id"])
        elif config and "client_id" in config:
            managed = msal.UserAssignedManagedIdentity(client_id=config["client_id"])
        elif config:
            managed = msal.UserAssignedManagedIdentity(object_id=config["object_id"])
        else:
            managed = msal.SystemAssignedManagedIdentity()
        client = msal.ManagedIdentityClient(managed, http_client=requests.Session())
        result = client.acquire_token_for_client(resource=DATABASE_RESOURCE)
    except (ImportError, AttributeError) as error:
        raise LoginFailedError(f"signing in with a managed identity by resource id needs azure-identity or msal "
                               f"({error})") from None
    except Exception as error:   # noqa: BLE001
        raise LoginFailedError(f"the managed identity could not get a token ({_first_line(error)})") from None
    if "access_token" not in result:
        raise LoginFailedError(f"the managed identity could not get a token ({result.get('error', 'no token')})")
    return result["access_token"], time.time() + float(result.get("expires_in", 3000))


def _first_line(error):
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


# ---- values the driver hands over ------------------------------------------------------------------

def register_converters(conn):
    """Output converters that keep SQL Server's 100 ns precision and datetimeoffset's offset."""
    add = getattr(conn, "add_output_converter", None)
    if add is None:
        return
    from .values import convert_datetimeoffset, convert_time2, convert_timestamp
    add(SQL_SS_TIMESTAMPOFFSET, convert_datetimeoffset)
    add(SQL_SS_TIME2, convert_time2)
    add(SQL_TYPE_TIMESTAMP, convert_timestamp)


__all__ = ["ConnectionOptions", "ConnectionSettings", "Driver", "find_driver", "describe_driver",
           "pack_access_token", "parse_connection_string", "odbc_value", "default_token", "az_cli_token",
           "SQL_COPT_SS_ACCESS_TOKEN", "wheel_driver_paths"]
