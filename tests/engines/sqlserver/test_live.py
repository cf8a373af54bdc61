"""The SQL Server engine against a real server: runs only when BACPAC_TEST_SQLSERVER is set.

BACPAC_TEST_SQLSERVER is an ODBC connection string with a login that may create databases (and logins),
without DRIVER= to use the driver the engine finds (mssql-python's Microsoft ODBC Driver 18), e.g.
  export BACPAC_TEST_SQLSERVER="Server=127.0.0.1,1433;UID=sa;PWD=<password>;TrustServerCertificate=yes"
for a SQL Server 2022 container (docker run -e ACCEPT_EULA=Y -e MSSQL_SA_PASSWORD=<password> -p 1433:1433
mcr.microsoft.com/mssql/server:2022-latest), or Babelfish for PostgreSQL built as a local peer. Every
database the suite makes is named bacpac_live_* and dropped at the end.

Each test sets up only what it tests. On Babelfish, what Babelfish documents as unsupported is skipped
with that reason; nothing in the product bends around it.
"""
import os
import re
import uuid

import pytest

from azext_bacpac import pipelines
from azext_bacpac.engines.sqlserver import SqlServerEngine
from azext_bacpac.format.package import PackageReader

from . import recorded

CONNECTION = os.environ.get("BACPAC_TEST_SQLSERVER")
pytestmark = pytest.mark.skipif(not CONNECTION, reason="BACPAC_TEST_SQLSERVER is not set (no live SQL Server)")


def _driver_string():
    if re.search(r"(^|;)\s*DRIVER\s*=", CONNECTION, re.IGNORECASE):
        return CONNECTION
    from azext_bacpac.engines.sqlserver.connect import find_driver
    return f"DRIVER={{{find_driver().name}}};Encrypt=yes;" + CONNECTION


class Live:
    def __init__(self, conn):
        self.conn = conn
        self.names = []
        self.logins = []
        self.babelfish = "babelfish" in str(conn.execute("SELECT @@VERSION").fetchone()[0]).lower()

    def database(self, suffix):
        name = f"bacpac_live_{uuid.uuid4().hex[:8]}_{suffix}"
        self.names.append(name)
        return name

    def create(self, suffix, *statements):
        name = self.database(suffix)
        self.conn.execute(f"CREATE DATABASE [{name}]")
        self.run(name, *statements)
        return name

    def run(self, database, *statements):
        self.conn.execute(f"USE [{database}]")
        try:
            for statement in statements:
                self.conn.execute(statement)
        finally:
            self.conn.execute("USE master")

    def rows(self, database, sql):
        self.conn.execute(f"USE [{database}]")
        try:
            return [tuple(r) for r in self.conn.execute(sql).fetchall()]
        finally:
            self.conn.execute("USE master")

    def unsupported_on_babelfish(self, what):
        if self.babelfish:
            pytest.skip(f"Babelfish documents {what} as unsupported")

    def differs_on_babelfish(self, request, how):
        """A test that meets a known Babelfish deviation from SQL Server runs, and is expected to fail there."""
        if self.babelfish:
            request.node.add_marker(pytest.mark.xfail(reason=f"Babelfish differs from SQL Server: {how}",
                                                      strict=False))


@pytest.fixture(scope="module")
def live():
    import pyodbc
    conn = pyodbc.connect(_driver_string() + ";DATABASE=master", autocommit=True)
    state = Live(conn)
    yield state
    for name in state.names:
        try:
            conn.execute(f"ALTER DATABASE [{name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE")
        except pyodbc.Error:
            pass                                    # Babelfish has no ALTER DATABASE ... SET
        try:
            conn.execute(f"IF DB_ID(N'{name}') IS NOT NULL DROP DATABASE [{name}]")
        except pyodbc.Error:
            pass
    for login in state.logins:
        try:
            conn.execute(f"DROP LOGIN [{login}]")
        except pyodbc.Error:
            pass
    conn.close()


def engine(**options):
    return SqlServerEngine(None, odbc_connection_string=CONNECTION, **options)


@pytest.fixture
def engines(monkeypatch):
    made = engine()
    monkeypatch.setattr(pipelines.export, "open_engine", lambda server: made)
    monkeypatch.setattr(pipelines.importing, "open_engine", lambda server: made)
    return made


def round_trip(live, source, tmp_path, suffix="copy"):
    path = tmp_path / f"{source}.bacpac"
    exported = pipelines.export_database("live", source, str(path))
    target = live.database(suffix)
    imported = pipelines.import_package(str(path), "live", target)
    return target, exported, imported, path


# ---- dates, times and money at every type and scale ---------------------------------------------

SCALES = range(8)
DATE_COLUMNS = (["Id int NOT NULL PRIMARY KEY", "Legacy datetime NULL", "Small smalldatetime NULL"]
                + [f"D2_{s} datetime2({s}) NULL" for s in SCALES]
                + [f"DTO_{s} datetimeoffset({s}) NULL" for s in SCALES]
                + [f"T_{s} time({s}) NULL" for s in SCALES]
                + ["Cash money NULL", "Change smallmoney NULL"])
DATE_VALUES = ["'2024-02-29 23:59:58.997'", "'2079-06-06 23:59'"] \
    + ["'2024-02-29 23:59:58.9876543'"] * 8 + ["'2024-02-29 23:59:58.9876543 +05:30'"] * 8 \
    + ["'13:14:15.9876543'"] * 8 + ["922337203685477.5807", "-214748.3648"]
EARLY_VALUES = ["'1753-01-01 00:00:00.003'", "'1900-01-01 00:00'"] \
    + ["'0001-01-01 00:00:00'"] * 8 + ["'0001-01-01 00:00:00 -14:00'"] * 8 + ["'00:00:00'"] * 8 \
    + ["-922337203685477.5808", "214748.3647"]


def _shown(column):
    name = column.split()[0]
    kind = column.split()[1]
    if kind in ("datetime", "smalldatetime"):
        return f"CONVERT(nvarchar(40), {name}, 121)"
    return f"CAST({name} AS nvarchar(60))"


def test_dates_times_and_money_at_every_scale(live, engines, tmp_path):
    source = live.create("dates", f"CREATE TABLE dbo.Times ({', '.join(DATE_COLUMNS)})",
                         f"INSERT INTO dbo.Times VALUES (1, {', '.join(DATE_VALUES)})",
                         f"INSERT INTO dbo.Times VALUES (2, {', '.join(EARLY_VALUES)})",
                         "INSERT INTO dbo.Times (Id) VALUES (3)")
    target, exported, imported, _ = round_trip(live, source, tmp_path)
    assert exported["rows"] == imported["rows"] == 3
    query = f"SELECT {', '.join(_shown(c) for c in DATE_COLUMNS)} FROM dbo.Times ORDER BY Id"
    assert live.rows(target, query) == live.rows(source, query)


# ---- xml --------------------------------------------------------------------------------------------

def test_xml_over_4000_characters(live, engines, tmp_path):
    source = live.create("xml", "CREATE TABLE dbo.Docs (Id int NOT NULL PRIMARY KEY, Body xml NULL)",
                         "INSERT INTO dbo.Docs VALUES (1, CONVERT(xml, N'<r>' + REPLICATE(CONVERT(nvarchar(max), "
                         "N'x\u00e9'), 6000) + N'</r>')), (2, N'<a/>'), (3, NULL)")
    target, _, imported, _ = round_trip(live, source, tmp_path)
    query = "SELECT Id, CONVERT(nvarchar(max), Body) FROM dbo.Docs ORDER BY Id"
    assert live.rows(target, query) == live.rows(source, query)
    assert len(live.rows(target, query)[0][1]) > 12000


def test_a_typed_xml_column(live, engines, tmp_path):
    live.unsupported_on_babelfish("XML schema collections")
    schema = ("<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><xsd:element name=\"n\" "
              "type=\"xsd:int\"/></xsd:schema>")
    source = live.create("typedxml", f"CREATE XML SCHEMA COLLECTION dbo.Numbers AS N'{schema}'",
                         "CREATE TABLE dbo.Typed (Id int NOT NULL PRIMARY KEY, Doc xml(dbo.Numbers) NULL)",
                         "INSERT INTO dbo.Typed VALUES (1, N'<n>42</n>')")
    target, exported, _, _ = round_trip(live, source, tmp_path)
    assert any("XML schema collection" in w for w in exported["warnings"])
    assert live.rows(target, "SELECT CONVERT(nvarchar(max), Doc) FROM dbo.Typed") == [("<n>42</n>",)]


# ---- functions, computed columns, indexed views ------------------------------------------------------

FUNCTION = ("CREATE FUNCTION dbo.ufnLeadingZeros (@Value int) RETURNS varchar(8) AS BEGIN "
            "RETURN RIGHT('00000000' + CONVERT(varchar(8), @Value), 8) END")


def test_a_scalar_function_used_by_a_default(live, engines, tmp_path, request):
    live.differs_on_babelfish(request, "sys.default_constraints.definition drops the function's schema "
                                       "('ufnleadingzeros(0)'), which is not valid T-SQL for a scalar function call")
    source = live.create("fndefault", FUNCTION,
                         "CREATE TABLE dbo.Accounts (Id int NOT NULL PRIMARY KEY, Code varchar(8) NOT NULL "
                         "CONSTRAINT DF_Accounts_Code DEFAULT (dbo.ufnLeadingZeros(0)))",
                         "INSERT INTO dbo.Accounts (Id) VALUES (1)", "INSERT INTO dbo.Accounts VALUES (2, 'x')")
    target, _, imported, _ = round_trip(live, source, tmp_path)
    live.run(target, "INSERT INTO dbo.Accounts (Id) VALUES (3)")
    assert live.rows(target, "SELECT Id, Code FROM dbo.Accounts ORDER BY Id") == \
        [(1, "00000000"), (2, "x"), (3, "00000000")]


def test_a_scalar_function_used_by_a_computed_column(live, engines, tmp_path):
    live.unsupported_on_babelfish("user-defined functions in computed columns")
    source = live.create("fncomputed", FUNCTION,
                         "CREATE TABLE dbo.Customer (Id int NOT NULL PRIMARY KEY, "
                         "AccountNumber AS ISNULL('AW' + dbo.ufnLeadingZeros(Id), ''))",
                         "INSERT INTO dbo.Customer (Id) VALUES (7)")
    target, _, _, _ = round_trip(live, source, tmp_path)
    assert live.rows(target, "SELECT AccountNumber FROM dbo.Customer") == [("AW00000007",)]


def test_a_schemabound_view_with_an_index(live, engines, tmp_path):
    live.unsupported_on_babelfish("indexed views")
    source = live.create("indexedview",
                         "CREATE TABLE dbo.Sales (Id int NOT NULL PRIMARY KEY, Amount int NOT NULL)",
                         "INSERT INTO dbo.Sales VALUES (1, 5), (2, 50)",
                         "CREATE VIEW dbo.BigSales WITH SCHEMABINDING AS SELECT Id, Amount FROM dbo.Sales "
                         "WHERE Amount > 10",
                         "CREATE UNIQUE CLUSTERED INDEX CIX_BigSales ON dbo.BigSales (Id)")
    target, _, _, _ = round_trip(live, source, tmp_path)
    assert live.rows(target, "SELECT i.name FROM sys.indexes AS i WHERE i.object_id = OBJECT_ID('dbo.BigSales') "
                             "AND i.index_id = 1") == [("CIX_BigSales",)]


# ---- sequences, extended properties, users and logins, statistics --------------------------------

def test_a_sequence_in_use_goes_on_where_it_was(live, engines, tmp_path, request):
    live.differs_on_babelfish(request, "sys.sequences lists no sequence")
    source = live.create("sequence", "CREATE SEQUENCE dbo.Numbers AS int START WITH 10 INCREMENT BY 5",
                         "CREATE TABLE dbo.Uses (Id int NOT NULL PRIMARY KEY)")
    for _ in range(3):
        live.rows(source, "SELECT NEXT VALUE FOR dbo.Numbers")          # 10, 15, 20
    target, _, _, _ = round_trip(live, source, tmp_path)
    assert live.rows(target, "SELECT NEXT VALUE FOR dbo.Numbers") == [(25,)]


def test_extended_properties_are_named_when_not_carried(live, engines, tmp_path):
    source = live.create("extprops", "CREATE TABLE dbo.Described (Id int NOT NULL PRIMARY KEY)")
    try:
        live.run(source, "EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'What it holds', "
                         "@level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', "
                         "@level1name = N'Described'")
    except Exception as error:   # noqa: BLE001 - pyodbc.Error
        if live.babelfish:
            pytest.skip(f"Babelfish refused sp_addextendedproperty: {error}")
        raise
    _, exported, _, _ = round_trip(live, source, tmp_path)
    assert any("extended propert" in w and "MS_Description" in w for w in exported["warnings"])


def test_a_user_mapped_to_a_login(live, engines, tmp_path, request):
    live.differs_on_babelfish(request, "sys.database_principals marks every user is_fixed_role = 1")
    login = f"bacpac_live_{uuid.uuid4().hex[:8]}"
    live.conn.execute(f"CREATE LOGIN [{login}] WITH PASSWORD = N'Live-{uuid.uuid4().hex}-Aa1!'")
    live.logins.append(login)
    source = live.create("login", f"CREATE USER [reporting] FOR LOGIN [{login}]",
                         "CREATE TABLE dbo.T (Id int NOT NULL PRIMARY KEY)")
    target, _, _, path = round_trip(live, source, tmp_path)
    with PackageReader(str(path)) as reader:
        user = next(u for u in reader.model.users if u.name.lower() == "reporting")
    assert user.login.lower() == f"[{login}]"
    mapped = live.rows(target, "SELECT SUSER_SNAME(sid) FROM sys.database_principals WHERE name = 'reporting'")
    assert [(m[0] or "").lower() for m in mapped] == [login]


def test_a_table_without_statistics_is_read(live, engines, tmp_path):
    source = live.create("nostats", "CREATE TABLE dbo.Fresh (Id int NOT NULL, Note nvarchar(20) NULL)",
                         "INSERT INTO dbo.Fresh VALUES " + ", ".join(f"({i}, N'n{i}')" for i in range(500)))
    target, exported, imported, _ = round_trip(live, source, tmp_path)
    assert exported["rows"] == imported["rows"] == 500
    assert live.rows(target, "SELECT COUNT(*), SUM(Id) FROM dbo.Fresh") == [(500, sum(range(500)))]


# ---- real packages written by Microsoft's tools ---------------------------------------------------

def _same_rows(original, again):
    with PackageReader(str(original)) as first, PackageReader(str(again)) as second:
        for table in second.tables:
            source = next(t for t in first.tables if t.full_name.lower() == table.full_name.lower())
            assert list(second.rows(table)) == list(first.rows(source)), table.full_name
        return len(second.tables)


def test_the_type_matrix_comes_back_cell_for_cell(live, engines, tmp_path):
    from tests.vectors import vector_path
    package = vector_path("bacpactod-types/Test.bacpac")
    excluded = None
    if live.babelfish:
        # geography, geometry and hierarchyid: documented as unsupported; date and time columns of scale 7:
        # Babelfish keeps 6 fractional digits and describes a scale-7 parameter one character short; image
        # parameters (large binaries): refused as "deprecated LOB ... output parameters"
        excluded = ["StrangeFields*", "DateTimeFields*", "LargeFields*"]
    target = live.database("types")
    imported = pipelines.import_package(str(package), "live", target, exclude_tables=excluded)
    again = tmp_path / "again.bacpac"
    exported = pipelines.export_database("live", target, str(again))
    assert imported["rows"] == exported["rows"]
    assert _same_rows(package, again) == imported["tables"]


def test_a_real_application_database_round_trips(live, engines, tmp_path, request):
    live.differs_on_babelfish(request, "datetime2(7) keeps 6 fractional digits (PostgreSQL timestamps), so "
                                       "'14:36:46.6516873' comes back as '14:36:46.651687'")
    from tests.vectors import vector_path
    package = vector_path("amado/AmadoDB.bacpac")
    target = live.database("amado")
    imported = pipelines.import_package(str(package), "live", target)
    again = tmp_path / "again.bacpac"
    exported = pipelines.export_database("live", target, str(again))
    assert imported["rows"] == exported["rows"] == 111
    assert _same_rows(package, again) == 19


# ---- Always Encrypted and errors -------------------------------------------------------------------

def test_always_encrypted_ciphertext_round_trip(live, engines, tmp_path, monkeypatch):
    """A package with keys and ciphertext (from the test double) imported live, exported again: same bytes."""
    live.unsupported_on_babelfish("Always Encrypted (column master keys)")
    from .conftest import make_engine
    from .fakedb import FakeServer
    fake = FakeServer()
    fake.add(recorded.shop())
    recorded_engine = make_engine(fake)
    monkeypatch.setattr(pipelines.export, "open_engine", lambda server: recorded_engine)
    package = tmp_path / "shop.bacpac"
    pipelines.export_database("shopserver", "Shop", str(package))
    target = live.database("ae")
    pipelines.import_package(str(package), "live", target)
    monkeypatch.setattr(pipelines.export, "open_engine", lambda server: engines)
    again = tmp_path / "again.bacpac"
    pipelines.export_database("live", target, str(again))
    with PackageReader(str(again)) as reader:
        cek, = reader.model.column_encryption_keys
        assert bytes.fromhex(cek.values[0].encrypted_value[2:]) == recorded.CEK_VALUE
        ssn = [row[3] for row in reader.rows(reader.table("dbo", "Customers"))]
        assert sorted(ssn) == sorted(recorded.SSN_CIPHERTEXTS)


def test_preflight_and_errors(live):
    checks = engine().preflight("master", "export")
    assert [c["permission"] for c in checks][:2] == ["ALTER ANY COLUMN MASTER KEY", "ALTER ANY COLUMN ENCRYPTION KEY"]
    from azext_bacpac.engines.sqlserver.errors import DatabaseNotFoundError, LoginFailedError
    with pytest.raises(DatabaseNotFoundError):
        engine().session(f"bacpac_live_missing_{uuid.uuid4().hex[:6]}")
    with pytest.raises(LoginFailedError):
        SqlServerEngine(None, odbc_connection_string=CONNECTION, user="bacpac_no_such_login",
                        password="Wrong-Passw0rd").session("master")
