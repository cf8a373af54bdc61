"""Import into SQL Server / Azure SQL through the real pipeline, against the test double."""
import io
import re
import zipfile

import pytest

from azext_bacpac import pipelines
from azext_bacpac.engines.sqlserver import MissingPermissionsError
from azext_bacpac.errors import CancelledError, ConflictError, InvalidInputError
from azext_bacpac.format.model import Model
from azext_bacpac.format.package import PackageReader
from tests.vectors import vector_path

from . import recorded
from .conftest import make_engine
from .fakedb import FakeDatabase, FakeServer, server_error
from .recorded import shop
from .tsqlcheck import assert_all_parse


def run_import(fake, source, database, monkeypatch, **options):
    engine = make_engine(fake, **options)
    monkeypatch.setattr(pipelines.importing, "open_engine", lambda server: engine)
    cancel = options.pop("cancel", None) if "cancel" in options else None
    return pipelines.import_package(str(source), "shopserver", database, cancel=cancel)


@pytest.fixture
def shop_bacpac(tmp_path, monkeypatch):
    """The recorded Shop database exported to a BACPAC (Always Encrypted keys and ciphertext inside)."""
    fake = FakeServer()
    fake.add(shop())
    engine = make_engine(fake)
    monkeypatch.setattr(pipelines.export, "open_engine", lambda server: engine)
    path = tmp_path / "shop.bacpac"
    pipelines.export_database("shopserver", "Shop", str(path))
    return path


def verbatim_modules(path):
    with PackageReader(str(path)) as reader:
        return {m.definition for m in reader.model.modules}


def positions(statements, pattern):
    return [i for i, s in enumerate(statements) if re.search(pattern, s)]


def test_amado_into_a_new_database_in_dependency_order(monkeypatch):
    fake = FakeServer()
    amado = vector_path("amado/AmadoDB.bacpac")
    summary = run_import(fake, amado, "Amado", monkeypatch)
    assert summary["rows"] == 111
    statements = fake.sql()
    assert statements.index("CREATE DATABASE [Amado] COLLATE SQL_Latin1_General_CP1_CI_AS") < \
        positions(statements, r"^CREATE TABLE")[0]
    tables = positions(statements, r"^CREATE TABLE")
    inserts = positions(statements, r"^INSERT INTO")
    keys = positions(statements, r"^ALTER TABLE \S+ ADD (CONSTRAINT \S+ )?PRIMARY KEY")
    indexes = positions(statements, r"^CREATE (UNIQUE )?(NON)?CLUSTERED INDEX")
    fks = positions(statements, r"FOREIGN KEY")
    assert len(tables) == 19 and len(keys) == 19 and len(indexes) == 14 and len(fks) == 13
    assert max(tables) < min(inserts) and max(inserts) < min(keys + indexes) and max(keys + indexes) < min(fks)
    inserted = fake.databases["Amado"].inserted
    with PackageReader(str(amado)) as reader:
        for data in reader.tables:
            assert len(inserted.get(data.full_name, [])) == reader.count_rows(data), data.full_name
    assert_all_parse(statements)


def test_identity_insert_brackets_each_identity_table(monkeypatch):
    fake = FakeServer()
    run_import(fake, vector_path("amado/AmadoDB.bacpac"), "Amado", monkeypatch)
    statements = fake.sql("Amado")
    on = positions(statements, r"^SET IDENTITY_INSERT \[dbo\]\.\[Products\] ON$")
    off = positions(statements, r"^SET IDENTITY_INSERT \[dbo\]\.\[Products\] OFF$")
    loads = positions(statements, r"^INSERT INTO \[dbo\]\.\[Products\]")
    assert len(on) == len(off) == 1 and on[0] < min(loads) and max(loads) < off[0]
    ons = positions(statements, r"^SET IDENTITY_INSERT .* ON$")
    offs = positions(statements, r"^SET IDENTITY_INSERT .* OFF$")
    assert all(a < b for a, b in zip(ons, offs)) and all(b < a for a, b in zip(ons[1:], offs))


def test_always_encrypted_keys_come_before_the_tables_and_ciphertext_goes_by_bulk_copy(shop_bacpac, monkeypatch):
    fake = FakeServer()
    summary = run_import(fake, shop_bacpac, "ShopCopy", monkeypatch)
    assert summary["rows"] == 4
    statements = fake.sql("ShopCopy")
    cmk = positions(statements, r"^CREATE COLUMN MASTER KEY \[CMK_Auto1\] WITH \(KEY_STORE_PROVIDER_NAME = "
                                r"N'AZURE_KEY_VAULT', KEY_PATH = N'" + re.escape(recorded.KEY_PATH) + r"'\)$")
    cek = positions(statements, r"^CREATE COLUMN ENCRYPTION KEY \[CEK_Auto1\] WITH VALUES \(COLUMN_MASTER_KEY = "
                                r"\[CMK_Auto1\], ALGORITHM = 'RSA_OAEP', ENCRYPTED_VALUE = 0x"
                                + recorded.CEK_VALUE.hex().upper() + r"\)$")
    customers = positions(statements, r"^CREATE TABLE \[dbo\]\.\[Customers\]")
    assert cmk and cek and customers and cmk[0] < cek[0] < customers[0]
    create = statements[customers[0]]
    assert "[SSN] char(11) COLLATE Latin1_General_BIN2 NOT NULL ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = [CEK_Auto1], " \
           "ENCRYPTION_TYPE = DETERMINISTIC, ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256')" in create
    assert "[CustomerId] int IDENTITY(1, 1) NOT NULL" in create and "[Phone] [dbo].[Phone] NULL" in create
    bulk = statements.index("<bulk copy into [dbo].[Customers]>")
    assert customers[0] < bulk
    # the database owner is not altered (SQL Server refuses ALTER USER dbo): BCPMODIFYENCRYPTED carries the load
    assert not [s for s in statements if s.startswith("ALTER USER")]
    loaded = fake.bulk_loads["[dbo].[Customers]"]
    assert [row[3] for row in loaded] == recorded.SSN_CIPHERTEXTS         # ciphertext, byte for byte
    assert len(loaded[0]) == 7                                             # the rowversion is not sent
    assert loaded[0][4] == "2025-01-02 03:04:05.1234567".encode("utf-16-le")
    orders = fake.databases["ShopCopy"].inserted["[sales].[Orders]"]
    assert orders[0][3] == "2025-03-04 10:00:00.0000013 +02:00"           # datetimeoffset with all 7 digits
    assert orders[0][5] == recorded.GEOGRAPHY_POINT and orders[0][7] == "6f9619ff-8b86-d011-b42d-00c04fc964ff"
    insert = next(s for s in statements if s.startswith("INSERT INTO [sales].[Orders]"))
    assert "CAST(? AS geography)" in insert and "[TotalWithTax]" not in insert
    assert_all_parse(fake.sql(), verbatim=verbatim_modules(shop_bacpac))


def test_the_whole_sequence_of_a_round_trip(shop_bacpac, monkeypatch):
    fake = FakeServer()
    run_import(fake, shop_bacpac, "ShopCopy", monkeypatch)
    statements = [s for s in fake.sql("ShopCopy") if not s.startswith("/*")]
    phases = [("CREATE ROLE", r"^CREATE ROLE \[app_readers\]$"),
              ("CREATE USER", r"^CREATE USER \[app_user\] WITHOUT LOGIN WITH DEFAULT_SCHEMA = \[dbo\]$"),
              ("membership", r"^ALTER ROLE \[app_readers\] ADD MEMBER \[app_user\]$"),
              ("schema", r"^CREATE SCHEMA \[sales\] AUTHORIZATION \[dbo\]$"),
              ("cmk", r"^CREATE COLUMN MASTER KEY"), ("cek", r"^CREATE COLUMN ENCRYPTION KEY"),
              ("type", r"^CREATE TYPE \[dbo\]\.\[Phone\] FROM nvarchar\(20\) NULL$"),
              ("sequence", r"^CREATE SEQUENCE \[sales\]\.\[OrderNumbers\] AS int START WITH 1 INCREMENT BY 1 "
                                r"MINVALUE -2147483648 MAXVALUE 2147483647$"),
              ("tables", r"^CREATE TABLE"), ("defaults", r"^ALTER TABLE \S+ ADD (CONSTRAINT \S+ )?DEFAULT"),
              ("data", r"^(INSERT INTO|<bulk copy)"), ("keys", r"PRIMARY KEY|INDEX"), ("fks", r"FOREIGN KEY"),
              ("checks", r"ADD CONSTRAINT \[CK_Customers_Balance\] CHECK \(\[Balance\]>=\(0\)\)"),
              ("view", r"^CREATE VIEW"), ("procedure", r"PROCEDURE \[dbo\]\.\[GetCustomer\]"),
              ("trigger", r"^CREATE TRIGGER")]
    spans = []
    for label, pattern in phases:
        found = positions(statements, pattern)
        assert found, f"no {label} statement"
        spans.append((label, min(found), max(found)))
    for (first, _, end), (second, start, _) in zip(spans, spans[1:]):
        assert end < start, f"{first} must come before {second}"
    assert "ALTER TABLE [sales].[Orders] ADD PRIMARY KEY CLUSTERED ([OrderId] ASC)" in statements
    assert "ALTER TABLE [sales].[Orders] WITH CHECK ADD CONSTRAINT [FK_Orders_Customers] FOREIGN KEY ([CustomerId]) " \
           "REFERENCES [dbo].[Customers] ([CustomerId]) ON DELETE CASCADE" in statements
    assert "CREATE UNIQUE NONCLUSTERED INDEX [IX_Customers_Email] ON [dbo].[Customers] ([Email] ASC) " \
           "WHERE ([Email] IS NOT NULL)" in statements
    assert "CREATE NONCLUSTERED INDEX [IX_Orders_CustomerId] ON [sales].[Orders] ([CustomerId] ASC) " \
           "INCLUDE ([Total])" in statements
    assert "ALTER TABLE [sales].[Orders] ADD DEFAULT ((0)) FOR [Total]" in statements


@pytest.mark.parametrize("preexisting, held", [({"tables": 3}, "holds 3 tables;"),
                                                ({"tables": 1, "schemas": 1}, "holds 1 table, 1 user schema;")])
def test_an_existing_database_with_tables_is_refused_before_anything(monkeypatch, shop_bacpac, preexisting, held):
    fake = FakeServer()
    target = fake.add(FakeDatabase("Busy"))
    target.preexisting = preexisting
    with pytest.raises(ConflictError, match=f"already exists .* {held}"):
        run_import(fake, shop_bacpac, "Busy", monkeypatch)
    looks = ("/* bacpac:target_objects", "/* bacpac:always_encrypted_supported", "/* bacpac:master_key_count")
    assert all(s.startswith(looks) for s in fake.sql("Busy"))


def test_an_existing_empty_database_is_used(monkeypatch):
    fake = FakeServer()
    fake.add(FakeDatabase("Empty"))
    run_import(fake, vector_path("amado/AmadoDB.bacpac"), "Empty", monkeypatch)
    assert not any(s.startswith("CREATE DATABASE") for s in fake.sql())
    assert len([k for k, _ in fake.databases["Empty"].objects if k == "TABLE"]) == 19


def test_a_failed_import_into_an_empty_database_drops_what_it_created(monkeypatch, shop_bacpac):
    fake = FakeServer()
    fake.add(FakeDatabase("Empty"))
    fake.fail(r"^CREATE TRIGGER", server_error(2714, "There is already an object named 'trOrders' in the database."),
              times=10)
    with pytest.raises(Exception, match="already an object named"):
        run_import(fake, shop_bacpac, "Empty", monkeypatch)
    target = fake.databases["Empty"]
    assert target.objects == [] and target.foreign_keys == []
    assert not target.allow_encrypted_value_modifications
    statements = fake.sql("Empty")
    drops = [s for s in statements if s.startswith(("DROP ", "ALTER ROLE [app_readers] DROP", "ALTER TABLE"))
             and ("DROP" in s)]
    order = [s.split(" [")[0] for s in drops]
    assert order.index("ALTER TABLE") < order.index("DROP VIEW") < order.index("DROP TABLE") < \
        order.index("DROP SEQUENCE") < order.index("DROP TYPE") < order.index("DROP COLUMN ENCRYPTION KEY") < \
        order.index("DROP COLUMN MASTER KEY") < order.index("DROP SCHEMA") < order.index("DROP USER") < \
        order.index("DROP ROLE")
    assert_all_parse(statements, verbatim=verbatim_modules(shop_bacpac))


def test_a_failed_import_into_a_new_database_drops_the_database(monkeypatch):
    fake = FakeServer()
    fake.fail(r"^INSERT INTO \[dbo\]\.\[Products\]", server_error(2627, "Violation of PRIMARY KEY constraint."))
    with pytest.raises(Exception, match="Violation of PRIMARY KEY"):
        run_import(fake, vector_path("amado/AmadoDB.bacpac"), "Amado", monkeypatch)
    assert "Amado" not in fake.databases
    assert "DROP DATABASE [Amado]" in fake.sql("master")


def test_a_cancelled_import_leaves_nothing(monkeypatch):
    fake = FakeServer()
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3
    engine = make_engine(fake)
    monkeypatch.setattr(pipelines.importing, "open_engine", lambda server: engine)
    with pytest.raises(CancelledError):
        pipelines.import_package(str(vector_path("amado/AmadoDB.bacpac")), "shopserver", "Amado", cancel=cancel)
    assert "Amado" not in fake.databases


def test_azure_database_options_go_into_create_database(monkeypatch):
    fake = FakeServer()
    run_import(fake, vector_path("amado/AmadoDB.bacpac"), "Amado", monkeypatch, edition="standard",
               service_objective="S3", max_size_bytes=250 << 30)
    assert "CREATE DATABASE [Amado] COLLATE SQL_Latin1_General_CP1_CI_AS (EDITION = 'Standard', " \
           "SERVICE_OBJECTIVE = 'S3', MAXSIZE = 250 GB)" in fake.sql("master")
    assert_all_parse(fake.sql("master"))


@pytest.mark.parametrize("options, message", [
    ({"edition": "Stretch"}, "cannot be created"),
    ({"edition": "Premium", "service_objective": "S3"}, "not valid for edition Premium"),
    ({"service_objective": "X9"}, "not valid"),
    ({"max_size_bytes": 300 << 20}, "100MB, 250MB, 500MB"),
    ({"edition": "Basic", "max_size_bytes": 5 << 30}, "Basic database is at most 2GB"),
    ({"edition": "Hyperscale", "max_size_bytes": 5 << 30}, "Hyperscale"),
])
def test_invalid_database_options_are_refused_up_front(options, message):
    with pytest.raises(InvalidInputError, match=message):
        make_engine(FakeServer(), **options)


def test_database_options_on_sql_server_are_refused_before_anything_is_created(monkeypatch):
    fake = FakeServer(engine_edition=3)
    with pytest.raises(InvalidInputError, match="only to Azure SQL Database"):
        run_import(fake, vector_path("amado/AmadoDB.bacpac"), "Amado", monkeypatch, edition="Standard")
    assert not any(s.startswith("CREATE") for s in fake.sql())


def test_import_preflight_stops_before_anything_is_created(monkeypatch, shop_bacpac):
    fake = FakeServer()
    target = fake.add(FakeDatabase("Empty"))
    target.permissions["VIEW ANY COLUMN ENCRYPTION KEY DEFINITION"] = 0
    with pytest.raises(MissingPermissionsError, match=r"lacks VIEW ANY COLUMN ENCRYPTION KEY DEFINITION.*"
                                                      r"GRANT VIEW ANY COLUMN ENCRYPTION KEY DEFINITION TO \[dbo\];"):
        run_import(fake, shop_bacpac, "Empty", monkeypatch)
    assert not any(s.startswith(("CREATE", "ALTER", "INSERT")) for s in fake.sql())


def test_a_new_database_needs_create_database_permission(monkeypatch):
    fake = FakeServer()
    fake.create_permission = (0, 0)
    with pytest.raises(MissingPermissionsError, match=r"CREATE DATABASE.*ALTER ROLE dbmanager ADD MEMBER \[dbo\]"):
        run_import(fake, vector_path("amado/AmadoDB.bacpac"), "Amado", monkeypatch)
    assert not any(s.startswith("CREATE") for s in fake.sql())


def test_foreign_keys_the_data_violates_are_created_with_nocheck(monkeypatch, shop_bacpac):
    fake = FakeServer()
    fake.fail(r"WITH CHECK ADD CONSTRAINT \[FK_Orders_Customers\]",
              server_error(547, "The ALTER TABLE statement conflicted with the FOREIGN KEY constraint."))
    summary = run_import(fake, shop_bacpac, "ShopCopy", monkeypatch)
    assert any(s.startswith("ALTER TABLE [sales].[Orders] WITH NOCHECK ADD CONSTRAINT [FK_Orders_Customers]")
               for s in fake.sql())
    assert any("WITH NOCHECK" in w for w in summary["warnings"])


def test_modules_that_need_each_other_are_retried(monkeypatch, shop_bacpac):
    fake = FakeServer()
    fake.fail(r"^CREATE VIEW", server_error(208, "Invalid object name 'sales.Other'."))
    run_import(fake, shop_bacpac, "ShopCopy", monkeypatch)
    assert len(positions(fake.sql(), r"^CREATE VIEW")) == 2
    assert ("VIEW", "[sales].[OrderTotals]") in fake.databases["ShopCopy"].objects


def test_users_the_target_cannot_have_are_skipped_with_a_warning(monkeypatch, shop_bacpac):
    fake = FakeServer()
    fake.fail(r"^CREATE USER", server_error(15007, "'app_user' is not a valid login or you do not have permission."))
    summary = run_import(fake, shop_bacpac, "ShopCopy", monkeypatch)
    assert any(w.startswith("user [app_user] was not created") for w in summary["warnings"])


def test_dacpac_keys_without_values_are_refused_before_anything(monkeypatch):
    data = vector_path("ae-dacpac/threecolumns-encrypted.dacpac").read_bytes()
    model = Model.from_bytes(zipfile.ZipFile(io.BytesIO(data)).read("model.xml"))
    fake = FakeServer()
    engine = make_engine(fake)
    target = engine.import_target("Adventure")
    with pytest.raises(InvalidInputError, match="DACPAC's keys cannot be imported"):
        with target:
            target.create_schema(model, model.tables)
    assert not any(s.startswith("CREATE") for s in fake.sql())


@pytest.mark.parametrize("vector", ["bacpactod-types/Test.bacpac", "wingtip/contosoconcerthall.bacpac",
                                    "wingtip/wingtipcatalogdb.bacpac"])
def test_real_vectors_import_end_to_end(vector, monkeypatch, tmp_path):
    fake = FakeServer()
    path = tmp_path / "v.bacpac"
    path.write_bytes(vector_path(vector).read_bytes())
    summary = run_import(fake, path, "Target", monkeypatch)
    inserted = fake.databases["Target"].inserted
    with PackageReader(str(path)) as reader:
        assert summary["rows"] == sum(reader.count_rows(t) for t in reader.tables)
        for data in reader.tables:
            assert len(inserted.get(data.full_name, [])) == reader.count_rows(data), data.full_name
    assert_all_parse(fake.sql(), verbatim=verbatim_modules(path))
