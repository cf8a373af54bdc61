"""A package is hostile: its text reaches SQL only as quoted identifiers, whitelisted type names, or one
expression parsed and re-emitted (engines/expressions.py). The payloads are those of the reliability
probe: a type reference that smuggles a column into CREATE TABLE, and filters and defaults that end the
statement or comment out the rest of it."""
import sqlite3

import pytest

from azext_bacpac import pipelines
from azext_bacpac.engines.expressions import ExpressionError, sqlite_expression, tsql_expression
from azext_bacpac.errors import InvalidInputError
from azext_bacpac.format.model import (Column, ColumnEncryptionKey, ColumnEncryptionKeyValue, ColumnMasterKey,
                                       DefaultConstraint, Index, Model, Table, quote)
from azext_bacpac.format.assembly import PackageWriter
from azext_bacpac.format.sqltypes import SqlType

PAYLOAD_TYPE = 'X, "pwn" TEXT DEFAULT \'INJECTED\''


def _package(tmp_path, model, rows):
    path = tmp_path / "hostile.bacpac"
    with open(path, "wb") as handle, PackageWriter(handle, model, "hostile") as writer:
        writer.write_table("dbo", "T", rows)
    return path


def _encrypted_model():
    model = Model()
    model.add(ColumnMasterKey("CMK", "AZURE_KEY_VAULT", "https://v.vault.azure.net/keys/k/1"))
    model.add(ColumnEncryptionKey("CEK", [ColumnEncryptionKeyValue("[CMK]", "0x01AB", "RSA_OAEP")]))
    secret = Column("Secret", SqlType(PAYLOAD_TYPE), encryption_type="Deterministic",
                    encryption_algorithm="AEAD_AES_256_CBC_HMAC_SHA_256", encryption_key="[CEK]",
                    type_ref=quote(PAYLOAD_TYPE), type_builtin=False)
    model.add(Table("dbo", "T", [Column("Id", SqlType("int"), nullable=False), secret]))
    return model


def test_a_type_reference_cannot_add_a_column_to_a_sqlite_table(tmp_path):
    package = _package(tmp_path, _encrypted_model(), [(1, b"\x01" * 65)])
    target = tmp_path / "db"
    target.mkdir()
    pipelines.import_package(str(package), f"sqlite:///{target}", "hostile")
    with sqlite3.connect(target / "hostile.sqlite") as conn:
        columns = [row[1] for row in conn.execute('PRAGMA table_info("T")')]
        declared = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'T'").fetchone()[0]
    assert columns == ["Id", "Secret"]                            # no "pwn" column
    assert "INJECTED" not in declared.replace("'INJECTED'\"", "")  # only inside the quoted type name
    assert '"X, ""pwn"" TEXT DEFAULT \'INJECTED\'"' in declared


@pytest.mark.parametrize("predicate", ["1 --", "1) OR (1=1", "[Name] IS NULL; DROP TABLE [dbo].[T]",
                                       "(SELECT 1)"])
def test_an_index_filter_that_is_not_one_expression_creates_no_sqlite_index(tmp_path, predicate):
    model = Model()
    model.add(Table("dbo", "T", [Column("Id", SqlType("int"), nullable=False),
                                 Column("Name", SqlType("nvarchar", 9))]))
    model.add(Index("[dbo].[T].[IX]", "[dbo].[T]", [("[dbo].[T].[Name]", True)], filter=predicate))
    package = _package(tmp_path, model, [(1, "a"), (2, None)])
    target = tmp_path / "db"
    target.mkdir()
    summary = pipelines.import_package(str(package), f"sqlite:///{target}", "hostile")
    with sqlite3.connect(target / "hostile.sqlite") as conn:
        indexes = conn.execute("SELECT name, sql FROM sqlite_master "
                               "WHERE type = 'index' AND tbl_name = 'T'").fetchall()
        assert conn.execute('SELECT count(*) FROM "T"').fetchone()[0] == 2
    if predicate == "1 --":                           # one expression: re-emitted without the comment
        assert indexes == [("IX", 'CREATE INDEX "IX" ON "T" ("Name") WHERE 1')]
    else:
        assert indexes == [] and any("index [dbo].[T].[IX] was not created" in w for w in summary["warnings"])


def test_sql_server_ddl_refuses_a_default_that_ends_its_statement(tmp_path, monkeypatch):
    from tests.engines.sqlserver.fakedb import FakeServer
    from tests.engines.sqlserver.test_deployment import import_into
    model = Model()
    model.add(Table("dbo", "T", [Column("Id", SqlType("int"), nullable=False)]))
    model.add(DefaultConstraint("[dbo].[T]", "[dbo].[T].[Id]", "(0)) ; DROP TABLE [dbo].[Other] --",
                                "[dbo].[DF_T_Id]"))
    package = _package(tmp_path, model, [(1,)])
    fake = FakeServer()
    with pytest.raises(InvalidInputError, match=r"default on \[dbo\]\.\[T\]\.\[Id\]"):
        import_into(fake, package, "Hostile", monkeypatch)
    assert "Hostile" not in fake.databases
    assert not [s for s in fake.sql() if "DROP TABLE [dbo].[Other]" in s]


def test_sql_server_type_names_come_from_the_whitelist_or_are_requoted():
    from azext_bacpac.engines.sqlserver.ddl import column_sql
    alias = Column("C", SqlType("int"), type_ref="[dbo].[T] NULL, [pwn] int", type_builtin=False)
    # every part bracket-quoted: the server sees one (missing) type name, never a second column
    assert column_sql(Model(), alias) == "[C] [dbo].[T].[ NULL, [pwn]] int] NULL"
    with pytest.raises(InvalidInputError, match="is not a SQL Server type"):
        column_sql(Model(), Column("C", SqlType(PAYLOAD_TYPE)))


@pytest.mark.parametrize("text, expected", [
    ("(isnull(N'SO'+CONVERT([nvarchar](23),[SalesOrderID]),N'*** ERROR ***'))",
     "(isnull(N'SO'+CONVERT([nvarchar](23),[SalesOrderID]),N'*** ERROR ***'))"),
    ("((0)) -- the rest", "((0))"), ("(@@SPID)", "(@@SPID)"), ("1 /* ; DROP TABLE t */ + 2", "1 + 2"),
    ("(suser_sname())", "(suser_sname())"),
])
def test_tsql_expressions_keep_their_tokens_and_lose_their_comments(text, expected):
    assert tsql_expression(text, "x") == expected


@pytest.mark.parametrize("text", ["0); DROP TABLE t", "DROP TABLE t", "SELECT 1", "", "1 \x00", "[a] = 1) OR (1=1"])
def test_what_is_not_one_expression_is_refused_both_ways(text):
    with pytest.raises(ExpressionError):
        tsql_expression(text, "x")
    with pytest.raises(ExpressionError):
        sqlite_expression(text, "x")
