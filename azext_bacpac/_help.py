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
    (status "Completed") plus `state`, `percentComplete` and a `summary` with per-table rows and bytes.
    A failed export leaves no partial BACPAC behind. Exit codes: 0 done, 1 error, 2 bad arguments,
    3 the database (or the server folder) does not exist.
examples:
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
    (status "Completed") plus `state`, `percentComplete` and a `summary`. The target must not exist or
    must be empty; a failed import leaves it as it was. --edition, --service-objective and --max-size
    (New-AzSqlDatabaseImport's sizing) are validated and ignored by the embedded SQLite engine.
    Exit codes: 0 done, 1 error (e.g. the target has tables, the file is not a valid BACPAC),
    2 bad arguments, 3 the BACPAC does not exist.
examples:
  - name: Import a BACPAC into a new SQLite database (./data/sales_copy.sqlite).
    text: az sql db bacpac import -s sqlite:///./data -n sales_copy --storage-uri ./sales.bacpac
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
    and the model.xml checksum (stored, computed, verified). A checksum mismatch is shown
    (checksum.verified false) with a warning: import refuses such a package. A file that cannot be
    read as a BACPAC is an error (exit 1), a missing one exit 3.
examples:
  - name: Show a BACPAC as JSON.
    text: az sql db bacpac inspect --storage-uri ./sales.bacpac
  - name: A readable table of its tables (Table, Rows, DataBytes, CompressedBytes, Parts).
    text: az sql db bacpac inspect --storage-uri ./sales.bacpac -o table
  - name: Only the total row count, without verifying the checksum.
    text: az sql db bacpac inspect --storage-uri file:///tmp/sales.bacpac --verify-checksum false --query totals.rows
  - name: A BACPAC in Azure Blob Storage, with the key from a file.
    text: >-
        az sql db bacpac inspect --storage-uri https://myaccount.blob.core.windows.net/bacpacs/sales.bacpac
        --storage-key-type StorageAccessKey --storage-key @storage-key.txt
"""
