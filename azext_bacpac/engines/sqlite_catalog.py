"""The engine's own tables inside an imported SQLite database: the package's original model.

An import keeps what SQLite cannot express, so that exporting the database again gives the same
package (a lossless BACPAC -> SQLite -> BACPAC round trip):

  __bacpac_package  (name TEXT PRIMARY KEY, value BLOB)
      'model.xml'        the model.xml bytes exactly as the package held them
      'Origin.xml'       the source package's Origin.xml (producer, server version), for reference
      'DacMetadata.xml'  the source package's DacMetadata.xml (source database name)
      'views'            the views the import created, as JSON: {SQLite name: [model name, CREATE VIEW
                         text]} (an export leaves them to the stored model while they are unchanged)
      'catalog-version'  '1'
  __bacpac_tables   (sqlite_name TEXT PRIMARY KEY, schema_name, table_name, fingerprint,
                     companions, indexes)
      one row per imported table: its model name, the fingerprint of its SQLite definition at
      import time (CREATE TABLE text and its indexes' CREATE INDEX text), its sql_variant columns
      ({column: '__bacpac_variants'}; databases imported before 0.1.0 name a companion column
      there) and the SQLite names of its indexes (JSON).
  __bacpac_variants (sqlite_name, column_name, row_id, value BLOB)
      the exact sql_variant bytes of the cells whose visible value would not give them back
      (a varchar, a decimal's precision...), by table, column and the row's rowid.

A fingerprint that no longer matches means the user changed that table since the import.
"""
import json
from dataclasses import dataclass, field

from ..format.errors import PackageError
from .sqlite_schema import quote_ident

PACKAGE_TABLE = "__bacpac_package"
TABLES_TABLE = "__bacpac_tables"
VARIANTS_TABLE = "__bacpac_variants"
CATALOG_VERSION = "1"


@dataclass
class StoredTable:
    sqlite_name: str
    schema: str
    name: str
    fingerprint: str
    companions: dict = field(default_factory=dict)   # sql_variant column -> VARIANTS_TABLE (or an old
    #                                                  import's companion column)
    indexes: dict = field(default_factory=dict)      # SQLite index name -> model index name


@dataclass
class StoredCatalog:
    model_bytes: bytes
    origin_bytes: bytes = None
    metadata_bytes: bytes = None
    tables: dict = field(default_factory=dict)       # sqlite name -> StoredTable
    views: dict = field(default_factory=dict)        # sqlite name -> [model name, CREATE VIEW text]


def create(conn):
    conn.execute(f"CREATE TABLE {quote_ident(PACKAGE_TABLE)} (name TEXT PRIMARY KEY, value BLOB)")
    conn.execute(f"CREATE TABLE {quote_ident(TABLES_TABLE)} (sqlite_name TEXT PRIMARY KEY, schema_name TEXT "
                 f"NOT NULL, table_name TEXT NOT NULL, fingerprint TEXT NOT NULL, companions TEXT, indexes TEXT)")
    conn.execute(f"CREATE TABLE {quote_ident(VARIANTS_TABLE)} (sqlite_name TEXT NOT NULL, column_name TEXT NOT NULL, "
                 f"row_id INTEGER NOT NULL, value BLOB NOT NULL, PRIMARY KEY (sqlite_name, column_name, row_id))")


class SelectSql(str):
    """SQL for a SELECT list built here (not a column name: only this type is not quoted)."""


def variant_sql(sqlite_name, column, rowid):
    """A correlated subquery giving a cell's stored sql_variant bytes (NULL when none were needed)."""
    def literal(text):
        return "'" + text.replace("'", "''") + "'"
    return SelectSql(f"(SELECT value FROM {quote_ident(VARIANTS_TABLE)} WHERE sqlite_name = {literal(sqlite_name)} "
                     f"AND column_name = {literal(column)} AND row_id = {quote_ident(sqlite_name)}.{rowid})")


def write(conn, catalog):
    """Store the catalog; a part may be bytes or a source of pieces (format.package.PartSource)."""
    parts = [("model.xml", catalog.model_bytes), ("Origin.xml", catalog.origin_bytes),
             ("DacMetadata.xml", catalog.metadata_bytes), ("catalog-version", CATALOG_VERSION)]
    if catalog.views:
        parts.append(("views", json.dumps(catalog.views)))
    for name, value in parts:
        if value is not None and not isinstance(value, (bytes, str)):
            _write_in_pieces(conn, name, value)
    conn.executemany(f"INSERT INTO {quote_ident(PACKAGE_TABLE)} (name, value) VALUES (?, ?)",
                     [(name, value) for name, value in parts if isinstance(value, (bytes, str))])
    write_tables(conn, catalog.tables.values())


def write_tables(conn, tables):
    """One row per StoredTable of the iterable (consumed as it is written)."""
    conn.executemany(f"INSERT INTO {quote_ident(TABLES_TABLE)} VALUES (?, ?, ?, ?, ?, ?)",
                     ((t.sqlite_name, t.schema, t.name, t.fingerprint, json.dumps(t.companions),
                       json.dumps(t.indexes)) for t in tables))


def _write_in_pieces(conn, name, source):
    """A part written through SQLite's incremental blob I/O (Python 3.11+): a model of 50,000 tables
    is ~125 MB that need not be in memory at once."""
    if not hasattr(conn, "blobopen"):
        conn.execute(f"INSERT INTO {quote_ident(PACKAGE_TABLE)} (name, value) VALUES (?, ?)", (name, source.read()))
        return
    rowid = conn.execute(f"INSERT INTO {quote_ident(PACKAGE_TABLE)} (name, value) VALUES (?, zeroblob(?))",
                         (name, source.size)).lastrowid
    with conn.blobopen(PACKAGE_TABLE, "value", rowid) as blob:
        for chunk in source.chunks():
            if blob.tell() + len(chunk) > source.size:
                raise PackageError(f"{name} holds more bytes than the {source.size} it declares")
            blob.write(chunk)
        if blob.tell() != source.size:
            raise PackageError(f"{name} holds {blob.tell()} bytes, not the {source.size} it declares")


def read(conn):
    """The stored catalog, or None when the database was not made by an import."""
    present = {name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)", (PACKAGE_TABLE, TABLES_TABLE))}
    if present != {PACKAGE_TABLE, TABLES_TABLE}:
        return None
    parts = dict(conn.execute(f"SELECT name, value FROM {quote_ident(PACKAGE_TABLE)}").fetchall())
    model_bytes = parts.get("model.xml")
    if not isinstance(model_bytes, bytes):
        return None
    tables = {}
    for sqlite_name, schema, name, fingerprint, companions, indexes in conn.execute(
            f"SELECT sqlite_name, schema_name, table_name, fingerprint, companions, indexes "
            f"FROM {quote_ident(TABLES_TABLE)}"):
        tables[sqlite_name] = StoredTable(sqlite_name, schema, name, fingerprint,
                                          json.loads(companions or "{}"), json.loads(indexes or "{}"))
    views = parts.get("views")
    return StoredCatalog(model_bytes, parts.get("Origin.xml"), parts.get("DacMetadata.xml"), tables,
                         json.loads(views) if isinstance(views, str) else {})
