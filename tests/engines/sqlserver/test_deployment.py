"""The order and the tolerance of an import into SQL Server: functions before the tables that call them,
users that cannot be created, the database owner and Always Encrypted, indexed views, sequences, module
SET options and xml parameters. Each runs through the real pipeline against the strict double, whose
server refuses what SQL Server refuses (fakerules.py)."""
import re

import pytest

from azext_bacpac import pipelines
from azext_bacpac.format.package import PackageReader

from . import recorded
from .conftest import make_engine
from .fakedb import FakeServer
from .recorded import CUSTOMERS, ORDERS, _col, shop

LEADING_ZEROS = ("CREATE FUNCTION [dbo].[ufnLeadingZeros] (@Value int)\r\nRETURNS varchar(8)\r\nAS\r\nBEGIN\r\n"
                 "    RETURN RIGHT('00000000' + CONVERT(varchar(8), @Value), 8)\r\nEND")
ORDER_COUNT = ("CREATE FUNCTION [dbo].[ufnOrderCount] ()\r\nRETURNS int\r\nWITH SCHEMABINDING\r\nAS\r\nBEGIN\r\n"
               "    RETURN (SELECT COUNT(*) FROM [sales].[Orders])\r\nEND")
BIG_VIEW = ("CREATE VIEW [sales].[BigOrders]\r\nWITH SCHEMABINDING\r\nAS\r\nSELECT o.OrderId, o.Total "
            "FROM [sales].[Orders] AS o WHERE o.Total > 10")
OLD_STYLE_PROC = "CREATE PROCEDURE [dbo].[Legacy]\r\nAS\r\nSELECT \"CustomerId\" FROM dbo.Customers"
FUNCTION_ID, COUNT_ID, BIG_VIEW_ID, LEGACY_ID = 1100000001, 1100000002, 1100000003, 1100000004


def export_to(database, tmp_path, monkeypatch, name="shop.bacpac"):
    fake = FakeServer()
    fake.add(database)
    engine = make_engine(fake)
    monkeypatch.setattr(pipelines.export, "open_engine", lambda server: engine)
    path = tmp_path / name
    summary = pipelines.export_database("shopserver", database.name, str(path))
    return path, summary


def import_into(fake, path, database, monkeypatch, **options):
    engine = make_engine(fake, **options)
    monkeypatch.setattr(pipelines.importing, "open_engine", lambda server: engine)
    return pipelines.import_package(str(path), "shopserver", database)


def with_modules(*rows):
    columns, existing = recorded.MODULES
    return columns, list(existing) + [row for row in rows]


def module(object_id, schema, name, kind, text, quoted_identifier=True):
    return (object_id, schema, name, kind, text, None, None, True, quoted_identifier)


@pytest.fixture
def functions_bacpac(tmp_path, monkeypatch):
    """Shop, with a scalar function called by a computed column, a default and a check (AdventureWorks'
    Sales.Customer.AccountNumber), and a schema-bound function called by another computed column."""
    columns, rows = recorded.COLUMNS
    rows = list(rows) + [
        _col(CUSTOMERS, 9, "AccountNumber", "varchar", 10,
             computed="(isnull('AW'+[dbo].[ufnLeadingZeros]([CustomerId]),''))"),
        _col(CUSTOMERS, 10, "OrdersNow", "int", 4, 10, 0, computed="([dbo].[ufnOrderCount]())")]
    defaults = (recorded.DEFAULTS[0], list(recorded.DEFAULTS[1]) + [
        (CUSTOMERS, "DF_Customers_Email", False, "Email", "([dbo].[ufnLeadingZeros]((0)))")])
    checks = (recorded.CHECKS[0], list(recorded.CHECKS[1]) + [
        (CUSTOMERS, "CK_Customers_Account", False, "([dbo].[ufnLeadingZeros]([CustomerId])<>'')", False)])
    database = shop(columns=(columns, rows), defaults=defaults, checks=checks,
                    modules=with_modules(module(FUNCTION_ID, "dbo", "ufnLeadingZeros", "FN", LEADING_ZEROS),
                                         module(COUNT_ID, "dbo", "ufnOrderCount", "FN", ORDER_COUNT)))
    path, _ = export_to(database, tmp_path, monkeypatch)
    return path


def test_functions_the_tables_call_are_created_before_the_tables(functions_bacpac, monkeypatch):
    fake = FakeServer()
    summary = import_into(fake, functions_bacpac, "ShopCopy", monkeypatch)
    statements = fake.sql("ShopCopy")

    def first(pattern):
        return next(i for i, s in enumerate(statements) if re.search(pattern, s))
    function = first(r"CREATE FUNCTION \[dbo\]\.\[ufnLeadingZeros\]")
    table = first(r"^CREATE TABLE \[dbo\]\.\[Customers\]")
    assert function < table < first(r"ADD CONSTRAINT \[DF_Customers_Email\] DEFAULT")
    assert "[AccountNumber] AS (isnull('AW'+[dbo].[ufnLeadingZeros]([CustomerId]),''))" in statements[table]
    # the schema-bound function needs [sales].[Orders]: it comes after the tables, and so does its column
    late = first(r"CREATE FUNCTION \[dbo\]\.\[ufnOrderCount\]")
    assert table < first(r"^CREATE TABLE \[sales\]\.\[Orders\]") < late < \
        first(r"^ALTER TABLE \[dbo\]\.\[Customers\] ADD \[OrdersNow\] AS")
    assert "[OrdersNow]" not in statements[table]
    assert any("[dbo].[Customers].[OrdersNow] calls [dbo].[ufnOrderCount]" in w and "last column" in w
               for w in summary["warnings"])


def test_a_schema_whose_owner_could_not_be_created_is_owned_by_dbo(tmp_path, monkeypatch):
    principals = (recorded.PRINCIPALS[0], list(recorded.PRINCIPALS[1]) + [
        (7, "etl", "S", "dbo", 1, bytes(16), "etl_login", None)])
    database = shop(principals=principals, schemas=(recorded.SCHEMAS[0], [("sales", "etl")]))
    path, _ = export_to(database, tmp_path, monkeypatch)
    fake = FakeServer()                     # this server has no login etl_login: CREATE USER fails (15007)
    summary = import_into(fake, path, "ShopCopy", monkeypatch)
    statements = fake.sql("ShopCopy")
    assert "CREATE USER [etl] FOR LOGIN [etl_login] WITH DEFAULT_SCHEMA = [dbo]" in statements
    assert "CREATE SCHEMA [sales] AUTHORIZATION [dbo]" in statements
    assert any("user [etl] was not created" in w and "15007" in w for w in summary["warnings"])
    assert any("schema [sales] is owned by [dbo]: its owner [etl] could not be created" in w
               for w in summary["warnings"])
    assert summary["rows"] == 4


def test_a_user_the_server_knows_gets_its_login_and_owns_its_schema(tmp_path, monkeypatch):
    principals = (recorded.PRINCIPALS[0], list(recorded.PRINCIPALS[1]) + [
        (7, "etl", "S", "dbo", 1, bytes(16), "etl_login", None)])
    database = shop(principals=principals, schemas=(recorded.SCHEMAS[0], [("sales", "etl")]))
    path, _ = export_to(database, tmp_path, monkeypatch)
    fake = FakeServer()
    fake.logins.add("etl_login")
    summary = import_into(fake, path, "ShopCopy", monkeypatch)
    assert "CREATE SCHEMA [sales] AUTHORIZATION [etl]" in fake.sql("ShopCopy")
    assert not any("[etl]" in w for w in summary["warnings"])


def test_on_azure_sql_database_users_get_their_login_from_master_by_sid(tmp_path, monkeypatch):
    sid = bytes.fromhex("010600000000006400000000000000008F2C1A3B4D5E6F708192A3B4C5D6E7F8")
    principals = (recorded.PRINCIPALS[0], list(recorded.PRINCIPALS[1]) + [
        (7, "reporting", "S", "dbo", 1, sid, None, None)])         # SUSER_SNAME is not asked on Azure SQL Database
    fake = FakeServer()
    fake.add(shop(principals=principals))
    fake.databases["master"].answers["logins"] = (["name", "sid"], [("admin_login", bytes(16)),
                                                                    ("reporting_login", sid)])
    engine = make_engine(fake)
    monkeypatch.setattr(pipelines.export, "open_engine", lambda server: engine)
    path = tmp_path / "shop.bacpac"
    pipelines.export_database("shopserver", "Shop", str(path))
    with PackageReader(str(path)) as reader:
        user = next(u for u in reader.model.users if u.name == "reporting")
    assert user.login == "[reporting_login]"
    assert any(d == "master" and "sys.sql_logins" in s for d, s, _ in fake.statements)


def test_the_database_owner_is_never_altered_and_another_importer_is_set_and_reset(tmp_path, monkeypatch):
    path, _ = export_to(shop(), tmp_path, monkeypatch)
    fake = FakeServer()
    target = fake.add(recorded.FakeDatabase("Empty"))
    target.user_name = "importer"
    import_into(fake, path, "Empty", monkeypatch)
    statements = fake.sql("Empty")
    on = statements.index("ALTER USER [importer] WITH ALLOW_ENCRYPTED_VALUE_MODIFICATIONS = ON")
    bulk = statements.index("<bulk copy into [dbo].[Customers]>")
    off = statements.index("ALTER USER [importer] WITH ALLOW_ENCRYPTED_VALUE_MODIFICATIONS = OFF")
    assert on < bulk < off


def test_an_indexed_view_a_used_sequence_and_module_set_options_come_through(tmp_path, monkeypatch):
    sequences = (recorded.SEQUENCES[0], [("sales", "OrderNumbers", "int", 10, 0, "1", "1", False, "1", "500000",
                                          True, 50, "1041", False)])
    used = (recorded.SEQUENCES_USED[0], [("sales", "OrderNumbers", 1)])
    indexes = (recorded.INDEXES[0], list(recorded.INDEXES[1]) + [
        (BIG_VIEW_ID, 1, "CIX_BigOrders", 1, True, False, False, False, None, False, None) + recorded._INDEX_OPTIONS])
    index_columns = (recorded.INDEX_COLUMNS[0], list(recorded.INDEX_COLUMNS[1]) + [
        (BIG_VIEW_ID, 1, 1, 1, "OrderId", False, False)])
    database = shop(sequences=sequences, sequences_used=used, indexes=indexes, index_columns=index_columns,
                    modules=with_modules(module(BIG_VIEW_ID, "sales", "BigOrders", "V ", BIG_VIEW),
                                         module(LEGACY_ID, "dbo", "Legacy", "P ", OLD_STYLE_PROC, False)))
    path, summary = export_to(database, tmp_path, monkeypatch)
    assert not [w for w in summary["warnings"] if "BigOrders" in w]
    fake = FakeServer()
    import_into(fake, path, "ShopCopy", monkeypatch)
    statements = fake.sql("ShopCopy")
    create = statements.index("CREATE SEQUENCE [sales].[OrderNumbers] AS int START WITH 1 INCREMENT BY 1 "
                              "MINVALUE 1 MAXVALUE 500000 CACHE 50")
    assert statements[create + 1] == "ALTER SEQUENCE [sales].[OrderNumbers] RESTART WITH 1042"
    view = next(i for i, s in enumerate(statements) if s.startswith("CREATE VIEW [sales].[BigOrders]"))
    assert statements.index("CREATE UNIQUE CLUSTERED INDEX [CIX_BigOrders] ON [sales].[BigOrders] ([OrderId] ASC)") \
        > view
    legacy = next(i for i, s in enumerate(statements) if s.startswith("CREATE PROCEDURE [dbo].[Legacy]"))
    assert statements[legacy - 1] == "SET QUOTED_IDENTIFIER OFF"
    assert statements[legacy + 1] == "SET QUOTED_IDENTIFIER ON"


def test_xml_values_go_through_a_cast_whatever_their_length(tmp_path, monkeypatch):
    columns, rows = recorded.COLUMNS
    rows = [r if r[2] != "Notes" else _col(ORDERS, 6, "Notes", "xml", -1) for r in rows]
    database = shop(columns=(columns, rows))
    names, data, types = database.tables["[sales].[Orders]"]
    notes = names.index("Notes")
    long_xml = "<r>" + "x" * 5000 + "</r>"
    database.tables["[sales].[Orders]"] = (names, [data[0][:notes] + (long_xml,) + data[0][notes + 1:], data[1]],
                                           types)
    path, _ = export_to(database, tmp_path, monkeypatch)
    fake = FakeServer()
    import_into(fake, path, "ShopCopy", monkeypatch)
    insert = next(s for s in fake.sql("ShopCopy") if s.startswith("INSERT INTO [sales].[Orders]"))
    names = re.search(r"\(([^)]*)\) VALUES", insert).group(1).split(", ")
    values = re.search(r"VALUES \((.*)\)$", insert).group(1).split(", ")
    assert values[names.index("[Notes]")] == "CAST(? AS xml)"
    # the long value arrives as ntext (pyodbc binds it as SQL_WLONGVARCHAR): the cast makes it xml
    assert "ntext" in [row[names.index("[Notes]")] for row in fake.bound_types]
