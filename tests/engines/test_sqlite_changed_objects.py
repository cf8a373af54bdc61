"""An imported SQLite database changed since: its generated columns stay the package's computed columns,
views dropped since leave the model, views added (or changed) are derived from SQLite."""
import sqlite3

from azext_bacpac import pipelines
from azext_bacpac.format.model import Column, KeyConstraint, Model, Module, Table
from azext_bacpac.format.assembly import PackageWriter
from azext_bacpac.format.package import PackageReader
from azext_bacpac.format.sqltypes import SqlType


def _package(path):
    model = Model()
    model.add(Table("dbo", "T", [Column("Id", SqlType("int"), nullable=False), Column("Qty", SqlType("int")),
                                 Column("Double", None, computed_expression="([Qty]*(2))")]))
    model.add(KeyConstraint("PRIMARY KEY", "[dbo].[T]", [("[dbo].[T].[Id]", True)], "[dbo].[PK_T]"))
    model.add(Module("SqlView", "[dbo].[V]", "SELECT [Id], [Double] FROM [dbo].[T]", "CREATE VIEW [dbo].[V] AS "))
    model.add(Module("SqlView", "[dbo].[W]", "SELECT [Qty] FROM [dbo].[T]", "CREATE VIEW [dbo].[W] AS "))
    with open(path, "wb") as handle, PackageWriter(handle, model, "t") as writer:
        writer.write_table("dbo", "T", [(1, 2), (2, 5)])


def test_views_and_generated_columns_after_changes(tmp_path):
    server = f"sqlite:///{tmp_path}"
    _package(tmp_path / "t.bacpac")
    pipelines.import_package(str(tmp_path / "t.bacpac"), server, "t")
    conn = sqlite3.connect(tmp_path / "t.sqlite")
    assert conn.execute("SELECT * FROM V").fetchall() == [(1, 4), (2, 10)]
    conn.execute("ALTER TABLE T ADD COLUMN Note TEXT")
    conn.execute("UPDATE T SET Note = 'n' WHERE Id = 2")
    conn.execute("DROP VIEW W")
    conn.execute("CREATE VIEW X AS SELECT Id, Double FROM T WHERE Qty > 1")
    conn.commit()
    conn.close()

    summary = pipelines.export_database(server, "t", str(tmp_path / "again.bacpac"))
    assert summary["modelSource"] == "merged"
    assert "the database was changed since the import (changed 'T'; views 'W', 'X')" in summary["warnings"][0]
    with PackageReader(str(tmp_path / "again.bacpac")) as reader:
        table = reader.model.table("dbo", "T")
        assert [(c.name, c.computed_expression) for c in table.columns] == [
            ("Id", None), ("Qty", None), ("Double", "([Qty]*(2))"), ("Note", None)]
        assert sorted(m.name for m in reader.model.modules) == ["[dbo].[V]", "[dbo].[X]"]
        view = next(m for m in reader.model.modules if m.name == "[dbo].[X]")
        assert view.body.strip() == "SELECT [Id], [Double] FROM [dbo].[T] WHERE [Qty] > 1"
        assert list(reader.rows(reader.tables[0])) == [(1, 2, None), (2, 5, "n")]   # no data for Double

    pipelines.import_package(str(tmp_path / "again.bacpac"), server, "copy")
    copy = sqlite3.connect(tmp_path / "copy.sqlite")
    assert copy.execute("SELECT * FROM X").fetchall() == [(1, 4), (2, 10)]
    assert copy.execute("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name").fetchall() == [
        ("V",), ("X",)]
