"""Issue 17, item 7: the cost of a model grows with the number of tables, not with its square.

Counted, not timed: typed objects built, views scanned, layouts compiled. The 50,000-table figures
are measured by scripts/bench.py --many-tables.
"""
from azext_bacpac.format import bcp, model as model_module
from azext_bacpac.format.bcp import ColumnLayout, RowCodec
from azext_bacpac.format.model import Column, Index, Model, Table
from azext_bacpac.format.sqltypes import SqlType


def _model(count):
    model = Model()
    for number in range(count):
        model.add(Table("dbo", f"t{number}", [Column("id", SqlType("int"), nullable=False),
                                               Column("name", SqlType("nvarchar", 40))]))
    return Model.from_bytes(model.to_bytes())


def _scans(count, monkeypatch):
    """isinstance checks made by the views while every table is looked up once (as an import does)."""
    model = _model(count)
    calls = [0]
    real = model_module.isinstance if hasattr(model_module, "isinstance") else isinstance

    def counting(obj, classes):
        calls[0] += 1
        return real(obj, classes)
    monkeypatch.setattr(model_module, "isinstance", counting, raising=False)
    for table in list(model.tables):
        assert model.table(table.schema, table.name) is table
        assert model.indexes == [] and model.primary_keys == []
    monkeypatch.undo()
    return calls[0]


def test_lookups_are_linear_in_the_number_of_tables(monkeypatch):
    small, large = _scans(500, monkeypatch), _scans(2000, monkeypatch)
    assert large <= 4 * small + 100, (small, large)      # quadratic would be 16x


def test_add_keeps_views_current():
    model = Model()
    assert model.tables == []
    model.add(Table("dbo", "a", [Column("id", SqlType("int"))]))
    assert [t.name for t in model.tables] == ["a"] and model.table("dbo", "a").name == "a"
    model.add(Index("ix", "[dbo].[a]", [("[dbo].[a].[id]", True)]))
    assert len(model.indexes) == 1 and model.table("dbo", "b") is None


def test_tables_of_one_layout_compile_once(monkeypatch):
    compiled = []
    real = bcp._compile
    monkeypatch.setattr(bcp, "_compile", lambda *a, **k: compiled.append(1) or real(*a, **k))
    bcp._compiled_layout.cache_clear()
    codecs = [RowCodec(f"[dbo].[t{n}]", [ColumnLayout("id", SqlType("int"), False),
                                         ColumnLayout(f"c{n}", SqlType("nvarchar", 40))]) for n in range(300)]
    assert not compiled                                   # nothing compiled until a codec is used
    rows = [codec.encode((1, "x")) for codec in codecs]
    assert len(compiled) == 1 and len(set(rows)) == 1
    assert codecs[5].decode_stream.__self__ is codecs[5]


def _schema_scans(count):
    import sqlite3
    from azext_bacpac.engines.sqlite_schema import read_tables
    conn = sqlite3.connect(":memory:")
    for number in range(count):
        conn.execute(f"CREATE TABLE t{number} (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
    statements = []
    conn.set_trace_callback(statements.append)
    assert len(read_tables(conn)) == count
    return sum("sqlite_master" in statement for statement in statements)


def test_reading_the_schema_scans_sqlite_master_a_fixed_number_of_times():
    assert _schema_scans(20) == _schema_scans(200)
