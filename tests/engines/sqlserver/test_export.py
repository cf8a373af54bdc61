"""Export from SQL Server / Azure SQL through the real pipeline, against the recorded `Shop` database."""
import datetime
import decimal
import inspect
import uuid

import pytest

from azext_bacpac import pipelines
from azext_bacpac.engines.sqlserver import MissingPermissionsError
from azext_bacpac.engines.sqlserver.export import NOT_CONSISTENT
from azext_bacpac.errors import UnsupportedError
from azext_bacpac.format.package import PackageReader
from azext_bacpac.format.values import PreciseDateTime, SqlVariant

from . import recorded
from .conftest import make_engine
from .fakedb import FakeServer
from .recorded import shop, with_facts
from .tsqlcheck import assert_all_parse


def export(fake, tmp_path, monkeypatch, **options):
    engine = make_engine(fake, **options)
    monkeypatch.setattr(pipelines.export, "open_engine", lambda server: engine)
    target = tmp_path / "shop.bacpac"
    summary = pipelines.export_database("shopserver", "Shop", str(target))
    return summary, target


def test_export_writes_a_bacpac_with_rows_keys_and_ciphertext_byte_for_byte(server, tmp_path, monkeypatch):
    summary, path = export(server, tmp_path, monkeypatch)
    assert summary["rows"] == 4 and summary["tables"] == 2
    with PackageReader(str(path)) as reader:
        model = reader.model
        cmk, = model.column_master_keys
        assert (cmk.name, cmk.key_store_provider, cmk.key_path) == ("CMK_Auto1", "AZURE_KEY_VAULT", recorded.KEY_PATH)
        cek, = model.column_encryption_keys
        value, = cek.values
        assert value.column_master_key == "[CMK_Auto1]" and value.algorithm == "RSA_OAEP"
        assert bytes.fromhex(value.encrypted_value[2:]) == recorded.CEK_VALUE
        assert value.encrypted_value == "0x" + recorded.CEK_VALUE.hex().upper()
        ssn = model.table("dbo", "Customers").column("SSN")
        assert (ssn.encryption_type, ssn.encryption_key, ssn.collation) == \
            ("Deterministic", "[CEK_Auto1]", "Latin1_General_BIN2")
        assert ssn.encryption_algorithm == "AEAD_AES_256_CBC_HMAC_SHA_256"
        customers = list(reader.rows(reader.table("dbo", "Customers")))
        assert [row[3] for row in customers] == recorded.SSN_CIPHERTEXTS       # ciphertext, untouched
        assert customers[0][4] == PreciseDateTime(2025, 1, 2, 3, 4, 5, 123456, hundred_ns=7)
        assert customers[0][5] == decimal.Decimal("1234.5600")
        assert customers[1][2] is None and customers[1][7] is None
        orders = list(reader.rows(reader.table("sales", "Orders")))
        assert [row[0] for row in orders] == [1000, 1001]
        placed = orders[0][3]
        assert placed.utcoffset() == datetime.timedelta(hours=2) and placed.hundred_ns == 3
        assert orders[0][5] == recorded.GEOGRAPHY_POINT
        assert isinstance(orders[0][6], SqlVariant) and orders[0][6].value == 42
        assert orders[1][7] == uuid.UUID("12345678-1234-5678-1234-567812345678")
        assert reader.origin.server_version.startswith("Microsoft SQL Azure")
        assert reader.origin.total_rows == 4


def test_export_model_carries_the_schema(server, tmp_path, monkeypatch):
    _, path = export(server, tmp_path, monkeypatch)
    with PackageReader(str(path)) as reader:
        model = reader.model
        assert model.attributes["DspName"].endswith("SqlAzureV12DatabaseSchemaProvider")
        customers = model.table("dbo", "Customers")
        ident = customers.column("CustomerId")
        assert ident.identity and not ident.nullable
        assert customers.column("Phone").type_ref == "[dbo].[Phone]"
        assert customers.column("RowVer").sql_type.name == "rowversion"
        orders = model.table("sales", "Orders")
        assert orders.column("OrderId").identity_seed == "1000"
        assert orders.column("TotalWithTax").is_computed
        assert [c.name for c in orders.stored_columns] == recorded.ORDER_COLUMNS
        assert str(orders.column("Placed").sql_type) == "datetimeoffset(7)"
        assert orders.column("Notes").sql_type.is_max
        pk_names = {k.display_name for k in model.primary_keys}
        assert pk_names == {"[dbo].[PK_Customers]", "[sales].[PK__Orders__C3905BCF5A8E2F1B]"}
        inline = next(k for k in model.primary_keys if k.name is None)
        assert inline.inline_name == "[sales].[PK__Orders__C3905BCF5A8E2F1B]"
        fk, = model.foreign_keys
        assert (fk.name, fk.on_delete, fk.foreign_table) == ("[sales].[FK_Orders_Customers]", 1, "[dbo].[Customers]")
        assert {d.expression for d in model.defaults} == {"(sysutcdatetime())", "((0))"}
        check, = model.checks
        assert check.expression == "([Balance]>=(0))"
        email = next(i for i in model.indexes if i.leaf_name == "IX_Customers_Email")
        assert email.unique and email.filter == "([Email] IS NOT NULL)"
        by_customer = next(i for i in model.indexes if i.leaf_name == "IX_Orders_CustomerId")
        assert by_customer.included == ["[sales].[Orders].[Total]"]
        modules = {m.name: m for m in model.modules}

        def lf(text):       # XML hands CDATA line ends back as LF (DacFx's packages behave the same way)
            return text.replace("\r\n", "\n")

        assert lf(modules["[sales].[OrderTotals]"].definition) == lf(recorded.VIEW_TEXT)
        assert modules["[sales].[OrderTotals]"].body.lstrip().startswith("SELECT")
        assert lf(modules["[dbo].[GetCustomer]"].definition) == lf(recorded.PROC_TEXT)
        assert modules["[dbo].[GetCustomer]"].header == \
            "-- one customer by id\r\nCREATE PROCEDURE [dbo].[GetCustomer] @Id int\r\nAS"
        assert modules["[sales].[trOrders]"].parent == "[sales].[Orders]"
        assert [u.name for u in model.users] == ["app_user"] and [r.name for r in model.roles] == ["app_readers"]
        assert {p.permission for p in model.permissions} == {"1107", "1108"}
        assert model.database_options.collation == "SQL_Latin1_General_CP1_CI_AS"


def test_every_statement_of_an_export_parses_as_tsql(server, tmp_path, monkeypatch):
    export(server, tmp_path, monkeypatch)
    assert_all_parse(server.sql())


def test_encrypted_columns_are_read_as_ciphertext_whatever_the_connection_string_says(
        server, tmp_path, monkeypatch):
    export(server, tmp_path, monkeypatch, user=None, password=None,
           odbc_connection_string="UID=sqladmin;PWD={Pa55w0rd!secret};ColumnEncryption=Enabled;Encrypt=yes")
    strings = [text for text, _, _ in server.connections]
    assert strings and all("ColumnEncryption=Disabled;" in s and "ColumnEncryption=Enabled" not in s for s in strings)
    assert all("Encrypt=yes" in s for s in strings)


def test_missing_alter_permission_stops_the_export_before_any_row_is_read(tmp_path, monkeypatch):
    fake = FakeServer()
    database = fake.add(shop())
    database.permissions["ALTER ANY COLUMN ENCRYPTION KEY"] = 0
    with pytest.raises(MissingPermissionsError) as caught:
        export(fake, tmp_path, monkeypatch)
    message = str(caught.value)
    assert "ALTER ANY COLUMN ENCRYPTION KEY" in message and "GRANT ALTER ANY COLUMN ENCRYPTION KEY TO [dbo];" in message
    assert "ALTER ANY COLUMN MASTER KEY," not in message
    assert not any(s.startswith("SELECT [") for s in fake.sql()), "no table was read"
    assert not (tmp_path / "shop.bacpac").exists()


def test_keys_the_login_cannot_see_are_not_read_as_no_keys(tmp_path, monkeypatch):
    """The permission functions say yes, but the catalog hides the key (e.g. a DENY): still stop."""
    columns, rows = recorded.COLUMNS
    at = columns.index("column_encryption_key")
    hidden = [tuple(None if i == at else v for i, v in enumerate(r)) for r in rows]
    fake = FakeServer()
    fake.add(shop(columns=(columns, hidden), column_encryption_keys=(recorded.ENCRYPTION_KEYS[0], []),
                  column_master_keys=(recorded.MASTER_KEYS[0], [])))
    with pytest.raises(MissingPermissionsError, match=r"\[dbo\]\.\[Customers\]\.\[SSN\].*cannot see.*"
                                                      r"GRANT VIEW ANY COLUMN ENCRYPTION KEY DEFINITION TO \[dbo\];"):
        export(fake, tmp_path, monkeypatch)
    assert not any(s.startswith("SELECT [") for s in fake.sql())


def test_a_master_key_the_login_cannot_see_stops_the_export(tmp_path, monkeypatch):
    columns, rows = recorded.ENCRYPTION_KEYS
    fake = FakeServer()
    fake.add(shop(column_encryption_keys=(columns, [r[:3] + (None,) + r[4:] for r in rows]),
                  column_master_keys=(recorded.MASTER_KEYS[0], [])))
    with pytest.raises(MissingPermissionsError, match="VIEW ANY COLUMN MASTER KEY DEFINITION"):
        export(fake, tmp_path, monkeypatch)


def test_snapshot_isolation_makes_the_export_consistent(server, tmp_path, monkeypatch):
    summary, _ = export(server, tmp_path, monkeypatch)
    statements = server.sql("Shop")
    assert "SET TRANSACTION ISOLATION LEVEL SNAPSHOT" in statements
    assert statements.index("SET TRANSACTION ISOLATION LEVEL SNAPSHOT") < \
        next(i for i, s in enumerate(statements) if "bacpac:tables" in s)
    assert not any(NOT_CONSISTENT in w for w in summary["warnings"])


def test_without_snapshot_isolation_on_azure_the_summary_warns(tmp_path, monkeypatch):
    fake = FakeServer()
    fake.add(shop(facts=with_facts(snapshot_isolation_state=0)))
    summary, _ = export(fake, tmp_path, monkeypatch)
    warning, = [w for w in summary["warnings"] if w.startswith(NOT_CONSISTENT)]
    assert "ALLOW_SNAPSHOT_ISOLATION is OFF" in warning and "not available on Azure SQL" in warning
    assert "SET TRANSACTION ISOLATION LEVEL SNAPSHOT" not in fake.sql()


def test_consistency_required_refuses_an_inconsistent_export(tmp_path, monkeypatch):
    fake = FakeServer()
    fake.add(shop(facts=with_facts(snapshot_isolation_state=0)))
    with pytest.raises(UnsupportedError, match="transactionally consistent export is not possible"):
        export(fake, tmp_path, monkeypatch, consistency="required")
    assert not any(s.startswith("SELECT [") for s in fake.sql())


def test_on_sql_server_a_database_snapshot_is_read_and_dropped(tmp_path, monkeypatch):
    fake = FakeServer(engine_edition=3)
    fake.add(shop(facts=with_facts(snapshot_isolation_state=0, engine_edition=3, product_version="16.0.4135.4")))
    summary, path = export(fake, tmp_path, monkeypatch)
    create = next(s for s in fake.sql("Shop") if s.startswith("CREATE DATABASE"))
    snapshot = create.split("[")[1].split("]")[0]
    assert create.endswith("AS SNAPSHOT OF [Shop]") and "/var/opt/mssql/data/" + snapshot + "_Shop.ss" in create
    reads = [d for d, s, _ in fake.statements if s.startswith("SELECT [")]
    assert reads and set(reads) == {snapshot}
    assert f"DROP DATABASE [{snapshot}]" in fake.sql("Shop") and snapshot not in fake.databases
    assert not any(NOT_CONSISTENT in w for w in summary["warnings"])
    with PackageReader(str(path)) as reader:
        assert reader.model.attributes["DspName"].endswith("Sql160DatabaseSchemaProvider")
    assert_all_parse(fake.sql())


def test_consistency_none_reads_without_a_snapshot(server, tmp_path, monkeypatch):
    summary, _ = export(server, tmp_path, monkeypatch, consistency="none")
    assert "SET TRANSACTION ISOLATION LEVEL SNAPSHOT" not in server.sql()
    assert not any(NOT_CONSISTENT in w for w in summary["warnings"])


def test_unsupported_objects_and_permissions_are_named_in_warnings(tmp_path, monkeypatch):
    fake = FakeServer()
    fake.add(shop(other_objects=(["type_desc", "object_count"], [("SYNONYM", 2)])))
    summary, _ = export(fake, tmp_path, monkeypatch)
    assert any("2 object(s) of type SYNONYM" in w for w in summary["warnings"])
    assert any("GRANT SELECT ON [sales].[Orders] TO [app_readers]".lower() in w.lower() for w in summary["warnings"])


def test_the_password_never_reaches_a_message(tmp_path, monkeypatch):
    from .fakedb import server_error
    fake = FakeServer()
    fake.add(shop())
    fake.fail(r"^SELECT \[OrderId\]", server_error(208, "Invalid object name 'Pa55w0rd!secret'."))
    with pytest.raises(Exception) as caught:
        export(fake, tmp_path, monkeypatch)
    assert "Pa55w0rd!secret" not in str(caught.value) and "Invalid object name" in str(caught.value)


def test_a_table_split_over_several_parts_is_read_once_from_one_cursor(server, tmp_path, monkeypatch):
    """Parts fill up after every row here: each resume goes on from the same open cursor."""
    engine = make_engine(server, batch_rows=1)
    monkeypatch.setattr(pipelines.export, "open_engine", lambda name: engine)
    path = tmp_path / "parts.bacpac"
    if "part_bytes" not in inspect.signature(pipelines.export_database).parameters:
        pytest.skip("this pipeline does not split tables into parts")
    summary = pipelines.export_database("shopserver", "Shop", str(path), part_bytes=64, workers=0)
    assert summary["rows"] == 4
    with PackageReader(str(path)) as reader:
        orders = reader.table("sales", "Orders")
        assert len(orders.entries) == 2
        assert [row[0] for row in reader.rows(orders)] == [1000, 1001]
        assert [row[3] for row in reader.rows(reader.table("dbo", "Customers"))] == recorded.SSN_CIPHERTEXTS
    data_reads = [s for s in server.sql("Shop") if s.startswith("SELECT [")]
    assert len(data_reads) == len(set(data_reads)) == 2             # one SELECT per table, never re-read


def test_resume_refuses_a_position_it_cannot_continue_from(server):
    from azext_bacpac.errors import EngineError
    engine = make_engine(server, batch_rows=1)
    with engine.export_source("Shop") as source:
        batches = source.row_batches("[sales].[Orders]")
        next(batches)
        batches.close()
        with pytest.raises(EngineError, match="stopped inside a batch"):
            source.resume("[sales].[Orders]", None, 5)
        key = source.resume("[sales].[Orders]", None, 1)
        rest = [row for batch in source.row_batches("[sales].[Orders]", part=key) for row in batch]
        assert [row[0] for row in rest] == [1001]
        with pytest.raises(EngineError, match="no longer available"):
            list(source.row_batches("[sales].[Orders]", part=key))
