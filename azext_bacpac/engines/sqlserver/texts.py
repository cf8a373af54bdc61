"""Help texts for the CLI (the lead copies them into _help.py / _params.py); kept beside the code they describe."""

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

AUTH_HELP = (
    "How to sign in to a SQL Server / Azure SQL server. SQL: --admin-user and --admin-password. ADPassword: an "
    "Entra ID user and password (no MFA). ManagedIdentity: the managed identity of the machine; --admin-user is "
    "a user-assigned identity's client id or resource id. Without --auth-type and without a password, the "
    "engine signs in with your Entra identity (az login, environment credentials, workload or managed "
    "identity) using an access token: no password is needed at all.")

PREFLIGHT_HELP = (
    "Check, before any data moves, the Always Encrypted key permissions an export or import needs, and print "
    "each permission with granted / required. Export needs ALTER ANY COLUMN MASTER KEY and ALTER ANY COLUMN "
    "ENCRYPTION KEY on the source when it has encrypted columns or keys, and VIEW ANY COLUMN MASTER KEY "
    "DEFINITION and VIEW ANY COLUMN ENCRYPTION KEY DEFINITION always (without them the key catalog looks "
    "empty). Import of a package with keys needs all four on the target (a new database's creator holds them; "
    "it needs CREATE DATABASE instead). Export and import run the same check themselves and stop with the "
    "missing permissions and the GRANT statements that fix them.")

IMPORT_TARGET_HELP = (
    "For SQL Server / Azure SQL the target database must not exist (it is created; on Azure SQL Database "
    "with --edition, --service-objective and --max-size when given) or must be empty (no tables, views, "
    "procedures, functions, sequences, synonyms, user schemas or types). A failed or cancelled import leaves "
    "the target as it was: a database it created is dropped, and in an existing empty database everything it "
    "created is dropped. Users mapped to logins are created only when the login exists on the target "
    "server (logins are never created); such users are skipped with a warning otherwise.")

ALWAYS_ENCRYPTED_IMPORT_HELP = (
    "Always Encrypted: column master keys and column encryption keys are created before the tables that use "
    "them, and encrypted columns are loaded as the ciphertext the BACPAC holds, by bulk copy with "
    "ALLOW_ENCRYPTED_VALUE_MODIFICATIONS (switched on for the importing user during the load and off after "
    "it). The column master key itself is never needed: applications keep working with the same key.")

DRIVER_HELP = (
    "The SQL Server engine uses Microsoft ODBC Driver 18 for SQL Server through pyodbc: the copy the "
    "mssql-python package ships (pip install mssql-python), else an installed ODBC Driver 18 or 17, else "
    "FreeTDS (SQL logins only, no Always Encrypted bulk copy). Set AZEXT_BACPAC_ODBC_DRIVER to a driver name "
    "or library path to choose. `--debug` shows which driver is used.")

__all__ = ["CONSISTENCY_HELP", "TRUST_SERVER_CERTIFICATE_HELP", "AUTH_HELP", "PREFLIGHT_HELP", "IMPORT_TARGET_HELP",
           "ALWAYS_ENCRYPTED_IMPORT_HELP", "DRIVER_HELP"]
