"""Help for `az sql db bacpac *`. Only our own group and commands: never core's `sql db`."""

from knack.help_files import helps

helps['sql db bacpac'] = """
type: group
short-summary: Export a database to a BACPAC file and import a BACPAC into a database, on a local engine.
long-summary: >
    The work runs in this process and network, not in Azure's Import/Export service: no firewall
    opening for Azure services, no 200 GB blob cap, no 20-hour cancel, no service queue. The embedded
    default engine is SQLite (`--server sqlite:///<folder>`, each database the file <folder>/<name>.sqlite).
    Secrets (--admin-password, --storage-key) are never needed on the command line: pass `@<file>`,
    `@-` (stdin), or set AZEXT_BACPAC_ADMIN_PASSWORD / AZEXT_BACPAC_STORAGE_KEY. They never appear in
    output or logs.
"""

helps['sql db bacpac export'] = """
type: command
short-summary: Export a database (schema and data) to a BACPAC file.
long-summary: >
    Mirrors `az sql db export` and New-AzSqlDatabaseExport, and prints the same result fields
    (status "Completed") plus `operationStatusLink`, `state`, `percentComplete` and a `summary` with
    per-table rows and bytes. Every export is an operation with a GUID and a durable record, run by a
    worker process that outlives az: without --no-wait az waits, with a progress bar on stderr (Ctrl-C
    stops waiting, not the export); with --no-wait it prints the record at once (core az prints nothing)
    for `show`, `wait`, `list` and `cancel`. A failed or cancelled export leaves no partial BACPAC behind.
    --ids takes the resource ID of an Azure SQL database in place of --server, --name and
    --resource-group, as in `az sql db export`; a local SQLite server has no resource ID.
    Exit codes: 0 done, 1 error or cancelled, 2 bad arguments, 3 the database (or the server folder)
    does not exist.
examples:
  - name: Start an export, get its operation status link at once, and wait for it in a script.
    text: |-
        link=$(az sql db bacpac export -s sqlite:///./data -n sales --storage-uri ./sales.bacpac --no-wait --query operationStatusLink -o tsv)
        az sql db bacpac wait --operation-status-link "$link"
  - name: Export an Azure SQL database signed in with your Entra identity (no password at all), consistently or not at all.
    text: >-
        az sql db bacpac export -g mygroup -s myserver -n sales --consistency required
        --storage-uri https://acct.blob.core.windows.net/bacpacs/sales.bacpac --storage-key-type SharedAccessKey
        --storage-key @sas.txt
  - name: Export from a SQL Server container with a self-signed certificate, with a SQL login.
    text: >-
        az sql db bacpac export -s localhost,1433 -n sales -u sa -p @sa-password.txt -a SQL
        --trust-server-certificate true --storage-uri ./sales.bacpac
  - name: The result shaped as New-AzSqlDatabaseExport's (what the PowerShell bridge uses).
    text: az sql db bacpac export -s sqlite:///./data -n sales --storage-uri ./sales.bacpac --no-wait --output-shape cmdlet
  - name: The cmdlets' private-link parameters are validated and recorded (not needed by the local engine).
    text: >-
        az sql db bacpac export -s sqlite:///./data -n sales --storage-uri ./sales.bacpac
        --use-network-isolation true --storage-account-resource-id /subscriptions/<sub>/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct
        --sql-server-resource-id /subscriptions/<sub>/resourceGroups/rg/providers/Microsoft.Sql/servers/srv
  - name: Export an Azure SQL database named by its resource ID (as `az sql db list --query [].id` prints it).
    text: >-
        az sql db bacpac export --ids /subscriptions/<sub>/resourceGroups/mygroup/providers/Microsoft.Sql/servers/myserver/databases/sales
        --storage-uri ./sales.bacpac
  - name: Export a SQLite database (./data/sales.sqlite) to a local BACPAC file.
    text: az sql db bacpac export -s sqlite:///./data -n sales --storage-uri ./sales.bacpac
  - name: Replace an existing BACPAC, exporting only some tables and leaving out audit tables.
    text: >-
        az sql db bacpac export --server sqlite:///./data --name sales --storage-uri file:///tmp/sales.bacpac
        --overwrite --tables "dbo.Order*" Customers --exclude-tables "*Audit*"
  - name: The same arguments as `az sql db export` (accepted for parity; SQLite ignores the credentials).
    text: >-
        az sql db bacpac export -g mygroup -s sqlite:///./data -n sales -u sqladmin -p @password.txt
        -a SQL --storage-key-type StorageAccessKey --storage-key @storage-key.txt
        --storage-uri ./sales.bacpac
  - name: Keep secrets off the command line with environment variables.
    text: >-
        AZEXT_BACPAC_ADMIN_PASSWORD="$(cat pw.txt)" AZEXT_BACPAC_STORAGE_KEY="$(cat key.txt)"
        az sql db bacpac export --resource-group mygroup --server sqlite:///./data --name sales
        --admin-user sqladmin --auth-type SQL --storage-key-type SharedAccessKey --storage-uri ./sales.bacpac
  - name: Read the password from stdin.
    text: >-
        printf '%s' "$PASSWORD" | az sql db bacpac export -s sqlite:///./data -n sales
        --admin-user sqladmin --admin-password @- --storage-uri ./sales.bacpac
"""

helps['sql db bacpac import'] = """
type: command
short-summary: Import a BACPAC file into a new or empty database.
long-summary: >
    Mirrors `az sql db import` and New-AzSqlDatabaseImport, and prints the same result fields
    (status "Completed") plus `operationStatusLink`, `state`, `percentComplete` and a `summary`. Like
    export it is an operation: az waits with a progress bar unless --no-wait, which prints the record
    at once. The target must not exist or must be empty; a failed or cancelled import leaves it as it was.
    --edition, --service-objective and --max-size (New-AzSqlDatabaseImport's sizing) are validated
    whatever the server, and ignored by the embedded SQLite engine: the service objective must exist
    and belong to the edition (with -g and a signed-in az, as the server's region offers them; else as
    Microsoft's documentation lists them).
    --ids takes the resource ID of an Azure SQL database in place of --server, --name and
    --resource-group, as in `az sql db import`; a local SQLite server has no resource ID.
    A SQLite import also writes bookkeeping tables, named __bacpac_*: __bacpac_package (the package's
    model.xml, Origin.xml and DacMetadata.xml), __bacpac_tables (each table's model name, indexes and
    a fingerprint of its definition) and __bacpac_variants (exact sql_variant bytes). Re-export needs
    them for a byte-identical package (types, constraints, views and code SQLite cannot hold); without
    them a re-export derives the model from SQLite. --bookkeeping false leaves them out (only the data).
    SQLite gets the package's check constraints, computed columns (as generated columns) and views where
    their T-SQL translates; one warning counts what it did not get, and --verbose names each one.
    Exit codes: 0 done, 1 error (e.g. the target has tables, the file is not a valid BACPAC),
    2 bad arguments, 3 the BACPAC does not exist.
examples:
  - name: Import a BACPAC into a new SQLite database (./data/sales_copy.sqlite).
    text: az sql db bacpac import -s sqlite:///./data -n sales_copy --storage-uri ./sales.bacpac
  - name: Only the data, without the bookkeeping tables that a lossless re-export needs.
    text: az sql db bacpac import -s sqlite:///./data -n sales_copy --storage-uri ./sales.bacpac --bookkeeping false
  - name: Import into a new Azure SQL database (created with this edition and size), without the package's users.
    text: >-
        az sql db bacpac import -s myserver -n sales_copy --edition GeneralPurpose --service-objective GP_Gen5_2
        --max-size 32GB --import-users false --storage-uri ./sales.bacpac
  - name: Import into a new Azure SQL database named by the resource ID it will have.
    text: >-
        az sql db bacpac import --ids /subscriptions/<sub>/resourceGroups/mygroup/providers/Microsoft.Sql/servers/myserver/databases/sales_copy
        --edition Standard --service-objective S3 --storage-uri ./sales.bacpac
  - name: Import into SQL Server in a container with a self-signed certificate.
    text: >-
        az sql db bacpac import -s localhost,1433 -n sales_copy -u sa -p @sa-password.txt
        --trust-server-certificate true --storage-uri ./sales.bacpac
  - name: Start an import and return at once, with the record shaped as New-AzSqlDatabaseImport's.
    text: az sql db bacpac import -s sqlite:///./data -n sales_copy --storage-uri ./sales.bacpac --no-wait --output-shape cmdlet
  - name: The cmdlets' private-link parameters are validated and recorded (not needed by the local engine).
    text: >-
        az sql db bacpac import -s sqlite:///./data -n sales_copy --storage-uri ./sales.bacpac
        --use-network-isolation false --storage-account-resource-id "" --sql-server-resource-id ""
  - name: Import a package larger than the default 1 TiB size guard.
    text: az sql db bacpac import -s sqlite:///./data -n huge --storage-uri ./huge.bacpac --max-uncompressed-size unlimited
  - name: Import only some tables, leaving out the audit tables.
    text: >-
        az sql db bacpac import --server sqlite:///./data --name sales_small --storage-uri file:///tmp/sales.bacpac
        --tables "dbo.*" --exclude-tables "*Audit*" AuditLog
  - name: The arguments of New-AzSqlDatabaseImport (validated; SQLite ignores edition and size).
    text: >-
        az sql db bacpac import -g mygroup -s sqlite:///./data -n sales_copy --edition Standard
        --service-objective S0 --max-size 10GB -u sqladmin -p @password.txt -a SQL
        --storage-key-type StorageAccessKey --storage-key @storage-key.txt --storage-uri ./sales.bacpac
  - name: Keep secrets off the command line with environment variables.
    text: >-
        AZEXT_BACPAC_ADMIN_PASSWORD="$(cat pw.txt)" AZEXT_BACPAC_STORAGE_KEY="$(cat key.txt)"
        az sql db bacpac import --resource-group mygroup --server sqlite:///./data --name sales_copy
        --admin-user sqladmin --auth-type SQL --storage-key-type SharedAccessKey --storage-uri ./sales.bacpac
"""

helps['sql db bacpac inspect'] = """
type: command
short-summary: Show what a BACPAC file holds, without a database.
long-summary: >
    Lists every table with its row count, uncompressed data bytes, compressed bytes and BCP parts,
    plus totals, the producer (DacFx or this extension), the server version, Always Encrypted keys,
    and the model.xml checksum (stored, computed, verified). A checksum mismatch
    is an error (exit 1), as import refuses such a package, unless --verify-checksum false. A file that
    cannot be read as a BACPAC is an error (exit 1; a cut-short file is reported as truncated), a missing
    one exit 3.
examples:
  - name: Show a BACPAC as JSON.
    text: az sql db bacpac inspect --storage-uri ./sales.bacpac
  - name: A readable table of its tables (Table, Rows, DataBytes, CompressedBytes, Parts).
    text: az sql db bacpac inspect --storage-uri ./sales.bacpac -o table
  - name: A genuinely huge package (more than 1 TiB uncompressed) needs the size guard raised.
    text: az sql db bacpac inspect --storage-uri ./huge.bacpac --max-uncompressed-size 4TiB
  - name: Only the total row count, without verifying the checksum.
    text: az sql db bacpac inspect --storage-uri file:///tmp/sales.bacpac --verify-checksum false --query totals.rows
  - name: A BACPAC in Azure Blob Storage, with the key from a file.
    text: >-
        az sql db bacpac inspect --storage-uri https://myaccount.blob.core.windows.net/bacpacs/sales.bacpac
        --storage-key-type StorageAccessKey --storage-key @storage-key.txt
"""

helps['sql db bacpac show'] = """
type: command
short-summary: Show an export or import operation (Get-AzSqlDatabaseImportExportStatus).
long-summary: >
    Give the operationStatusLink printed by export/import, or the operation id. `status` carries the
    service's words: Pending, "Running, Progress = 45.00 %", Completed, or the failure text; `state`
    is InProgress, Succeeded, Failed or Cancelled. A worker that died (killed, machine restarted) shows
    Failed with the reason within a few seconds, never InProgress forever. Exit code 0 whatever the
    operation's state (use `wait` to fail on failure); 3 for an unknown operation.
examples:
  - name: Poll an operation until it ends (bash).
    text: |-
        while [ "$(az sql db bacpac show --operation-status-link "$link" --query state -o tsv)" = InProgress ]; do sleep 5; done
  - name: Show an operation by id, shaped as Get-AzSqlDatabaseImportExportStatus's result.
    text: az sql db bacpac show --operation-id 3fa85f64-5717-4562-b3fc-2c963f66afa6 --output-shape cmdlet
  - name: The short form of the link option.
    text: az sql db bacpac show --link "$link" -o table
"""

helps['sql db bacpac list'] = """
type: command
short-summary: List export and import operations, like `az sql db op list`.
long-summary: >
    Records shaped like `az sql db op list` (name = operation id, operation ExportDatabase or
    ImportDatabase, state, percentComplete, isCancellable ...), oldest first.
examples:
  - name: Operations still running on one database.
    text: az sql db bacpac list -s sqlite:///./data -n sales --active-only -o table
  - name: Every operation on a server, shaped as Get-AzSqlDatabaseActivity's result.
    text: az sql db bacpac list --server sqlite:///./data --output-shape cmdlet
  - name: Operations on Azure SQL databases named by resource ID, as with `az sql db op list --ids`.
    text: az sql db bacpac list --ids $(az sql db list -g mygroup -s myserver --query [].id -o tsv)
  - name: The -g/-d spelling of `az sql db op list` works too (the resource group is accepted for parity).
    text: az sql db bacpac list -g mygroup -s sqlite:///./data -d sales --query "[?state=='Failed'].name"
"""

helps['sql db bacpac wait'] = """
type: command
short-summary: Wait for an export or import to end; fail unless it succeeded.
long-summary: >
    Exit code 0 when the operation Succeeded; 1 when it Failed or was Cancelled (with its message); 124
    when --timeout passes first and the operation is still running (unlike core's wait commands, which
    exit 0 on a timeout); 2 without an operation; 3 for an unknown operation. Prints nothing on
    success; a progress bar on stderr while waiting.
examples:
  - name: Wait for an operation by its status link.
    text: az sql db bacpac wait --operation-status-link "$link"
  - name: Wait at most ten minutes, polling every 10 seconds.
    text: az sql db bacpac wait --operation-id 3fa85f64-5717-4562-b3fc-2c963f66afa6 --timeout 600 --interval 10
  - name: The short form of the link option.
    text: az sql db bacpac wait --link "$link"
"""

helps['sql db bacpac cancel'] = """
type: command
short-summary: Cancel an export or import (Stop-AzSqlDatabaseActivity).
long-summary: >
    Cancel is cooperative and atomic: a cancelled export leaves no BACPAC, a cancelled import leaves
    the target as it was. Prints the operation as `az sql db op list` would (state Cancelled, or
    CancelInProgress while the worker stops). It never prompts, as `az sql db op cancel` does not (--yes
    is accepted and changes nothing). An operation that already ended is left as it was, with a
    warning that nothing was cancelled. --elastic-pool is refused, as the cmdlet refuses it.
examples:
  - name: Cancel an operation.
    text: az sql db bacpac cancel --operation-id 3fa85f64-5717-4562-b3fc-2c963f66afa6
  - name: The arguments of `az sql db op cancel` and Stop-AzSqlDatabaseActivity, shaped as the cmdlet's result.
    text: >-
        az sql db bacpac cancel -g mygroup -s sqlite:///./data -d sales -n 3fa85f64-5717-4562-b3fc-2c963f66afa6
        --yes --output-shape cmdlet
  - name: The database named by its resource ID, as with `az sql db op cancel --ids`.
    text: >-
        az sql db bacpac cancel --ids /subscriptions/<sub>/resourceGroups/mygroup/providers/Microsoft.Sql/servers/myserver/databases/sales
        -n 3fa85f64-5717-4562-b3fc-2c963f66afa6
  - name: What Stop-AzSqlDatabaseActivity -ElasticPoolName does (refused).
    text: >-
        az sql db bacpac cancel --operation-id 3fa85f64-5717-4562-b3fc-2c963f66afa6 --server sqlite:///./data
        --database sales --elastic-pool pool1 --yes
"""

helps['sql db bacpac preflight'] = """
type: command
short-summary: Check the Always Encrypted key permissions an export or import needs, before any data moves.
long-summary: >
    Prints each permission with granted and required. Export needs ALTER ANY COLUMN MASTER KEY and
    ALTER ANY COLUMN ENCRYPTION KEY on a source with encrypted columns or keys, and VIEW ANY COLUMN
    MASTER KEY DEFINITION and VIEW ANY COLUMN ENCRYPTION KEY DEFINITION always (without them the key
    catalog looks empty, which must not read as "no keys"). Importing a package with keys needs all
    four on the target. Export and import run the same checks themselves and stop, before any data
    moves, with the missing permissions and the GRANT statements that fix them. The embedded SQLite
    engine has no permissions: the result is empty.
examples:
  - name: Check an export of an Azure SQL database with your Entra identity.
    text: az sql db bacpac preflight -g mygroup -s myserver -n sales --direction export -o table
  - name: Check an import of a BACPAC (its model says whether keys come along) with a SQL login.
    text: >-
        az sql db bacpac preflight --server localhost,1433 --name sales_copy --direction import
        --storage-uri ./sales.bacpac --admin-user sa --admin-password @sa-password.txt --auth-type SQL
        --trust-server-certificate true
  - name: A BACPAC in Azure Blob Storage.
    text: >-
        az sql db bacpac preflight -s myserver -n sales_copy --direction import
        --storage-uri https://acct.blob.core.windows.net/bacpacs/sales.bacpac --storage-key-type StorageAccessKey
        --storage-key @key.txt
"""
