"""--ids, as core `az sql db export/import` and `az sql db op list/cancel` take it.

Core does the mapping (azure.cli.core.commands.arm): where --server has id_part 'name' and --name
(or --database) 'child_name_1', it adds --ids and fills --server, --name, --resource-group and
--subscription from each ID, running the command once per ID; names given beside --ids are ignored
with a warning. What core does not check, this module does: that an ID names an Azure SQL database
(.../providers/Microsoft.Sql/servers/<server>/databases/<database>, or something below one, such as
one of its operations), and that export and import get one database each.

A local SQLite server (`sqlite:///<folder>`) has no resource ID: --ids always means Azure SQL, and a
local database is named with --server/--name.
"""

DATABASE_ID = '/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Sql/servers/<server>/databases/<name>'


def check_database_ids(ids, one):
    """InvalidArgumentValueError (exit 1) for an ID that is not an Azure SQL database's; a usage error
    (exit 2) when `one` and more than one ID is given."""
    from azure.cli.core.azclierror import ArgumentUsageError, InvalidArgumentValueError
    from azure.mgmt.core.tools import parse_resource_id
    for value in ids:
        parts = {key: str(part).lower() for key, part in parse_resource_id(value).items()}
        if (parts.get('namespace'), parts.get('type'), parts.get('child_type_1')) != \
                ('microsoft.sql', 'servers', 'databases'):
            raise InvalidArgumentValueError(
                "--ids: '{}' is not the resource ID of an Azure SQL database ({}).".format(value, DATABASE_ID),
                'A local SQLite server has no resource ID: name it with --server sqlite:///<folder> --name <name>.')
    if one and len(ids) > 1:
        from azext_bacpac._operations import exit_with
        exit_with(ArgumentUsageError(
            '--ids: export and import take one database ({} IDs were given).'.format(len(ids)),
            'Run one command per database, each with its own --storage-uri.'), 2)
