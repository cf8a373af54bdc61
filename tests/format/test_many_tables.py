"""Cost linear in the number of tables: each table is parsed from model.xml once however often it is
looked up, and reading a SQLite schema scans sqlite_master a fixed number of times (it has no index on
table names, so a query per table would make the read quadratic)."""
import sqlite3

from azext_bacpac.engines.sqlite_schema import read_tables
from azext_bacpac.format import model as model_module
from azext_bacpac.format.model import Column, Index, Model, Table
from azext_bacpac.format.sqltypes import SqlType

TABLES = 2000


def _model_bytes():
    model = Model()
    for i in range(TABLES):
        model.add(Table("dbo", f"T{i}", [Column("Id", SqlType("int"), nullable=False)]))
        model.add(Index(f"[dbo].[T{i}].[IX]", f"[dbo].[T{i}]", [(f"[dbo].[T{i}].[Id]", True)]))
    return model.to_bytes()


def test_each_table_is_read_once_however_often_it_is_looked_up(monkeypatch):
    data = _model_bytes()
    calls = []
    original = model_module.Table.from_element.__func__

    def counting(cls, element):
        calls.append(1)
        return original(cls, element)
    monkeypatch.setattr(model_module.Table, "from_element", classmethod(counting))
    model = Model.from_bytes(data)
    model.typed_objects()
    scans = []

    class Scanned(list):                   # counts the walks over every element of the model
        def __iter__(self):
            scans.append(1)
            return super().__iter__()
    model._typed = Scanned(model._typed)
    for i in range(TABLES):
        assert model.table("dbo", f"T{i}").name == f"T{i}"
        assert len(model.indexes) == TABLES and len(model.tables) == TABLES
    assert len(calls) == TABLES
    assert len(scans) <= 3                 # one per kind of view, not one per lookup


def test_a_sqlite_schema_is_read_with_a_fixed_number_of_catalog_scans(tmp_path):
    conn = sqlite3.connect(tmp_path / "many.sqlite")
    for i in range(300):
        conn.execute(f'CREATE TABLE "t{i}" (id INTEGER PRIMARY KEY, v TEXT UNIQUE)')
    statements = []
    conn.set_trace_callback(statements.append)
    tables = read_tables(conn)
    assert len(tables) == 300 and all(t.indexes for t in tables.values())
    assert len([s for s in statements if "sqlite_master" in s]) <= 3
