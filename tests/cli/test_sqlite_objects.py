"""AdventureWorksLT into SQLite through real `az` processes (issue 14, item 4): its 13 CHECK constraints,
its computed columns (LineTotal, SalesOrderNumber, TotalDue) and the views whose T-SQL translates are
created; what SQLite cannot hold (3 functions, 2 procedures, a sequence and the default that uses it,
a view over XML methods, ...) is counted in ONE warning, named with --verbose, and kept in the
package, so that the re-export gives the package's model and data byte for byte.

The schema is the real DacFx model of the AdventureWorksLT DACPAC in ../shared/vectors (ae-dacpac,
unencrypted), with a few rows written here."""
import datetime
import decimal
import io
import sqlite3
import uuid
import zipfile

import pytest

from azext_bacpac.format.model import Model
from azext_bacpac.format.assembly import PackageWriter
from azext_bacpac.format.package import PackageReader
from tests.vectors import vector_path

from .test_real_az import az_cli  # noqa: F401 - the fixture that runs the real az

D = decimal.Decimal
WHEN = datetime.datetime(2024, 2, 20, 10, 30)
ROWS = {
    "ProductCategory": [dict(ProductCategoryID=1, Name="Bikes"),
                        dict(ProductCategoryID=5, ParentProductCategoryID=1, Name="Mountain Bikes")],
    "ProductModel": [dict(ProductModelID=7, Name="Mountain-100")],
    "ProductDescription": [dict(ProductDescriptionID=3, Description="Top of the line")],
    "ProductModelProductDescription": [dict(ProductModelID=7, ProductDescriptionID=3, Culture="en    ")],
    "Product": [dict(ProductID=680, Name="Mountain-100 Black", ProductNumber="BK-M82B-38", StandardCost=D("1898.09"),
                     ListPrice=D("3374.99"), Weight=D("9.23"), ProductCategoryID=5, ProductModelID=7,
                     SellStartDate=WHEN)],
    "Customer": [dict(CustomerID=29485, FirstName="Catherine", LastName="Abel", PasswordHash="x" * 40,
                      PasswordSalt="salt")],
    "SalesOrderHeader": [dict(SalesOrderID=71774, OrderDate=WHEN, DueDate=WHEN + datetime.timedelta(days=12),
                              Status=5, CustomerID=29485, ShipMethod="CARGO TRANSPORT 5", SubTotal=D("150.0000"),
                              TaxAmt=D("12.0000"), Freight=D("3.5000"))],
    "SalesOrderDetail": [dict(SalesOrderID=71774, SalesOrderDetailID=110562, OrderQty=3, ProductID=680,
                              UnitPrice=D("100.0000"), UnitPriceDiscount=D("0.5000"))],
}


def _value(name, sql_type, number):
    """A value of the column's type for columns the rows above leave out (NOT NULL ones only)."""
    type_name = sql_type.name
    if type_name in ("int", "smallint", "tinyint", "bigint"):
        return number
    if type_name == "bit":
        return False
    if type_name in ("money", "smallmoney", "decimal", "numeric"):
        return D("0")
    if type_name in ("datetime", "datetime2", "smalldatetime"):
        return WHEN
    if type_name == "date":
        return WHEN.date()
    if type_name == "uniqueidentifier":
        return uuid.UUID(int=number)
    if type_name in ("varbinary", "binary"):
        return b""
    return name[:sql_type.length or 10]


def adventure_works(path):
    """A BACPAC of the real AdventureWorksLT model (its model.xml bytes as DacFx wrote them) and ROWS."""
    data = zipfile.ZipFile(io.BytesIO(vector_path("ae-dacpac/unencrypted.dacpac").read_bytes())).read("model.xml")
    model = Model.from_bytes(data)
    with open(path, "wb") as handle, PackageWriter(handle, model, "AdventureWorksLT", model_bytes=data) as writer:
        for table in model.tables:
            rows = []
            for number, given in enumerate(ROWS.get(table.name, []) if table.schema == "SalesLT" else [], 1):
                rows.append(tuple(given[c.name] if c.name in given else
                                  None if c.nullable else _value(c.name, model.resolved_type(c), number)
                                  for c in table.stored_columns))
            writer.write_table(table.schema, table.name, rows)
    return data


def _parts(path):
    with PackageReader(str(path)) as reader:
        return reader.model_bytes, {t.full_name: b"".join(b"".join(c) for _, c in reader.raw_parts(t))
                                    for t in reader.tables}


SUMMARY = ("kept in the package but not created in SQLite: 1 view, 1 sequence default, 3 functions, 2 procedures, "
           "1 sequence, 1 column encryption key, 1 column master key, 6 user-defined data types; --verbose names them")


def test_adventure_works_objects_are_created_or_counted_in_one_warning(az_cli, tmp_path):  # noqa: F811
    package = tmp_path / "aw.bacpac"
    model_bytes = adventure_works(package)
    server = f"sqlite:///{tmp_path}"
    result = az_cli("sql", "db", "bacpac", "import", "-s", server, "-n", "aw", "--storage-uri", package)
    assert result.stderr.count("kept in the package but not created") == 1
    assert f"WARNING: {SUMMARY}" in result.stderr, result.stderr
    assert "not created: " not in result.stderr                  # the names come with --verbose only

    conn = sqlite3.connect(tmp_path / "aw.sqlite")
    tables = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
    assert sum(sql.count(" CHECK (") for sql in tables.values()) == 13
    # computed columns are generated columns: values of their own, no data in the package
    generated = {(table, name) for table in tables for name, hidden in
                 conn.execute("SELECT name, hidden FROM pragma_table_xinfo(?)", (table,)) if hidden == 2}
    assert generated == {("SalesLT.SalesOrderDetail", "LineTotal"), ("SalesLT.SalesOrderHeader", "SalesOrderNumber"),
                         ("SalesLT.SalesOrderHeader", "TotalDue")}
    assert conn.execute('SELECT LineTotal FROM "SalesLT.SalesOrderDetail"').fetchall() == [(150.0,)]
    assert conn.execute('SELECT SalesOrderNumber, TotalDue FROM "SalesLT.SalesOrderHeader"').fetchall() == [
        ("SO71774", 165.5)]
    # the views whose T-SQL translates, reading the tables
    assert conn.execute('SELECT * FROM "SalesLT.vGetAllCategories"').fetchall() == [("Bikes", "Mountain Bikes", 5)]
    assert conn.execute('SELECT ProductID, ProductModel, Culture, Description FROM '
                        '"SalesLT.vProductAndDescription"').fetchall() == [(680, "Mountain-100", "en    ",
                                                                           "Top of the line")]
    assert [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")] == [
        "SalesLT.vGetAllCategories", "SalesLT.vProductAndDescription"]
    # and the checks hold for what is written from now on
    with pytest.raises(sqlite3.IntegrityError, match="CK_SalesOrderDetail_OrderQty"):
        conn.execute('UPDATE "SalesLT.SalesOrderDetail" SET OrderQty = 0')
    with pytest.raises(sqlite3.IntegrityError, match="CK_Product_ListPrice"):
        conn.execute('UPDATE "SalesLT.Product" SET ListPrice = -1')
    conn.close()

    verbose = az_cli("sql", "db", "bacpac", "import", "-s", server, "-n", "aw2", "--storage-uri", package,
                     "--verbose")
    for line in ("not created: function [dbo].[ufnGetAllCategories] (SQLite has no functions)",
                 "not created: procedure [dbo].[uspLogError] (SQLite has no procedures)",
                 "not created: sequence [SalesLT].[SalesOrderNumber] (SQLite has no sequences)",
                 "not created: sequence default [SalesLT].[DF_SalesOrderHeader_OrderID] (SQLite has no sequences)",
                 "not created: view [SalesLT].[vProductModelCatalogDescription] (it uses "):
        assert line in verbose.stderr, line

    again = tmp_path / "again.bacpac"
    result = az_cli("sql", "db", "bacpac", "export", "-s", server, "-n", "aw", "--storage-uri", again)
    assert [line for line in result.stderr.splitlines() if line.startswith("WARNING") and "preview" not in line] == []
    assert _parts(again) == _parts(package) and _parts(again)[0] == model_bytes
