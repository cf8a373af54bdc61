"""The typed schema model: each object builds the XML it reads back, and what the code does not
understand survives a read/write round trip untouched."""
import zipfile

import pytest

from azext_bacpac.format.model import (
    CheckConstraint, Column, ColumnEncryptionKey, ColumnEncryptionKeyValue, ColumnMasterKey, DatabaseOptions,
    DefaultConstraint, ForeignKey, Index, KeyConstraint, Model, Module, Permission, Role, RoleMembership, Schema,
    Table, User, quote, split_name)
from azext_bacpac.format.sqltypes import SqlType
from tests.conftest import vectors_dir

OBJECTS = [
    Table("sales", "Orders", [
        Column("Id", SqlType("bigint"), nullable=False, identity=True, identity_seed="100", identity_increment="2"),
        Column("Code", SqlType("nchar", length=8), collation="Latin1_General_BIN2", sparse=False),
        Column("Amount", SqlType("decimal", precision=19, scale=4)),
        Column("Notes", SqlType("nvarchar", is_max=True)),
        Column("When", SqlType("datetime2", scale=3), nullable=False),
        Column("Doc", SqlType("xml")),
        Column("Shape", SqlType("geography")),
        Column("Total", computed_expression="[Amount]*(2)", persisted=True),
        Column("Ssn", SqlType("char", length=11), nullable=False, encryption_type="Deterministic",
               encryption_algorithm="AEAD_AES_256_CBC_HMAC_SHA_256", encryption_key="[CEK1]"),
    ]),
    KeyConstraint("PRIMARY KEY", "[sales].[Orders]", [("[sales].[Orders].[Id]", True)], name="[sales].[PK_Orders]"),
    KeyConstraint("UNIQUE", "[sales].[Orders]", [("[sales].[Orders].[Code]", False)], inline_name="[sales].[UQ__x]",
                  clustered=True, disambiguator="7"),
    ForeignKey("[sales].[Lines]", ["[sales].[Lines].[OrderId]"], "[sales].[Orders]", ["[sales].[Orders].[Id]"],
               name="[sales].[FK_Lines_Orders]", on_delete=1),
    DefaultConstraint("[sales].[Orders]", "[sales].[Orders].[When]", "(getdate())", inline_name="[sales].[DF__w]",
                      disambiguator="3"),
    CheckConstraint("[sales].[Orders]", "[Amount]>=(0)", name="[sales].[CK_Amount]"),
    Index("[sales].[Orders].[IX_When]", "[sales].[Orders]", [("[sales].[Orders].[When]", False)], unique=True,
          included=["[sales].[Orders].[Amount]"], filter="[Amount]>(0)"),
    Schema("sales", "[dbo]"),
    Role("auditors"),
    User("app", login="[app_login]", default_schema="[sales]", authentication_type="1"),
    RoleMembership("[db_datareader]", "[app]", role_builtin=True),
    Permission("[Grant.Select.Object].[app].[dbo].[sales].[Orders]", "197", "[app]", "[sales].[Orders]"),
    Module("SqlView", "[sales].[Big]", " SELECT * FROM [sales].[Orders] WHERE [Amount] > 100",
           header="CREATE VIEW [sales].[Big]\r\nAS"),
    Module("SqlProcedure", "[sales].[Touch]", "BEGIN SET NOCOUNT ON; END"),
    Module("SqlScalarFunction", "[sales].[Twice]", "BEGIN RETURN @x * 2 END"),
    ColumnMasterKey("CMK1", "AZURE_KEY_VAULT", "https://vault.vault.azure.net/keys/k/1", allow_enclave_computations=True),
    ColumnEncryptionKey("CEK1", [ColumnEncryptionKeyValue("[CMK1]", "0x01AB", "RSA_OAEP")]),
    DatabaseOptions({"Collation": "SQL_Latin1_General_CP1_CI_AS", "IsAnsiNullsOn": "True"}),
]


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda o: type(o).__name__)
def test_typed_objects_read_back_what_they_write(obj):
    assert type(obj).from_element(obj.to_element()) == obj


def test_a_built_model_reads_back_with_the_same_objects():
    model = Model()
    for obj in OBJECTS:
        model.add(obj)
    again = Model.from_bytes(model.to_bytes())
    assert again.to_bytes() == model.to_bytes()
    assert again.tables == [OBJECTS[0]]
    assert again.column_master_keys == [OBJECTS[-3]] and again.column_encryption_keys == [OBJECTS[-2]]
    table = again.table("sales", "Orders")
    assert [c.name for c in table.stored_columns] == ["Id", "Code", "Amount", "Notes", "When", "Doc", "Shape", "Ssn"]
    assert table.column("Ssn").is_encrypted and table.column("Total").is_computed
    assert again.object_counts()["SimpleColumn"] == 8 and again.object_counts()["ComputedColumn"] == 1


def test_names_quote_and_split():
    assert quote("dbo", "odd]name") == "[dbo].[odd]]name]"
    assert split_name("[dbo].[odd]]name]") == ["dbo", "odd]name"]
    assert split_name("[a.b].[c]") == ["a.b", "c"]


def test_always_encrypted_dacpac_is_understood_and_unknown_elements_survive():
    with zipfile.ZipFile(vectors_dir() / "ae-dacpac" / "threecolumns-encrypted.dacpac") as package:
        data = package.read("model.xml")
    model = Model.from_bytes(data)
    (cmk,) = model.column_master_keys
    assert cmk.key_store_provider == "AZURE_KEY_VAULT" and cmk.key_path.startswith("https://")
    (cek,) = model.column_encryption_keys
    assert cek.values[0].algorithm == "RSA_OAEP" and cek.values[0].column_master_key == "[CMK_Auto1]"
    encrypted = [(t.name, c.name, c.encryption_type) for t in model.tables for c in t.columns if c.is_encrypted]
    assert ("Dummy", "Dummy1", "Deterministic") in encrypted and ("Dummy", "Dummy2", "Randomized") in encrypted
    unknown = [e.get("Type") for e in model.unknown_elements]
    assert unknown, "the dacpac has element types this code does not model (e.g. SqlSequence)"
    assert model.prologue, "a dacpac's <Header> is kept"
    assert model.to_bytes() == data
    alias = model.alias_types["[dbo].[AccountNumber]"]
    assert alias.base == SqlType("nvarchar", length=15)
