"""Server rules the test double enforces, with SQL Server's own error numbers and texts (sys.messages).

  - a scalar function called by CREATE TABLE (a computed column) or by ALTER TABLE ... ADD (a default or
    a check) must exist: Msg 4121 "Cannot find either column "%s" or the user-defined function or
    aggregate "%s", or the name is ambiguous.";
  - an alias type used by CREATE TABLE must exist: Msg 2715 "Column, parameter, or variable #%d: Cannot
    find data type %s.";
  - CREATE SCHEMA ... AUTHORIZATION, ALTER ROLE ... ADD MEMBER and GRANT name principals that must exist:
    Msg 15151 "Cannot find the user '%s', because it does not exist or you do not have permission." /
    "Cannot add the principal '%s', because it does not exist or you do not have permission.";
  - CREATE USER ... FOR LOGIN needs the login: Msg 15007 "'%s' is not a valid login or you do not have
    permission."; CREATE USER ... FROM EXTERNAL PROVIDER over SQL authentication: Msg 33159 "Principal
    '%s' could not be created. Only connections established with Active Directory accounts can create
    other Active Directory users.";
  - CREATE VIEW / PROCEDURE / FUNCTION / TRIGGER must open its batch: Msg 111 "'CREATE VIEW' must be the
    first statement in a query batch." ("CREATE VIEW", "CREATE PROCEDURE" ... Remarks);
  - a schema-bound module may only name tables and views that exist: Msg 4512 "Cannot schema bind
    function '%s' because name '%s' is invalid for schema binding. Names must be in two-part format and an
    object cannot reference itself.";
  - ALTER USER [dbo] is refused: Msg 15150 "Cannot alter the user 'dbo'." (fakedb.FakeServer.effect).
"""
import re

PART = r"(?:\[(?:[^\]]|\]\])+\]|[A-Za-z_][\w@#$]*)"
TWO_PART_CALL = re.compile(rf"({PART})\s*\.\s*({PART})\s*\(")
TWO_PART = re.compile(rf"({PART})\s*\.\s*({PART})(?!\s*[.(])")
MODULE_CREATE = re.compile(r"\bCREATE\s+(VIEW|PROC|PROCEDURE|FUNCTION|TRIGGER)\b", re.IGNORECASE)
FIXED_ROLES = {"db_owner", "db_accessadmin", "db_securityadmin", "db_ddladmin", "db_backupoperator",
               "db_datareader", "db_datawriter", "db_denydatareader", "db_denydatawriter", "public"}


def norm(*parts):
    """'[dbo].[F]' / 'dbo.F' -> 'dbo.f': names compare case-insensitively (a CI collation)."""
    return ".".join(p.strip()[1:-1].replace("]]", "]").lower() if p.strip().startswith("[") else p.strip().lower()
                    for p in parts)


def norm_full(name):
    """'[dbo].[F]' as one string -> 'dbo.f'."""
    return norm(*re.findall(PART, name))


def _without_comments_and_strings(sql):
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    sql = re.sub(r"--[^\n]*", " ", sql)
    return re.sub(r"N?'(?:[^']|'')*'", "''", sql)


def code_of(sql):
    """The statement without comments (and with string literals emptied)."""
    return _without_comments_and_strings(sql)


def check(database, sql, server_error, logins=(), sql_authentication=True):
    """Raise the server's error when `sql` breaks one of the rules above in `database` (a FakeDatabase)."""
    code = _without_comments_and_strings(sql)
    stripped = code.strip()
    modules = MODULE_CREATE.search(code)
    if modules and not re.match(r"^(CREATE|ALTER)\s", stripped, re.IGNORECASE):
        kind = modules.group(1).upper().replace("PROC", "PROCEDURE").replace("PROCEDUREEDURE", "PROCEDURE")
        raise server_error(111, f"'CREATE {kind}' must be the first statement in a query batch.")
    if database is None:
        return
    if modules and "SCHEMABINDING" in code.upper():
        relations = {norm_full(name) for kind, name in database.objects if kind in ("TABLE", "VIEW")}
        created = TWO_PART.search(code).groups()
        for schema, name in re.findall(rf"\b(?:FROM|JOIN)\s+({PART})\s*\.\s*({PART})", code, re.IGNORECASE):
            if norm(schema, name) not in relations:
                raise server_error(4512, f"Cannot schema bind {modules.group(1).lower()} '{norm(*created)}' because "
                                         f"name '{norm(schema, name)}' is invalid for schema binding. Names must be "
                                         f"in two-part format and an object cannot reference itself.")
    functions = {norm_full(name) for kind, name in database.objects if kind == "FUNCTION"}
    principals = {norm_full(name) for kind, name in database.objects if kind in ("USER", "ROLE")} | {"dbo", "public"}
    table_ddl = re.match(r"^(CREATE TABLE \S+ \(|ALTER TABLE \S+ (WITH (NO)?CHECK )?ADD\b)", stripped)
    if table_ddl:
        expression = re.sub(rf"\bREFERENCES {PART}\.{PART}", "REFERENCES", stripped[table_ddl.end():])
        for schema, name in TWO_PART_CALL.findall(expression):
            if norm(schema, name) not in functions:
                raise server_error(4121, f'Cannot find either column "{norm(schema)}" or the user-defined function '
                                         f'or aggregate "{norm(schema, name)}", or the name is ambiguous.', "42000")
    if stripped.startswith("CREATE TABLE"):
        types = {norm_full(name) for name in database.alias_types}
        body = code[code.index("(") + 1:]
        for position, (schema, name) in enumerate(TWO_PART.findall(body), start=1):
            if norm(schema, name) not in types:
                raise server_error(2715, f"Column, parameter, or variable #{position}: Cannot find data type "
                                         f"{schema}.{name}.")
    named = [(rf"^CREATE SCHEMA {PART} AUTHORIZATION ({PART})$", "Cannot find the user"),
             (rf"^ALTER ROLE ({PART}) ADD MEMBER ({PART})$", "Cannot add the principal"),
             (rf"^(?:GRANT|DENY) .* TO ({PART})(?: WITH GRANT OPTION)?$", "Cannot find the user")]
    for pattern, words in named:
        match = re.match(pattern, stripped)
        for principal in match.groups() if match else ():
            if norm(principal) not in principals | FIXED_ROLES:
                raise server_error(15151, f"{words} '{norm(principal)}', because it does not exist or you do not "
                                          f"have permission.")
    match = re.match(rf"^CREATE USER ({PART}) FOR LOGIN ({PART})", stripped)
    if match and norm(match.group(2)) not in {norm(login) for login in logins}:
        raise server_error(15007, f"'{norm(match.group(2))}' is not a valid login or you do not have permission.")
    match = re.match(rf"^CREATE USER ({PART}) FROM EXTERNAL PROVIDER", stripped)
    if match and sql_authentication:
        raise server_error(33159, f"Principal '{norm(match.group(1))}' could not be created. Only connections "
                                  f"established with Active Directory accounts can create other Active Directory "
                                  f"users.")


__all__ = ["check", "norm"]
