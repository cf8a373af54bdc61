"""What a --server value names, for SQL Server and Azure SQL (design.md, "Addressing a database").

  myserver                       Azure SQL: myserver.database.windows.net (the cloud's suffix), port 1433
  myserver.database.windows.net  that host (any name with a dot is a host name)
  sql01.contoso.local,14330      that host and port ("host,port", as SQL Server writes it)
  tcp:myserver.database.windows.net,1433
                                 the form the Azure portal's connection strings use; tcp: is dropped
  tcp:sql01                      exactly the host sql01: a tcp: prefix marks a host, so a single-label
                                 machine name on the local network is not taken for an Azure server
  localhost / 127.0.0.1 / [::1] / host\\INSTANCE / (local) / .
                                 a local or named instance
Characters that could change an ODBC connection string (; { } = and control characters) are refused.
"""
import ipaddress
import re
from dataclasses import dataclass

from ...errors import InvalidInputError

AZURE_SQL_SUFFIXES = (".database.windows.net", ".database.chinacloudapi.cn", ".database.usgovcloudapi.net",
                      ".database.cloudapi.de", ".database.azure.com", ".sql.azuresynapse.net")
DEFAULT_SUFFIX = ".database.windows.net"
DEFAULT_PORT = 1433
LOCAL_NAMES = {"localhost", "(local)", ".", "(localdb)"}
_HOST = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252})$")
_FORBIDDEN = re.compile(r"[;{}=\s\x00-\x1f\x7f'\"]")


@dataclass(frozen=True)
class ServerAddress:
    """A resolved server: host, port (None = driver default / instance lookup), named instance."""
    given: str
    host: str
    port: int = None
    instance: str = None

    @property
    def is_azure(self):
        """True for an Azure SQL logical server or managed instance host name."""
        return self.host.lower().endswith(AZURE_SQL_SUFFIXES)

    @property
    def odbc_server(self):
        """The SERVER= value of the connection string."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.instance:
            return f"{host}\\{self.instance}"
        if self.port:
            return f"tcp:{host},{self.port}"
        return f"tcp:{host}" if self.is_azure else host

    def __str__(self):
        if self.instance:
            return f"{self.host}\\{self.instance}"
        return f"{self.host},{self.port}" if self.port and self.port != DEFAULT_PORT else self.host


def parse_server(server, suffix=DEFAULT_SUFFIX):
    """The ServerAddress a --server value names (see the module docstring)."""
    if not isinstance(server, str) or not server.strip():
        raise InvalidInputError("the server is empty; give a server name (myserver), a host name or host,port")
    text = server.strip()
    if _FORBIDDEN.search(text):
        raise InvalidInputError(f"'{_safe(text)}' is not a server name: it contains spaces, quotes or one of ; {{ }} =")
    explicit_host = False
    if text[:4].lower() == "tcp:":
        text, explicit_host = text[4:], True
    if not text:
        raise InvalidInputError(f"'{server}' names no host after tcp:")
    if "://" in text:
        raise InvalidInputError(f"'{_safe(server)}' is not a server name; use myserver, a host name or host,port "
                                f"(or sqlite:///<folder> for the embedded engine)")
    host, port, instance = text, None, None
    if "," in text:
        host, _, port_text = text.rpartition(",")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise InvalidInputError(f"'{_safe(server)}': the port after ',' must be a number from 1 to 65535")
        port = int(port_text)
    if "\\" in host:
        host, _, instance = host.partition("\\")
        if not instance or "\\" in instance or port:
            raise InvalidInputError(f"'{_safe(server)}': write a named instance as host\\INSTANCE (without a port)")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host.lower() in LOCAL_NAMES:
        return ServerAddress(server, "localhost" if host in (".", "(local)") else host, port, instance)
    if _is_ip(host):
        return ServerAddress(server, host, port, instance)
    if not _HOST.match(host) or ".." in host or host.endswith((".", "-")):
        raise InvalidInputError(f"'{_safe(server)}' is not a valid server or host name")
    if "." not in host and not explicit_host and instance is None:
        host = host + (suffix if suffix.startswith(".") else "." + suffix)
        return ServerAddress(server, host.lower(), port, None)
    return ServerAddress(server, host, port, instance)


def canonical_target(server, database):
    """One string for one database: host (with the default cloud suffix for a bare Azure SQL name),
    port (1433 unless given) and database, case-insensitively as SQL Server's default collation
    compares names. Named instances keep their instance name in place of a port."""
    address = parse_server(server)
    where = f"\\{address.instance.lower()}" if address.instance else f":{address.port or DEFAULT_PORT}"
    return f"mssql:{address.host.lower()}{where}/{database.lower()}"


def _is_ip(text):
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _safe(text):
    return "".join(c if c.isprintable() else "?" for c in text)[:200]


__all__ = ["ServerAddress", "parse_server", "canonical_target", "AZURE_SQL_SUFFIXES", "DEFAULT_SUFFIX"]
