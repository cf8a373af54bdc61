"""The cmdlets' private-link parameter rule and wording (azext_bacpac/_isolation.py)."""
import pytest
from azure.cli.core.azclierror import InvalidArgumentValueError

from azext_bacpac._isolation import validate_network_isolation

SA_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct"
SQL_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/srv"
NEEDS_AN_ID = ("If --use-network-isolation is true, at least one of --storage-account-resource-id or "
               "--sql-server-resource-id must also be set.")
NEEDS_THE_FLAG = ("--use-network-isolation must be true in order to specify either "
                  "--storage-account-resource-id or --sql-server-resource-id.")


@pytest.mark.parametrize("flag", [True, False, None, "true", "False"])
@pytest.mark.parametrize("storage_id, sql_id", [(None, None), (SA_ID, None), (None, SQL_ID), (SA_ID, SQL_ID),
                                                ("", "")])
def test_network_isolation_rules(flag, storage_id, sql_id):
    use = flag is True or flag == "true"
    given = bool(storage_id) or bool(sql_id)
    if use and not given:
        with pytest.raises(InvalidArgumentValueError) as error:
            validate_network_isolation(flag, storage_id, sql_id)
        assert str(error.value) == NEEDS_AN_ID
    elif not use and given:
        with pytest.raises(InvalidArgumentValueError) as error:
            validate_network_isolation(flag, storage_id, sql_id)
        assert str(error.value) == NEEDS_THE_FLAG
    else:
        assert validate_network_isolation(flag, storage_id, sql_id) == {
            "use_network_isolation": use, "storage_account_resource_id": storage_id or None,
            "sql_server_resource_id": sql_id or None}


def test_network_isolation_cmdlet_wording():
    with pytest.raises(InvalidArgumentValueError) as error:
        validate_network_isolation(True, None, None, style="cmdlet")
    assert str(error.value) == ("If UseNetworkIsolation is set, at least one of StorageAccountResourceIdForPrivateLink "
                                "or SqlServerResourceIdForPrivateLink must also be set.")
    with pytest.raises(InvalidArgumentValueError) as error:
        validate_network_isolation(False, SA_ID, None, style="cmdlet")
    assert str(error.value) == ("UseNetworkIsolation flag must be set in order to specify either "
                                "StorageAccountResourceIdForPrivateLink or SqlServerResourceIdForPrivateLink.")
    with pytest.raises(InvalidArgumentValueError, match="must be true or false"):
        validate_network_isolation("maybe", None, None)
