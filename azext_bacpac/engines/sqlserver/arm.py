"""Optional help from Azure Resource Manager (azure-mgmt-sql) when the user gives -g and is signed in.

Nothing here is needed to export or import: the engine works from the server name alone. With a
resource group, the CLI can ask ARM before connecting:
  server_info(client, group, server)           the server's real host name, location, public access
  firewall_check(client, group, server, ip)    whether a firewall rule lets this client's address in
  validate_objective(client, location, edition, service_objective)
                                               that the edition / service objective exists in the region
`client` is an azure.mgmt.sql SqlManagementClient; management_client(cli_ctx) builds one the way
every az command module does (for use from the CLI layer only).
"""
import ipaddress

from ...errors import BacpacError, InvalidInputError, NotFoundError
from .errors import FirewallError


def management_client(cli_ctx, subscription_id=None):
    """A SqlManagementClient signed in as the current az account (call from the CLI layer)."""
    from azure.cli.core.commands.client_factory import get_mgmt_service_client
    from azure.mgmt.sql import SqlManagementClient
    return get_mgmt_service_client(cli_ctx, SqlManagementClient, subscription_id=subscription_id)


def _arm_call(call, what):
    try:
        return call()
    except Exception as error:   # noqa: BLE001 - azure-core's classes, imported lazily
        status = getattr(error, "status_code", None) or getattr(getattr(error, "response", None), "status_code", None)
        name = type(error).__name__
        if status == 404 or name == "ResourceNotFoundError":
            raise NotFoundError(f"{what} was not found (Azure Resource Manager)") from None
        if status in (401, 403) or name == "ClientAuthenticationError":
            raise BacpacError(f"{what}: Azure Resource Manager refused the request ({status or name}); sign in with "
                              f"`az login` or leave out -g") from None
        raise BacpacError(f"{what}: Azure Resource Manager failed: {str(error).splitlines()[0][:300]}") from None


def server_info(client, resource_group, server_name):
    """{fqdn, location, publicNetworkAccess, version} of an Azure SQL logical server."""
    server = _arm_call(lambda: client.servers.get(resource_group, server_name),
                       f"server '{server_name}' in resource group '{resource_group}'")
    return {"fqdn": getattr(server, "fully_qualified_domain_name", None), "location": getattr(server, "location", None),
            "publicNetworkAccess": getattr(server, "public_network_access", None),
            "version": getattr(server, "version", None)}


def firewall_check(client, resource_group, server_name, client_ip):
    """None when a firewall rule admits client_ip; else the FirewallError to raise (with the fix)."""
    info = server_info(client, resource_group, server_name)
    if str(info.get("publicNetworkAccess") or "").lower() == "disabled":
        return FirewallError(f"server '{server_name}' has public network access disabled; connect through its private "
                             f"endpoint, or: az sql server update -g {resource_group} -n {server_name} "
                             f"--enable-public-network true")
    rules = _arm_call(lambda: list(client.firewall_rules.list_by_server(resource_group, server_name)),
                      f"firewall rules of server '{server_name}'")
    address = ipaddress.ip_address(client_ip)
    for rule in rules:
        try:
            low, high = ipaddress.ip_address(rule.start_ip_address), ipaddress.ip_address(rule.end_ip_address)
        except (ValueError, TypeError):
            continue
        if low <= address <= high and not (str(low) == str(high) == "0.0.0.0"):
            return None
    return FirewallError(f"no firewall rule of server '{server_name}' allows IP address {client_ip}; add one: az sql "
                         f"server firewall-rule create -g {resource_group} -s {server_name} -n AllowBacpacClient "
                         f"--start-ip-address {client_ip} --end-ip-address {client_ip}")


def validate_objective(client, location, edition=None, service_objective=None):
    """InvalidInputError naming what the region offers when the edition / service objective is not there."""
    if not edition and not service_objective:
        return
    capabilities = _arm_call(lambda: client.capabilities.list_by_location(location, include="supportedEditions"),
                             f"capabilities of region '{location}'")
    offered = {}
    for version in getattr(capabilities, "supported_server_versions", None) or ():
        for supported in getattr(version, "supported_editions", None) or ():
            names = offered.setdefault(supported.name.lower(), set())
            for objective in getattr(supported, "supported_service_level_objectives", None) or ():
                names.add(objective.name)
    if edition and edition.lower() not in offered:
        raise InvalidInputError(f"edition '{edition}' is not offered in {location}; available: "
                                f"{', '.join(sorted(offered)) or 'none'}")
    if service_objective:
        pool = offered.get(edition.lower(), set()) if edition else set().union(*offered.values()) if offered else set()
        if service_objective.lower() not in {name.lower() for name in pool}:
            sample = ", ".join(sorted(pool)[:12])
            raise InvalidInputError(f"service objective '{service_objective}' is not offered"
                                    f"{' for ' + edition if edition else ''} in {location}; e.g. {sample}")


__all__ = ["management_client", "server_info", "firewall_check", "validate_objective"]
