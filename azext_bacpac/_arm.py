"""Azure Resource Manager where it helps (CLI layer): with -g and a signed-in az, resolve an Azure SQL
server to its fully qualified name, warn when its public network access is off, and check the edition
and service objective of a new database before anything starts. Without -g, or without a login,
everything works from the server name alone."""

import re

from knack.log import get_logger

from azext_bacpac._errors import one_line, translated_errors
from azext_bacpac._validators import is_embedded

logger = get_logger(__name__)

_LOGICAL_SERVER = re.compile(r'^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]?$', re.IGNORECASE)


def consults_arm(server, resource_group):
    """True when -g names the resource group of an Azure SQL logical server (ARM may then be asked)."""
    return bool(resource_group) and not is_embedded(server) and bool(_LOGICAL_SERVER.match(server or ''))


def resolve_server(cmd, server, resource_group, edition=None, service_objective=None):
    """The server to connect to: its ARM host name when -g names its resource group, else as given.
    The edition and service objective are checked against the region's capabilities; where ARM cannot
    be asked, against the documented list (_objectives.py; the validator did so already without -g)."""
    if not consults_arm(server, resource_group):
        return server
    from azext_bacpac._objectives import check_objective
    from azext_bacpac.engines.sqlserver import arm
    try:
        client = arm.management_client(cmd.cli_ctx)
    except Exception as error:  # pylint: disable=broad-except  (not signed in, no subscription, ...)
        logger.info('Azure Resource Manager checks skipped: %s', one_line(error))
        check_objective(edition, service_objective)
        return server
    with translated_errors():
        info = arm.server_info(client, resource_group, server)
        if str(info.get('publicNetworkAccess') or '').lower() == 'disabled':
            logger.warning("Server '%s' has public network access disabled: connect from a network that reaches "
                           "its private endpoint.", server)
        if info.get('location'):
            arm.validate_objective(client, info['location'], edition, service_objective)
        else:
            check_objective(edition, service_objective)
    return info.get('fqdn') or server
