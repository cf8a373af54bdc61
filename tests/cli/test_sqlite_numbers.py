"""Decimals and money imported into SQLite as numbers users can query (issue 14, item 1), through the
real az parser, with the C loader and with the pure-Python path: SQLite numbers where they keep every
digit, exact text (counted per column in a warning) where they would not, and the package's exact
values again on re-export."""

import decimal
import sqlite3

import pytest

from azext_bacpac import native
from azext_bacpac.format.model import Column, KeyConstraint, Model, Table
from azext_bacpac.format.assembly import PackageWriter
from azext_bacpac.format.package import PackageReader
from azext_bacpac.format.sqltypes import SqlType

D = decimal.Decimal
ROWS = [
    (1, D("91.5700"), D("1.2500"), D("12.50"), D("1000.0000"), D("7")),
    (2, D("3578.2700"), D("-0.0100"), D("1000.00"), D("123456789012345678.1234"), D("12345678901234567890")),
    (3, D("922337203685477.5807"), None, D("-0.05"), D("0.0001"), None),
    (4, D("1431.5000"), D("214748.3647"), D("9999999999.99"), D("-98765432109876543210.9876"), D("-3")),
]


def _package(path):
    model = Model()
    model.add(Table("dbo", "Product", [
        Column("Id", SqlType("int"), nullable=False),
        Column("ListPrice", SqlType("money")),
        Column("Fee", SqlType("smallmoney")),
        Column("Weight", SqlType("decimal", precision=12, scale=2)),
        Column("Big", SqlType("decimal", precision=38, scale=4)),
        Column("Count", SqlType("numeric", precision=24, scale=0))]))
    model.add(KeyConstraint("PRIMARY KEY", "[dbo].[Product]", [("[dbo].[Product].[Id]", True)], "[dbo].[PK_Product]"))
    with open(path, "wb") as handle, PackageWriter(handle, model, "shop") as writer:
        writer.write_table("dbo", "Product", ROWS)


def _table_bytes(path):
    with PackageReader(str(path)) as reader:
        return reader.model_bytes, {t.full_name: b"".join(b"".join(c) for _, c in reader.raw_parts(t))
                                    for t in reader.tables}


@pytest.mark.parametrize("mode", ["native", "pure"])
def test_numbers_are_sqlite_numbers_and_come_back_exact(az, tmp_path, monkeypatch, mode):
    monkeypatch.setenv(native.ENVIRONMENT_SWITCH, "1" if mode == "native" else "0")
    package = tmp_path / "shop.bacpac"
    _package(package)
    server = f"sqlite:///{tmp_path}"
    result = az("sql", "db", "bacpac", "import", "-s", server, "-n", "shop", "--storage-uri", package)
    assert result.exit_code == 0, result
    # one warning names the columns that kept exact text, and how many values each
    assert "table [dbo].[Product]: values kept as exact text" in result.stderr
    assert "ListPrice (1), Big (2), Count (1)" in result.stderr
    conn = sqlite3.connect(tmp_path / "shop.sqlite")
    declared = {r[1]: r[2] for r in conn.execute("PRAGMA table_info(Product)")}
    assert declared == {"Id": "INT", "ListPrice": "BLOB MONEY", "Fee": "SMALLMONEY", "Weight": "DECIMAL(12,2)",
                        "Big": "BLOB DECIMAL(38,4)", "Count": "BLOB NUMERIC(24,0)"}
    rows = conn.execute("SELECT ListPrice, typeof(ListPrice), Fee, typeof(Fee), Weight, typeof(Weight), "
                        "Big, typeof(Big), Count, typeof(Count) FROM Product ORDER BY Id").fetchall()
    assert rows == [
        (91.57, "real", 1.25, "real", 12.5, "real", 1000.0, "real", 7, "integer"),
        (3578.27, "real", -0.01, "real", 1000, "integer", "123456789012345678.1234", "text",
         "12345678901234567890", "text"),
        ("922337203685477.5807", "text", None, "null", -0.05, "real", 0.0001, "real", None, "null"),
        (1431.5, "real", 214748.3647, "real", 9999999999.99, "real", "-98765432109876543210.9876", "text",
         -3, "integer"),
    ]
    # SQL on them is numeric: ordering, comparisons with numbers, aggregates
    assert conn.execute("SELECT Id FROM Product WHERE Weight > 100 ORDER BY Weight DESC").fetchall() == [(4,), (2,)]
    assert conn.execute("SELECT max(Fee), sum(Weight) FROM Product").fetchone() == (214748.3647, 10000001012.44)
    assert conn.execute("SELECT Id FROM Product WHERE ListPrice BETWEEN 1000 AND 5000 ORDER BY ListPrice"
                        ).fetchall() == [(4,), (2,)]
    conn.close()
    again = tmp_path / "again.bacpac"
    result = az("sql", "db", "bacpac", "export", "-s", server, "-n", "shop", "--storage-uri", again)
    assert result.exit_code == 0, result
    assert _table_bytes(again) == _table_bytes(package)
