"""The SQL Server engine against a real server: runs only when BACPAC_TEST_SQLSERVER is set.

BACPAC_TEST_SQLSERVER is an ODBC connection string with a login that may create databases, e.g.
  export BACPAC_TEST_SQLSERVER="Server=localhost,1433;UID=sa;PWD=<password>;TrustServerCertificate=yes"
(a SQL Server 2022 container: docker run -e ACCEPT_EULA=Y -e MSSQL_SA_PASSWORD=<password> -p 1433:1433
mcr.microsoft.com/mssql/server:2022-latest). Every database the suite makes is named bacpac_live_* and
dropped at the end.
"""
import decimal
import os
import uuid

import pytest

from azext_bacpac import pipelines
from azext_bacpac.engines.sqlserver import SqlServerEngine
from azext_bacpac.format.package import PackageReader

from . import recorded

CONNECTION = os.environ.get("BACPAC_TEST_SQLSERVER")
pytestmark = pytest.mark.skipif(not CONNECTION, reason="BACPAC_TEST_SQLSERVER is not set (no live SQL Server)")

SCHEMA = [
    "CREATE SCHEMA sales",
    "CREATE TABLE dbo.Customers (CustomerId int IDENTITY(1,1) NOT NULL CONSTRAINT PK_Customers PRIMARY KEY, "
    "Name nvarchar(100) NOT NULL, Born date NULL, Balance money NULL CONSTRAINT CK_Balance CHECK (Balance >= 0), "
    "CreatedAt datetime2(7) NOT NULL CONSTRAINT DF_Created DEFAULT (sysutcdatetime()))",
    "CREATE TABLE sales.Orders (OrderId bigint IDENTITY(1000,1) PRIMARY KEY, CustomerId int NOT NULL "
    "CONSTRAINT FK_Orders_Customers REFERENCES dbo.Customers (CustomerId), Total decimal(18,2) NOT NULL DEFAULT 0, "
    "Placed datetimeoffset(7) NOT NULL, Notes nvarchar(max) NULL, Location geography NULL, Tag sql_variant NULL, "
    "Ref uniqueidentifier NOT NULL, WithTax AS (Total * 1.2), RowVer rowversion)",
    "CREATE INDEX IX_Orders_CustomerId ON sales.Orders (CustomerId) INCLUDE (Total)",
    "CREATE VIEW sales.OrderTotals AS SELECT CustomerId, SUM(Total) AS Total FROM sales.Orders GROUP BY CustomerId",
    "CREATE PROCEDURE dbo.GetCustomer @Id int AS SELECT CustomerId, Name FROM dbo.Customers WHERE CustomerId = @Id",
    "INSERT dbo.Customers (Name, Born, Balance) VALUES (N'Ada \u00e9\u6f22', '1815-12-10', 12.3456), "
    "(N'Grace', NULL, NULL)",
    "INSERT sales.Orders (CustomerId, Total, Placed, Notes, Location, Tag, Ref) VALUES "
    "(1, 12.50, '2025-03-04 10:00:00.0000013 +02:00', REPLICATE(CONVERT(nvarchar(max), N'x'), 10000), "
    "geography::Point(47.65, -122.35, 4326), CONVERT(sql_variant, 42), NEWID()), "
    "(2, 0, SYSDATETIMEOFFSET(), NULL, NULL, NULL, NEWID())",
]


@pytest.fixture(scope="module")
def live():
    import pyodbc
    names = []
    conn = pyodbc.connect(CONNECTION + ";DATABASE=master", autocommit=True)

    def make(suffix):
        name = f"bacpac_live_{uuid.uuid4().hex[:8]}_{suffix}"
        names.append(name)
        return name
    yield conn, make
    for name in names:
        try:
            conn.execute(f"IF DB_ID(N'{name}') IS NOT NULL BEGIN ALTER DATABASE [{name}] SET SINGLE_USER WITH "
                         f"ROLLBACK IMMEDIATE; DROP DATABASE [{name}] END")
        except pyodbc.Error:
            pass
    conn.close()


def engine(**options):
    return SqlServerEngine(None, odbc_connection_string=CONNECTION, **options)


def use(monkeypatch, **options):
    made = engine(**options)
    monkeypatch.setattr(pipelines.export, "open_engine", lambda server: made)
    monkeypatch.setattr(pipelines.importing, "open_engine", lambda server: made)
    return made


def rows(conn, database, sql):
    conn.execute(f"USE [{database}]")
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.execute("USE master")


def test_round_trip(live, tmp_path, monkeypatch):
    conn, make = live
    source, target = make("src"), make("dst")
    conn.execute(f"CREATE DATABASE [{source}]")
    conn.execute(f"ALTER DATABASE [{source}] SET ALLOW_SNAPSHOT_ISOLATION ON")
    conn.execute(f"USE [{source}]")
    for statement in SCHEMA:
        conn.execute(statement)
    conn.execute("USE master")
    use(monkeypatch)
    path = tmp_path / "live.bacpac"
    summary = pipelines.export_database("live", source, str(path))
    assert summary["rows"] == 4
    assert not any("not transactionally consistent" in w for w in summary["warnings"])
    with PackageReader(str(path)) as reader:
        assert {t.full_name for t in reader.tables} == {"[dbo].[Customers]", "[sales].[Orders]"}
    pipelines.import_package(str(path), "live", target)
    for sql in ("SELECT CustomerId, Name, Born, Balance, CreatedAt FROM dbo.Customers ORDER BY 1",
                "SELECT OrderId, CustomerId, Total, CONVERT(nvarchar(40), Placed, 127), LEN(Notes), "
                "Location.STAsText(), CONVERT(nvarchar(20), Tag), SQL_VARIANT_PROPERTY(Tag, 'BaseType'), Ref, WithTax "
                "FROM sales.Orders ORDER BY 1"):
        assert rows(conn, source, sql) == rows(conn, target, sql)
    assert rows(conn, target, "SELECT IDENT_CURRENT('sales.Orders')") == [(decimal.Decimal(1001),)]
    assert rows(conn, target, "SELECT COUNT(*) FROM sys.objects WHERE name IN ('OrderTotals', 'GetCustomer', "
                              "'FK_Orders_Customers', 'IX_Orders_CustomerId')")[0][0] >= 3


def test_always_encrypted_ciphertext_round_trip(live, tmp_path, monkeypatch):
    """A package with keys and ciphertext (from the test double) imported live, exported again: same bytes."""
    from .fakedb import FakeServer
    from .recorded import shop
    from .conftest import make_engine
    fake = FakeServer()
    fake.add(shop())
    recorded_engine = make_engine(fake)
    monkeypatch.setattr(pipelines.export, "open_engine", lambda server: recorded_engine)
    package = tmp_path / "shop.bacpac"
    pipelines.export_database("shopserver", "Shop", str(package))
    conn, make = live
    target = make("ae")
    use(monkeypatch)
    pipelines.import_package(str(package), "live", target)
    again = tmp_path / "again.bacpac"
    pipelines.export_database("live", target, str(again))
    with PackageReader(str(again)) as reader:
        cek, = reader.model.column_encryption_keys
        assert bytes.fromhex(cek.values[0].encrypted_value[2:]) == recorded.CEK_VALUE
        assert reader.model.column_master_keys[0].key_path == recorded.KEY_PATH
        ssn = [row[3] for row in reader.rows(reader.table("dbo", "Customers"))]
        assert sorted(ssn) == sorted(recorded.SSN_CIPHERTEXTS)


def test_preflight_and_errors(live):
    conn, make = live
    assert [r["permission"] for r in engine().preflight("master", "export")][:2] == \
        ["ALTER ANY COLUMN MASTER KEY", "ALTER ANY COLUMN ENCRYPTION KEY"]
    from azext_bacpac.engines.sqlserver.errors import DatabaseNotFoundError, LoginFailedError
    with pytest.raises(DatabaseNotFoundError):
        engine().session(f"bacpac_live_missing_{uuid.uuid4().hex[:6]}")
    with pytest.raises(LoginFailedError):
        SqlServerEngine(None, odbc_connection_string=CONNECTION, user="bacpac_no_such_login",
                        password="Wrong-Passw0rd").session("master")
