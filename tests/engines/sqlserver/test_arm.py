"""The optional Azure Resource Manager helpers, against a stand-in SqlManagementClient."""
from types import SimpleNamespace as NS

import pytest

from azext_bacpac.engines.sqlserver import arm
from azext_bacpac.engines.sqlserver.errors import FirewallError
from azext_bacpac.errors import InvalidInputError, NotFoundError


def client(rules=(), public="Enabled", missing=False):
    def get(group, name):
        if missing:
            error = type("ResourceNotFoundError", (Exception,), {})("not found")
            raise error
        return NS(fully_qualified_domain_name=f"{name}.database.windows.net", location="westeurope",
                  public_network_access=public, version="12.0")
    capabilities = NS(supported_server_versions=[NS(supported_editions=[
        NS(name="Standard", supported_service_level_objectives=[NS(name="S0"), NS(name="S3")]),
        NS(name="GeneralPurpose", supported_service_level_objectives=[NS(name="GP_Gen5_2")])])])
    return NS(servers=NS(get=get),
              firewall_rules=NS(list_by_server=lambda g, s: [NS(start_ip_address=a, end_ip_address=b)
                                                             for a, b in rules]),
              capabilities=NS(list_by_location=lambda location, include=None: capabilities))


def test_server_info():
    assert arm.server_info(client(), "rg", "shop")["fqdn"] == "shop.database.windows.net"
    with pytest.raises(NotFoundError, match="server 'shop' in resource group 'rg'"):
        arm.server_info(client(missing=True), "rg", "shop")


def test_firewall_check():
    assert arm.firewall_check(client([("203.0.113.0", "203.0.113.255")]), "rg", "shop", "203.0.113.7") is None
    error = arm.firewall_check(client([("0.0.0.0", "0.0.0.0")]), "rg", "shop", "203.0.113.7")
    assert isinstance(error, FirewallError) and "--start-ip-address 203.0.113.7" in str(error)
    assert "private endpoint" in str(arm.firewall_check(client(public="Disabled"), "rg", "shop", "203.0.113.7"))


def test_validate_objective():
    arm.validate_objective(client(), "westeurope", "Standard", "S3")
    arm.validate_objective(client(), "westeurope", None, "GP_Gen5_2")
    with pytest.raises(InvalidInputError, match="not offered for Standard"):
        arm.validate_objective(client(), "westeurope", "Standard", "GP_Gen5_2")
    with pytest.raises(InvalidInputError, match="edition 'Premium' is not offered"):
        arm.validate_objective(client(), "westeurope", "Premium")
