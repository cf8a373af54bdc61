"""The Always Encrypted preflight: the key permissions an operation needs, checked before data moves.

As documented for BACPACs with Always Encrypted (anchors.md §1.6):
  export, source database:  ALTER ANY COLUMN MASTER KEY, ALTER ANY COLUMN ENCRYPTION KEY
  import, target database:  those two, plus VIEW ANY COLUMN MASTER KEY DEFINITION and
                            VIEW ANY COLUMN ENCRYPTION KEY DEFINITION
They are required when the source has encrypted columns or keys (export) or the package holds
column master / encryption keys or encrypted columns (import). On export the two VIEW permissions
are required even without encrypted columns: without them sys.column_master_keys and
sys.column_encryption_keys return no rows, and "no rows" must not be read as "no keys".

The server answers for itself: HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', '<permission>') for the
current user (1 granted, 0 not, NULL when the server does not know the permission: then no
Always Encrypted object can exist there either, and the permission is not required). A server
without sys.column_master_keys (SQL Server before 2016) cannot hold Always Encrypted at all: its
export preflight says so and passes, and the key queries are not sent (they would fail with
"Invalid object name"). An import into a database that does not exist yet needs CREATE DATABASE
instead; its creator owns it and so holds the four key permissions.

check() returns [PermissionCheck]; enforce() raises MissingPermissionsError listing each missing
permission with the GRANT statement that fixes it.
"""
from dataclasses import dataclass

from ...errors import UnsupportedError
from .errors import MissingPermissionsError
from .tsql import ident

ALTER_KEYS = ("ALTER ANY COLUMN MASTER KEY", "ALTER ANY COLUMN ENCRYPTION KEY")
VIEW_KEYS = ("VIEW ANY COLUMN MASTER KEY DEFINITION", "VIEW ANY COLUMN ENCRYPTION KEY DEFINITION")
KEY_PERMISSIONS = ALTER_KEYS + VIEW_KEYS
CREATE_DATABASE = "CREATE DATABASE"

PERMISSIONS_QUERY = ("/* bacpac:key_permissions */ SELECT USER_NAME() AS user_name, "
                     + ", ".join(f"HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', '{p}') AS {ident(p)}"
                                 for p in KEY_PERMISSIONS))
SUPPORT_QUERY = ("/* bacpac:always_encrypted_supported */ SELECT CASE WHEN OBJECT_ID(N'sys.column_master_keys') "
                 "IS NULL THEN 0 ELSE 1 END AS supported")
NOT_SUPPORTED = "this server has no Always Encrypted (SQL Server 2016 or later has it), so no keys can exist"
UNKNOWN_PERMISSION = "the server does not know this permission, so no Always Encrypted keys can exist there"
PRESENCE_QUERY = ("/* bacpac:key_presence */ SELECT "
                  "(SELECT COUNT(*) FROM sys.columns WHERE column_encryption_key_id IS NOT NULL) AS encrypted_columns, "
                  "(SELECT COUNT(*) FROM sys.column_master_keys) AS master_keys, "
                  "(SELECT COUNT(*) FROM sys.column_encryption_keys) AS encryption_keys")
CREATE_QUERY = ("/* bacpac:create_permission */ SELECT USER_NAME() AS user_name, SUSER_SNAME() AS login_name, "
                "HAS_PERMS_BY_NAME(NULL, NULL, 'CREATE ANY DATABASE') AS server_level, "
                "HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'CREATE DATABASE') AS database_level")


@dataclass
class PermissionCheck:
    permission: str
    granted: object            # True / False / None (the server could not tell)
    required: bool
    detail: str = None

    def as_dict(self):
        result = {"permission": self.permission, "granted": self.granted, "required": self.required}
        if self.detail:
            result["detail"] = self.detail
        return result

    @property
    def missing(self):
        return self.required and self.granted is not True


def model_has_keys(model):
    """True when a package's model holds Always Encrypted keys or encrypted columns."""
    if model is None:
        return False
    if model.column_master_keys or model.column_encryption_keys:
        return True
    return any(column.is_encrypted for table in model.tables for column in table.columns)


def _flag(value):
    if value is None:
        return None
    return bool(int(value))


def key_permissions(query_one):
    """(user name, {permission: granted}) from the server's own permission function."""
    row = query_one(PERMISSIONS_QUERY) or {}
    return row.get("user_name"), {p: _flag(row.get(p)) for p in KEY_PERMISSIONS}


def always_encrypted_supported(query_one):
    """Whether the server has Always Encrypted's catalog views (SQL Server 2016+, Azure SQL)."""
    row = query_one(SUPPORT_QUERY) or {}
    return bool(_flag(row.get("supported")))


def _unsupported_checks(permissions, detail=NOT_SUPPORTED):
    return [PermissionCheck(p, None, False, detail) for p in permissions]


def check_export(query_one):
    """Checks for exporting the database `query_one` is connected to: (user, [PermissionCheck], presence)."""
    if not always_encrypted_supported(query_one):
        row = query_one("/* bacpac:user_name */ SELECT USER_NAME() AS user_name") or {}
        return row.get("user_name"), _unsupported_checks(KEY_PERMISSIONS), {}
    user, granted = key_permissions(query_one)
    presence = query_one(PRESENCE_QUERY) or {}
    has_keys = any(int(presence.get(k) or 0) for k in ("encrypted_columns", "master_keys", "encryption_keys"))
    only_with_keys = None if has_keys else "needed only when the database has Always Encrypted columns or keys"
    checks = [_check(p, granted[p], has_keys, only_with_keys, has_keys) for p in ALTER_KEYS]
    to_see = "needed to see whether Always Encrypted keys exist, and to read them"
    checks += [_check(p, granted[p], True, to_see, has_keys) for p in VIEW_KEYS]
    return user, checks, presence


def _check(permission, granted, required, detail, keys_involved):
    """A NULL from HAS_PERMS_BY_NAME (the server does not know the permission) means no key can exist
    there, so it is not required; unless keys are involved after all, when it counts as missing."""
    if granted is None and not keys_involved:
        return PermissionCheck(permission, None, False, UNKNOWN_PERMISSION)
    return PermissionCheck(permission, granted, required, detail)


def check_import(query_one, model, *, creating=False, create_row=None, supported=True):
    """Checks for importing `model` into the database `query_one` is connected to (or into a new one).

    supported: whether the server has Always Encrypted (always_encrypted_supported); a package with
    keys cannot go into one that has not (UnsupportedError)."""
    needs = model_has_keys(model)
    if needs and not supported:
        raise UnsupportedError("the package holds Always Encrypted keys or encrypted columns, and the target server "
                               "has no Always Encrypted (it needs SQL Server 2016 or later, or Azure SQL); nothing was "
                               "created")
    if creating:
        row = create_row or {}
        granted = bool(_flag(row.get("server_level")) or _flag(row.get("database_level")))
        checks = [PermissionCheck(CREATE_DATABASE, granted, True, "the target database does not exist yet")]
        if not supported:
            return row.get("user_name") or row.get("login_name"), checks + _unsupported_checks(KEY_PERMISSIONS)
        checks += [PermissionCheck(p, True, needs, "held as the owner of the new database") for p in KEY_PERMISSIONS]
        return row.get("user_name") or row.get("login_name"), checks
    if not supported:
        row = query_one("/* bacpac:user_name */ SELECT USER_NAME() AS user_name") or {}
        return row.get("user_name"), _unsupported_checks(KEY_PERMISSIONS)
    user, granted = key_permissions(query_one)
    detail = None if needs else "needed only when the package holds Always Encrypted keys"
    return user, [_check(p, granted[p], needs, detail, needs) for p in KEY_PERMISSIONS]


def grant_statement(permission, user, azure=False):
    if permission == CREATE_DATABASE:
        if azure:
            return f"ALTER ROLE dbmanager ADD MEMBER {ident(user or '<user>')}; (in master)"
        return f"GRANT CREATE ANY DATABASE TO {ident(user or '<login>')}; (in master)"
    return f"GRANT {permission} TO {ident(user or '<user>')};"


def enforce(checks, *, user, database, direction, azure=False):
    """Raise MissingPermissionsError when a required permission is not granted."""
    missing = [c for c in checks if c.missing]
    if not missing:
        return
    grants = [grant_statement(c.permission, user, azure) for c in missing]
    names = ", ".join(c.permission + (" (the server could not tell)" if c.granted is None else "") for c in missing)
    where = "source" if direction == "export" else "target"
    why = ("the database has Always Encrypted columns or keys, or their definitions cannot be seen"
           if direction == "export" else "the package holds Always Encrypted keys")
    if any(c.permission == CREATE_DATABASE for c in missing):
        why = "the target database must be created"
    raise MissingPermissionsError(
        f"{direction} of database '{database}' stopped before any data moved: user "
        f"{ident(user or '?')} lacks {names} on the {where} database ({why}); fix: {' '.join(grants)}",
        [c.permission for c in missing], grants)


def enforce_visibility(catalog, *, user, database):
    """Encrypted columns whose keys are invisible: the login cannot see key metadata (not "no keys")."""
    if catalog.invisible_keys:
        grants = [grant_statement(VIEW_KEYS[1], user), grant_statement(VIEW_KEYS[0], user)]
        raise MissingPermissionsError(
            f"export of database '{database}' stopped before any data moved: {len(catalog.invisible_keys)} "
            f"Always Encrypted column(s) (e.g. {catalog.invisible_keys[0]}) use column encryption keys that user "
            f"{ident(user or '?')} cannot see; without them the BACPAC would hold ciphertext nobody can decrypt; "
            f"fix: {' '.join(grants)}", list(VIEW_KEYS), grants)
    if catalog.invisible_master_keys:
        grants = [grant_statement(VIEW_KEYS[0], user)]
        raise MissingPermissionsError(
            f"export of database '{database}' stopped before any data moved: column encryption key(s) "
            f"{', '.join(catalog.invisible_master_keys)} are protected by column master keys that user "
            f"{ident(user or '?')} cannot see; fix: {' '.join(grants)}", [VIEW_KEYS[0]], grants)


__all__ = ["PermissionCheck", "always_encrypted_supported", "SUPPORT_QUERY", "check_export", "check_import",
           "enforce", "enforce_visibility", "model_has_keys",
           "grant_statement", "KEY_PERMISSIONS", "ALTER_KEYS", "VIEW_KEYS", "CREATE_DATABASE", "PERMISSIONS_QUERY",
           "PRESENCE_QUERY", "CREATE_QUERY"]
