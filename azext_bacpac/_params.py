"""Arguments of `az sql db bacpac *`.

Every argument is declared here, in our own scope, with the same option strings as core's
`az sql db export/import` (and the cmdlets' parameters, cmdlets-and-az.md §5). Core's `sql` and
`sql db` argument contexts are not applied to our commands; we still avoid core dest names with a
different meaning so that loading everything together (docs, help index) cannot mix them up.
"""

from azure.cli.core.commands.parameters import (
    get_enum_type, get_three_state_flag, resource_group_name_type)

from azext_bacpac._operations import WAIT_TIMEOUT_EXIT_CODE
from azext_bacpac._validators import (
    ADMIN_PASSWORD_ENV, AUTH_TYPES, DATABASE_EDITIONS, STORAGE_KEY_ENV, STORAGE_KEY_TYPES, parse_size,
    storage_key_type)

OUTPUT_SHAPES = ['az', 'cmdlet']
CONSISTENCY_HELP = (
    "How the export keeps every table at the same moment. auto (default): read everything in one SNAPSHOT "
    "isolation transaction when the database has ALLOW_SNAPSHOT_ISOLATION ON (Azure SQL Database has it on by "
    "default); else, on SQL Server, from a database snapshot created for the export and dropped after it; else "
    "export anyway and say in the summary's warnings \"export is not transactionally consistent: ...\" with the "
    "reason. required: fail instead of exporting inconsistently. none: read with the database's default "
    "isolation and no snapshot (fastest, no guarantee). READ_COMMITTED_SNAPSHOT alone is not enough: it keeps "
    "each statement consistent, not the whole export.")

TRUST_SERVER_CERTIFICATE_HELP = (
    "Accept the server's TLS certificate without validating it (TrustServerCertificate=yes). The connection is "
    "always encrypted; use this only on a network you trust, e.g. a local SQL Server container with a "
    "self-signed certificate.")

_SHAPE_HELP = ('Shape of the result: `az` (camelCase, a superset of `az sql db export`\'s result) or '
               '`cmdlet` (the Az PowerShell model of the matching cmdlet, property for property, as the '
               'PowerShell bridge in scripts/powershell uses it).')

# Core adds --ids where --server and --name have id parts, and fills them (and -g) from each ID.
_IDS_NOTE = 'Or --ids: Azure SQL database resource IDs (a local SQLite server has none).'


def load_arguments(self, _):
    with self.argument_context('sql db bacpac') as c:
        c.argument('resource_group_name', resource_group_name_type, required=False,
                   help='Name of resource group. Accepted for parity with `az sql db export/import`; '
                        'the local engine does not need it. You can configure the default group using '
                        '`az configure --defaults group=<name>`.')
        c.argument('storage_uri', options_list=['--storage-uri'],
                   help='Where the BACPAC is (or goes): a local path, a file:// URI, or an Azure Blob '
                        'URL (https://<account>.blob.core.windows.net/<container>/<name>.bacpac). '
                        'A SAS token in the URL is never shown in the output.')
        c.argument('storage_key_type', options_list=['--storage-key-type'],
                   arg_type=get_enum_type(STORAGE_KEY_TYPES), type=storage_key_type,
                   help='Kind of --storage-key: an account access key, a SAS token, or a managed '
                        'identity. Not needed for local files.')
        c.argument('storage_key', options_list=['--storage-key'],
                   help='Storage account key, SAS token (with or without the leading "?"), or the '
                        'resource ID of a user-assigned managed identity. Keep it off the command line: '
                        'use `@<file>`, `@-` (stdin) or the environment variable {} instead. It is '
                        'never shown in output or logs. Not needed for local files.'.format(STORAGE_KEY_ENV))

    for scope in ('sql db bacpac export', 'sql db bacpac import'):
        with self.argument_context(scope) as c:
            c.argument('server_name', options_list=['--server', '-s'], configured_default='sql-server',
                       id_part='name',
                       help='The server: `sqlite:///<folder>` for the embedded SQLite engine (each '
                            'database is the file <folder>/<name>.sqlite), or a SQL Server / Azure SQL '
                            'name (`myserver` means myserver.database.windows.net). Configure a default with '
                            '`az configure --defaults sql-server=<name>`. ' + _IDS_NOTE)
            c.argument('database_name', options_list=['--name', '-n'], id_part='child_name_1',
                       help='Name of the database.')
            c.argument('administrator_login', options_list=['--admin-user', '-u'],
                       help='Login of the server administrator (for --auth-type ManagedIdentity: the '
                            'identity\'s resource ID). Not used by the embedded SQLite engine.')
            c.argument('administrator_login_password', options_list=['--admin-password', '-p'],
                       help='Password of the login. Keep it off the command line: use `@<file>`, `@-` '
                            '(stdin) or the environment variable {} instead. It is never shown in '
                            'output or logs. Not used by the embedded SQLite engine.'.format(ADMIN_PASSWORD_ENV))
            c.argument('authentication_type', options_list=['--auth-type', '-a'],
                       arg_type=get_enum_type(AUTH_TYPES),
                       help='How to sign in to the server. Not used by the embedded SQLite engine.')
            c.argument('tables', options_list=['--tables'], nargs='+',
                       help='Only these tables: space-separated names or patterns with * and ?, '
                            'schema-qualified (`dbo.Orders`, `sales.*`) or not (`Orders`, `Order*`).')
            c.argument('exclude_tables', options_list=['--exclude-tables'], nargs='+',
                       help='Leave out these tables (same pattern syntax as --tables); applied after '
                            '--tables.')

        with self.argument_context(scope, arg_group='Network Isolation') as c:
            c.argument('use_network_isolation', options_list=['--use-network-isolation'],
                       arg_type=get_three_state_flag(),
                       help='The cmdlets\' -UseNetworkIsolation. When true, give at least one of '
                            '--storage-account-resource-id and --sql-server-resource-id; when false or '
                            'absent, neither. Recorded on the operation: the local engine reaches storage '
                            'and SQL from your own network, so no service-managed private endpoints or '
                            'approvals are needed.')
            c.argument('storage_account_resource_id', options_list=['--storage-account-resource-id'],
                       help='Resource ID of the storage account for a private link '
                            '(-StorageAccountResourceIdForPrivateLink). Validated and recorded.')
            c.argument('sql_server_resource_id', options_list=['--sql-server-resource-id'],
                       help='Resource ID of the SQL server for a private link '
                            '(-SqlServerResourceIdForPrivateLink). Validated and recorded.')
        with self.argument_context(scope) as c:
            # Not `no_wait`: core would then discard the result, and we print the record on purpose.
            c.argument('return_at_once', options_list=['--no-wait'], action='store_true',
                       help='Return at once with the operation record (its name and operationStatusLink) '
                            'instead of waiting. Unlike core az, which prints nothing with --no-wait, this '
                            'prints the record so scripts can poll it with `show` or `wait`.')
            c.argument('output_shape', options_list=['--output-shape'], arg_type=get_enum_type(OUTPUT_SHAPES),
                       default='az', help=_SHAPE_HELP)

    for scope in ('sql db bacpac show', 'sql db bacpac wait'):
        with self.argument_context(scope) as c:
            c.argument('operation_status_link', options_list=['--operation-status-link', '--link'],
                       help='The operationStatusLink of an export or import (as printed by it; it ends '
                            'with /<operation id>).')
            c.argument('operation_id', options_list=['--operation-id'],
                       help='The operation id (a GUID: the `name` of the export or import record).')

    with self.argument_context('sql db bacpac show') as c:
        c.argument('output_shape', options_list=['--output-shape'], arg_type=get_enum_type(OUTPUT_SHAPES),
                   default='az', help=_SHAPE_HELP)

    with self.argument_context('sql db bacpac wait') as c:
        c.argument('timeout', options_list=['--timeout'], type=int, default=3600,
                   help='Give up after this many seconds: exit code {} (the operation goes on), which a script '
                        'tells from 1 (Failed or Cancelled).'.format(WAIT_TIMEOUT_EXIT_CODE))
        c.argument('interval', options_list=['--interval'], type=float, default=2.0,
                   help='Seconds between polls of the operation record.')

    with self.argument_context('sql db bacpac list') as c:
        c.argument('server_name', options_list=['--server', '-s'], id_part='name',
                   help='Only operations on this server (as given to export/import). ' + _IDS_NOTE)
        c.argument('database_name', options_list=['--name', '-n', '--database', '-d'], id_part='child_name_1',
                   help='Only operations on this database.')
        c.argument('active_only', options_list=['--active-only'], action='store_true',
                   help='Only operations still running (Pending, InProgress, CancelInProgress).')
        c.argument('output_shape', options_list=['--output-shape'], arg_type=get_enum_type(OUTPUT_SHAPES),
                   default='az', help=_SHAPE_HELP)

    with self.argument_context('sql db bacpac cancel') as c:
        c.argument('operation_id', options_list=['--operation-id', '--name', '-n'],
                   help='The operation id (a GUID) of the export or import to cancel.')
        c.argument('server_name', options_list=['--server', '-s'], id_part='name',
                   help='Accepted for parity with Stop-AzSqlDatabaseActivity; when given it must match '
                        'the operation\'s server. ' + _IDS_NOTE)
        c.argument('database_name', options_list=['--database', '-d'], id_part='child_name_1',
                   help='Accepted for parity with Stop-AzSqlDatabaseActivity; when given it must match '
                        'the operation\'s database.')
        c.argument('yes', options_list=['--yes', '-y'], action='store_true',
                   help='Accepted for scripts written for earlier versions: cancel never prompts, as '
                        '`az sql db op cancel` and Stop-AzSqlDatabaseActivity do not.')
        c.argument('elastic_pool_name', options_list=['--elastic-pool'],
                   help='Accepted for parity with Stop-AzSqlDatabaseActivity, which refuses it: cancelling '
                        'elastic-pool activity is not supported.')
        c.argument('output_shape', options_list=['--output-shape'], arg_type=get_enum_type(OUTPUT_SHAPES),
                   default='az', help=_SHAPE_HELP)

    for scope in ('sql db bacpac export', 'sql db bacpac import', 'sql db bacpac preflight'):
        with self.argument_context(scope, arg_group='SQL Server') as c:
            c.argument('trust_server_certificate', options_list=['--trust-server-certificate'],
                       arg_type=get_three_state_flag(), help=TRUST_SERVER_CERTIFICATE_HELP)
    with self.argument_context('sql db bacpac export', arg_group='SQL Server') as c:
        c.argument('consistency', options_list=['--consistency'],
                   arg_type=get_enum_type(['auto', 'required', 'none']), help=CONSISTENCY_HELP)
    with self.argument_context('sql db bacpac import', arg_group='SQL Server') as c:
        c.argument('import_users', options_list=['--import-users'], arg_type=get_three_state_flag(),
                   help='Create the package\'s database users (default true). Users mapped to logins are '
                        'created only when the login exists on the target server; logins are never created.')

    with self.argument_context('sql db bacpac preflight') as c:
        c.argument('server_name', options_list=['--server', '-s'], configured_default='sql-server',
                   help='The server, as for export/import. The embedded SQLite engine has no permissions '
                        'to check (the result is empty).')
        c.argument('database_name', options_list=['--name', '-n'], help='Name of the database.')
        c.argument('direction', options_list=['--direction'], arg_type=get_enum_type(['export', 'import']),
                   help='Check for an export of the database, or for an import into it.')
        c.argument('storage_uri', options_list=['--storage-uri'], required=False,
                   help='For an import: the BACPAC to import (its model says whether Always Encrypted keys '
                        'come along). A local path, a file:// URI, or an Azure Blob URL.')
        c.argument('administrator_login', options_list=['--admin-user', '-u'],
                   help='Login to check the permissions of (as for export/import).')
        c.argument('administrator_login_password', options_list=['--admin-password', '-p'],
                   help='Password of the login: `@<file>`, `@-` (stdin) or the environment variable {}.'
                   .format(ADMIN_PASSWORD_ENV))
        c.argument('authentication_type', options_list=['--auth-type', '-a'], arg_type=get_enum_type(AUTH_TYPES),
                   help='How to sign in to the server (as for export/import).')

    with self.argument_context('sql db bacpac export') as c:
        c.argument('overwrite', options_list=['--overwrite'], action='store_true',
                   help='Replace an existing BACPAC at --storage-uri. Without it an existing file is an '
                        'error. The old file is replaced only once the new one is complete.')

    with self.argument_context('sql db bacpac import') as c:
        c.argument('bookkeeping', options_list=['--bookkeeping'], arg_type=get_three_state_flag(),
                   help='SQLite: write the __bacpac_* bookkeeping tables (default true) that a re-export needs '
                        'for a byte-identical package. false: only the package\'s tables. Not used by SQL Server.')
        c.argument('edition', options_list=['--edition'], arg_type=get_enum_type(DATABASE_EDITIONS),
                   help='Edition of the new database (Azure SQL). Validated, and ignored by the '
                        'embedded SQLite engine.')
        c.argument('service_objective', options_list=['--service-objective'],
                   help='Service objective of the new database, e.g. S0, P1, GP_Gen5_2 (Azure SQL). It must exist '
                        'and belong to --edition (with -g and a signed-in az: in the server\'s region). Validated, '
                        'and ignored by the embedded SQLite engine.')
        c.argument('max_size_bytes', options_list=['--max-size'], type=parse_size,
                   help='Maximum size of the new database, in bytes or with a unit (K, M, G, T, with or '
                        'without B or iB: powers of 1024), e.g. 10GB. Validated, and ignored by the embedded SQLite engine.')

    for scope in ('sql db bacpac import', 'sql db bacpac inspect'):
        with self.argument_context(scope) as c:
            c.argument('max_uncompressed_size', options_list=['--max-uncompressed-size'],
                       help='Refuse a package whose entries declare more uncompressed bytes than this (a zip '
                            'bomb guard): bytes or a size with a unit (500GB, 4TiB); 0 or `unlimited` lifts '
                            'it. Default: the environment variable AZEXT_BACPAC_MAX_UNCOMPRESSED_SIZE, else '
                            '1 TiB. Each entry is also held to what deflate can produce (about 1032:1).')

    with self.argument_context('sql db bacpac inspect') as c:
        c.argument('verify_checksum', options_list=['--verify-checksum'],
                   arg_type=get_three_state_flag(), default=True,
                   help='Recompute the model.xml checksum and compare it with Origin.xml\'s (checksum.verified '
                        'in the output): a mismatch is an error (exit 1), as import refuses such a package. '
                        'false: look inside anyway, without the comparison.')
