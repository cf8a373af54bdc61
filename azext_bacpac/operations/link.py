"""OperationStatusLink: an opaque string that ends with /<operation guid>.

Scripts split the link on '/' to get the id (as they do with the service's links), and pass the
link back to show and wait. It names this extension's scheme, so nobody mistakes it for an Azure
Resource Manager URL.
"""
import re
import uuid
from urllib.parse import quote

from ..errors import InvalidInputError

SCHEME = "bacpac-local"
_TAIL = re.compile(r"/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(\?.*)?$")


def make_link(server, database, operation_id):
    return (f"{SCHEME}://operations/servers/{quote(server, safe='')}/databases/{quote(database, safe='')}"
            f"/importExportOperationResults/{operation_id}")


def operation_id_from_link(link):
    match = _TAIL.search(link.strip()) if link else None
    if match is None:
        raise InvalidInputError(f"'{link}' is not an operation status link: it must end with /<operation id>")
    return match.group(1).lower()


def parse_operation_id(value):
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise InvalidInputError(f"'{value}' is not an operation id (a GUID such as "
                                f"3fa85f64-5717-4562-b3fc-2c963f66afa6)") from None
