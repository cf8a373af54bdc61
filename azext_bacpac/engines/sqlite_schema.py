"""What a live SQLite database holds: its tables, columns, keys, indexes and foreign keys.

Read through the pragma table-valued functions, which take the table name as a bound parameter
(no quoting of user names into SQL). Tables of the engine's own catalog (`__bacpac_*`), SQLite's
internal tables, virtual tables and their shadow tables are left out of the user's tables.
"""
import json
from dataclasses import dataclass, field

CATALOG_PREFIX = "__bacpac_"


def quote_ident(name):
    """A SQLite identifier in double quotes (any character but NUL is allowed inside)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class ColumnInfo:
    name: str
    declared: str               # declared type text ('' when none)
    notnull: bool
    default: str                # the DEFAULT expression as written, or None
    pk: int                     # 1-based position in the primary key, 0 when not part of it
    generated: bool = False


@dataclass
class IndexInfo:
    name: str
    unique: bool
    origin: str                 # 'c' CREATE INDEX, 'u' UNIQUE constraint, 'pk' PRIMARY KEY
    partial: bool
    columns: list               # [(column name, descending)], or None when a key is an expression
    sql: str = None


@dataclass
class ForeignKeyInfo:
    parent: str
    columns: list
    parent_columns: list        # None entries: the parent's primary key
    on_update: str = "NO ACTION"
    on_delete: str = "NO ACTION"


@dataclass
class TableInfo:
    name: str
    sql: str
    columns: list = field(default_factory=list)
    indexes: list = field(default_factory=list)
    foreign_keys: list = field(default_factory=list)
    without_rowid: bool = False

    @property
    def primary_key(self):
        return [c.name for c in sorted((c for c in self.columns if c.pk), key=lambda c: c.pk)]

    @property
    def rowid_alias(self):
        """The column that is SQLite's rowid (INTEGER PRIMARY KEY), if any."""
        keys = [c for c in self.columns if c.pk]
        if len(keys) == 1 and not self.without_rowid and keys[0].declared.strip().upper() == "INTEGER":
            return keys[0].name
        return None

    def fingerprint(self):
        """The table's definition and its explicit indexes: changes when the user alters either."""
        return fingerprint(self.sql, {index.name: index.sql for index in self.indexes if index.sql})


def fingerprint(table_sql, index_sql):
    """TableInfo.fingerprint from sqlite_master's text: the table's CREATE TABLE and
    {index name: CREATE INDEX} of its explicit indexes."""
    return json.dumps({"table": table_sql, "indexes": index_sql}, sort_keys=True)


def _has_table_list(conn):
    try:
        conn.execute("SELECT 1 FROM pragma_table_list LIMIT 0")
        return True
    except Exception:   # noqa: BLE001 - SQLite before 3.37
        return False


def read_tables(conn):
    """{name: TableInfo} for the user's tables, in creation order."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid").fetchall()
    kinds = {}
    if _has_table_list(conn):
        kinds = {name: (kind, wr) for name, kind, wr in
                 conn.execute("SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main'")}
    # Every index's text in one read: sqlite_master has no index on tbl_name, so a query per table
    # would scan it once per table (quadratic in the number of tables).
    index_sql = {}
    for table_name, index_name, text in conn.execute("SELECT tbl_name, name, sql FROM sqlite_master "
                                                     "WHERE type = 'index'"):
        index_sql.setdefault(table_name, {})[index_name] = text
    tables = {}
    for name, sql in rows:
        if name.startswith("sqlite_") or name.startswith(CATALOG_PREFIX) or not sql:
            continue
        kind, without_rowid = kinds.get(name, (None, None))
        if kind in ("virtual", "shadow") or sql.lstrip().upper().startswith("CREATE VIRTUAL"):
            continue
        if without_rowid is None:
            without_rowid = "WITHOUT ROWID" in " ".join(sql.upper().split())
        tables[name] = _read_table(conn, name, sql, bool(without_rowid), index_sql.get(name, {}))
    return tables


def _read_table(conn, name, sql, without_rowid, index_sql):
    columns = [ColumnInfo(col_name, declared or "", bool(notnull), default, pk, hidden in (2, 3))
               for col_name, declared, notnull, default, pk, hidden in conn.execute(
                   'SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?) '
                   'WHERE hidden <> 1 ORDER BY cid', (name,))]
    indexes = []
    for index_name, unique, origin, partial in conn.execute(
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?) ORDER BY seq DESC", (name,)):
        keys = conn.execute("SELECT cid, name, \"desc\" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno",
                            (index_name,)).fetchall()
        key_columns = None if any(cid < 0 for cid, _, _ in keys) else [(key, bool(desc)) for _, key, desc in keys]
        indexes.append(IndexInfo(index_name, bool(unique), origin, bool(partial), key_columns,
                                 index_sql.get(index_name)))
    foreign_keys = {}
    for fk_id, _, parent, source, target, on_update, on_delete in conn.execute(
            'SELECT id, seq, "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) '
            'ORDER BY id, seq', (name,)):
        fk = foreign_keys.setdefault(fk_id, ForeignKeyInfo(parent, [], [], on_update, on_delete))
        fk.columns.append(source)
        fk.parent_columns.append(target)
    # pragma_foreign_key_list numbers constraints from the last declared; keep declaration order.
    ordered = [foreign_keys[key] for key in sorted(foreign_keys, reverse=True)]
    return TableInfo(name, sql, columns, indexes, ordered, without_rowid)


def other_objects(conn):
    """[(type, name)] of views, triggers and virtual tables: things an export cannot carry."""
    found = []
    for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master "
                                        "WHERE type IN ('view', 'trigger', 'table') ORDER BY rowid"):
        if kind == "table":
            if sql and sql.lstrip().upper().startswith("CREATE VIRTUAL"):
                found.append(("virtual table", name))
        else:
            found.append((kind, name))
    return found


def user_object_count(conn):
    """How many schema objects (tables, views, indexes, triggers) the database holds."""
    return conn.execute("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").fetchone()[0]
