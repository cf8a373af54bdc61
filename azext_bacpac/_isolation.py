"""The cmdlets' private-link parameters (-UseNetworkIsolation, -StorageAccountResourceIdForPrivateLink,
-SqlServerResourceIdForPrivateLink) and their az names: validated with the cmdlets' rule and wording,
and recorded on the operation (the engine is local: nothing is done with them)."""

_ISOLATION_NAMES = {
    "az": ("--use-network-isolation", "--storage-account-resource-id", "--sql-server-resource-id"),
    "cmdlet": ("UseNetworkIsolation", "StorageAccountResourceIdForPrivateLink", "SqlServerResourceIdForPrivateLink"),
}


def validate_network_isolation(use_network_isolation, storage_account_resource_id, sql_server_resource_id,
                               style="az"):
    """The cmdlets' rule for the private-link parameters, with their two messages.

    UseNetworkIsolation true: at least one of the two resource IDs must be given. False or absent:
    neither may be given. (Empty strings count as absent, as the cmdlet's IsNullOrEmpty.) `style`
    'cmdlet' gives the cmdlet's own wording; 'az' names the az options. Returns what to record on
    the operation: {'use_network_isolation', 'storage_account_resource_id', 'sql_server_resource_id'}.
    The engine is local, so the IDs are recorded, not used.
    """
    from azure.cli.core.azclierror import InvalidArgumentValueError
    flag_name, storage_name, server_name = _ISOLATION_NAMES[style]
    use = _tri_state(use_network_isolation, flag_name)
    storage_id = storage_account_resource_id or None
    server_id = sql_server_resource_id or None
    if use and storage_id is None and server_id is None:
        if style == "cmdlet":
            message = (f"If {flag_name} is set, at least one of {storage_name} or {server_name} must also be set.")
        else:
            message = (f"If {flag_name} is true, at least one of {storage_name} or {server_name} must also be set.")
        raise InvalidArgumentValueError(message)
    if not use and (storage_id is not None or server_id is not None):
        if style == "cmdlet":
            message = (f"{flag_name} flag must be set in order to specify either {storage_name} or {server_name}.")
        else:
            message = f"{flag_name} must be true in order to specify either {storage_name} or {server_name}."
        raise InvalidArgumentValueError(message)
    return {"use_network_isolation": bool(use), "storage_account_resource_id": storage_id,
            "sql_server_resource_id": server_id}


def _tri_state(value, name):
    from azure.cli.core.azclierror import InvalidArgumentValueError
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "$true"):
        return True
    if text in ("false", "0", "no", "$false", ""):
        return False
    raise InvalidArgumentValueError(f"{name} must be true or false, not '{value}'")
