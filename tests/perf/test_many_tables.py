"""Issue 17, item 7: the cost of a model grows with the number of tables, not with its square.

Counted, not timed: typed objects built, views scanned, layouts compiled. The 50,000-table figures
are measured by scripts/bench.py --many-tables.
"""
import zipfile

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


def _calls_for(tables, tmp_path, monkeypatch):
    """Model elements parsed, written and SQL statements run by an export then an import of `tables`
    one-row tables (counted, not timed)."""
    import sqlite3
    from azext_bacpac.engines import sqlite_import
    from azext_bacpac.format import element_store, model_document, model_stream
    from azext_bacpac.pipelines.export import export_database
    from azext_bacpac.pipelines.importing import import_package
    folder = tmp_path / f"n{tables}"
    folder.mkdir()
    conn = sqlite3.connect(folder / "db.sqlite")
    for number in range(tables):
        conn.execute(f"CREATE TABLE t{number} (id INTEGER PRIMARY KEY, name TEXT, amount DECIMAL(10, 2))")
        conn.execute(f"INSERT INTO t{number} VALUES (1, 'x', 1.5)")
    conn.commit()
    conn.close()
    calls = {"parsed": 0, "written": 0, "statements": 0}

    def counting(name, real):
        def call(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)
        return call
    monkeypatch.setattr(model_document, "typed_object", counting("parsed", model_document.typed_object))
    monkeypatch.setattr(model_stream, "typed_object", counting("parsed", model_stream.typed_object))
    monkeypatch.setattr(model_document, "written_text", counting("written", model_document.written_text))
    monkeypatch.setattr(element_store, "written_text", counting("written", element_store.written_text))
    connect = sqlite3.connect

    def traced(*args, **kwargs):
        connection = connect(*args, **kwargs)
        connection.set_trace_callback(lambda _: calls.__setitem__("statements", calls["statements"] + 1))
        return connection
    monkeypatch.setattr(sqlite_import.sqlite3, "connect", traced)
    export_database(f"sqlite:///{folder}", "db", str(folder / "db.bacpac"), workers=0)
    (folder / "copy").mkdir()
    import_package(str(folder / "db.bacpac"), f"sqlite:///{folder / 'copy'}", "db", workers=0)
    monkeypatch.undo()
    model = zipfile.ZipFile(folder / "db.bacpac").read("model.xml").decode()
    calls["elements"] = model.count('\n\t\t<Element Type="')       # the model's top-level elements
    return calls


def test_an_export_and_import_do_a_fixed_amount_of_work_per_table(tmp_path, monkeypatch):
    """Each table's elements are parsed and written a fixed number of times, and each table costs the
    import a fixed number of statements: twice the tables, at most twice the work."""
    small, large = _calls_for(40, tmp_path, monkeypatch), _calls_for(80, tmp_path, monkeypatch)
    for name in small:
        assert large[name] <= 2 * small[name] + 20, (name, small, large)
    # Each top-level element (a table, its key, its columns' declared types...) is parsed once by the
    # export and once by the import, and written once.
    elements = small["elements"]
    assert elements >= 2 * 40 and small["parsed"] <= 2 * elements and small["written"] <= elements, small
