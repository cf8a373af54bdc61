"""The model as T-SQL: dependency order, every statement parses, module texts found where DacFx puts them."""
import io
import zipfile

import pytest

from azext_bacpac.engines.sqlserver.ddl import column_sql, module_definition, plan_import
from azext_bacpac.engines.sqlserver.tsql import split_module
from azext_bacpac.format.model import Column, Model, Module
from azext_bacpac.format.package import PackageReader
from azext_bacpac.format.sqltypes import SqlType
from tests.vectors import ZIPPED, vector_bytes, vector_path

from .tsqlcheck import assert_all_parse


def dacpac_model(name="ae-dacpac/threecolumns-encrypted.dacpac"):
    data = vector_path(name).read_bytes()
    return Model.from_bytes(zipfile.ZipFile(io.BytesIO(data)).read("model.xml"))


def with_cek_values(model):
    """A DACPAC holds no encrypted CEK value ("0x"); give it one so the plan can be built (elements
    are read afresh each time: the model is rebuilt from the changed ones)."""
    elements = list(model.elements)
    for element in elements:
        if element.get("Type") == "SqlColumnEncryptionKey":
            for prop in element.iter():
                if prop.get("Name") == "EncryptedValue":
                    prop.set("Value", "0x016E00A1B2")
    return Model(model.attributes, elements, model.prologue, model.epilogue)


def test_the_always_encrypted_dacpac_plans_in_order_and_parses():
    model = with_cek_values(dacpac_model())
    plan = plan_import(model, model.tables)
    sql = [s.sql for s in plan.statements]
    first_table = next(i for i, s in enumerate(sql) if s.startswith("CREATE TABLE"))
    keys = [i for i, s in enumerate(sql) if s.startswith("CREATE COLUMN")]
    assert keys and max(keys) < first_table
    assert sql[keys[0]] == ("CREATE COLUMN MASTER KEY [CMK_Auto1] WITH (KEY_STORE_PROVIDER_NAME = N'AZURE_KEY_VAULT', "
                            "KEY_PATH = N'https://blogsqldbaeakvg.vault.azure.net/keys/dummyrbr')")
    dummy = next(s for s in sql if s.startswith("CREATE TABLE [dbo].[Dummy]"))
    assert "[Dummy1] char(11) COLLATE Latin1_General_BIN2 NOT NULL ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = " \
           "[CEK_Auto1], ENCRYPTION_TYPE = DETERMINISTIC, ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256')" in dummy
    assert "ENCRYPTION_TYPE = RANDOMIZED" in dummy
    assert "CREATE SEQUENCE [SalesLT].[SalesOrderNumber] AS int START WITH 1 INCREMENT BY 1" in sql
    assert any(s.startswith("CREATE TYPE [dbo].[AccountNumber] FROM nvarchar(15)") for s in sql)
    verbatim = {s.sql for s in plan.statements if s.verbatim}
    assert len(verbatim) == len(model.modules)              # every view / function / procedure has its text
    assert_all_parse(sql, verbatim)
    encrypted = [p.full_name for p in plan.tables.values() if p.encrypted]
    assert encrypted == ["[dbo].[Dummy]", "[dbo].[Patients]"]


def test_functions_take_their_header_from_the_implementation():
    model = dacpac_model()
    for element, obj in model.typed_objects():
        if isinstance(obj, Module) and obj.element_type == "SqlInlineTableValuedFunction":
            text = module_definition(element, obj)
            assert text.startswith("CREATE FUNCTION [dbo].[ufnGetCustomerInformation](@CustomerID int)\r\n"
                                   "RETURNS TABLE\r\nAS")
            assert text.rstrip().endswith(";")
            break
    else:
        pytest.fail("no inline table-valued function in the vector")


@pytest.mark.parametrize("vector", ZIPPED)
def test_the_real_vectors_plan_into_parsable_tsql(vector):
    with PackageReader(io.BytesIO(vector_bytes(vector))) as reader:
        plan = plan_import(reader.model, reader.model.tables)
    verbatim = {s.sql for s in plan.statements if s.verbatim}
    assert_all_parse([s.sql for s in plan.statements] + [p.insert_sql for p in plan.tables.values()], verbatim)


@pytest.mark.parametrize("column, expected", [
    (Column("Id", SqlType("int"), nullable=False, identity=True, identity_seed="100", identity_increment="5"),
     "[Id] int IDENTITY(100, 5) NOT NULL"),
    (Column("G", SqlType("uniqueidentifier"), nullable=False, rowguidcol=True),
     "[G] uniqueidentifier NOT NULL ROWGUIDCOL"),
    (Column("S", SqlType("varchar", 10), sparse=True), "[S] varchar(10) SPARSE NULL"),
    (Column("T", SqlType("nvarchar", is_max=True), collation="Latin1_General_CI_AS"),
     "[T] nvarchar(max) COLLATE Latin1_General_CI_AS NULL"),
    (Column("Total", None, computed_expression="([a]*(2))", persisted=True, nullable=False),
     "[Total] AS ([a]*(2)) PERSISTED NOT NULL"),
    (Column("D", SqlType("decimal", precision=38, scale=6)), "[D] decimal(38,6) NULL"),
    (Column("F", SqlType("float", precision=53)), "[F] float NULL"),
    (Column("R", SqlType("rowversion"), nullable=False), "[R] rowversion NOT NULL"),
    (Column("Odd]Name", SqlType("int")), "[Odd]]Name] int NULL"),
])
def test_column_definitions(column, expected):
    assert column_sql(Model(), column) == expected


@pytest.mark.parametrize("text, header_end", [
    ("CREATE VIEW v AS SELECT CAST(1 AS int) AS a", "CREATE VIEW v AS"),
    ("CREATE VIEW [s].[v] (a, b)\r\nWITH SCHEMABINDING\r\nAS\r\nSELECT 1, 2", "WITH SCHEMABINDING\r\nAS"),
    ("CREATE PROCEDURE p @a AS int = 1 AS SELECT @a", "@a AS int = 1 AS"),
    ("CREATE PROC p WITH EXECUTE AS OWNER AS SELECT 1", "EXECUTE AS OWNER AS"),
    ("-- as a comment AS\r\n/* AS */ CREATE FUNCTION f(@x int) RETURNS int AS BEGIN RETURN @x END",
     "RETURNS int AS"),
    ("CREATE TRIGGER t ON [x] AFTER INSERT AS SET NOCOUNT ON", "AFTER INSERT AS"),
    ("CREATE VIEW [AS] AS SELECT 'AS' AS [AS]", "CREATE VIEW [AS] AS"),
])
def test_split_module(text, header_end):
    header, body = split_module(text)
    assert header.endswith(header_end) and header + body == text


def test_inline_function_header_includes_return():
    header, body = split_module("CREATE FUNCTION f() RETURNS TABLE AS RETURN (SELECT 1 AS a)",
                                "SqlInlineTableValuedFunction")
    assert header == "CREATE FUNCTION f() RETURNS TABLE AS RETURN" and body == " (SELECT 1 AS a)"
