"""The engine as open_engine hands it out, and what every connection it opens looks like."""
import pytest

from azext_bacpac import pipelines
from azext_bacpac.engines import open_engine
from azext_bacpac.engines.sqlserver import SqlServerEngine
from azext_bacpac.engines.sqlserver.connect import SQL_COPT_SS_ACCESS_TOKEN, pack_access_token
from azext_bacpac.errors import UnsupportedError

from .conftest import make_engine
from .fakedb import FakeServer
from .recorded import shop


def test_open_engine_dispatches_server_names_to_sql_server():
    engine = open_engine("myserver", user="sa", password="x-secret-1")
    assert isinstance(engine, SqlServerEngine) and engine.kind == "sqlserver"
    assert str(engine.settings.address) == "myserver.database.windows.net"
    assert isinstance(open_engine("localhost,1433"), SqlServerEngine)
    with pytest.raises(UnsupportedError, match="no engine for 'postgresql://'"):
        open_engine("postgresql://localhost/db")


def test_an_entra_token_export_sends_the_token_only_as_a_connection_attribute(tmp_path, monkeypatch):
    fake = FakeServer()
    fake.add(shop())
    token = "eyJhbGciOi.token-body.signature"
    engine = make_engine(fake, user=None, password=None, token_provider=lambda: token)
    monkeypatch.setattr(pipelines.export, "open_engine", lambda server: engine)
    pipelines.export_database("shopserver", "Shop", str(tmp_path / "x.bacpac"))
    for text, attrs, _ in fake.connections:
        assert token not in text and "PWD" not in text and "UID" not in text
        assert attrs == {SQL_COPT_SS_ACCESS_TOKEN: pack_access_token(token)}


def test_every_connection_of_an_import_disables_column_encryption(tmp_path, monkeypatch):
    fake = FakeServer()
    fake.add(shop())
    engine = make_engine(fake)
    monkeypatch.setattr(pipelines.export, "open_engine", lambda server: engine)
    monkeypatch.setattr(pipelines.importing, "open_engine", lambda server: engine)
    pipelines.export_database("shopserver", "Shop", str(tmp_path / "x.bacpac"))
    pipelines.import_package(str(tmp_path / "x.bacpac"), "shopserver", "Copy")
    assert len(fake.connections) >= 4
    assert all("ColumnEncryption=Disabled;" in text and "Encrypt=yes;" in text for text, _, _ in fake.connections)


def test_users_can_be_left_out(tmp_path, monkeypatch):
    fake = FakeServer()
    fake.add(shop())
    engine = make_engine(fake, import_users=False)
    monkeypatch.setattr(pipelines.export, "open_engine", lambda server: engine)
    monkeypatch.setattr(pipelines.importing, "open_engine", lambda server: engine)
    pipelines.export_database("shopserver", "Shop", str(tmp_path / "x.bacpac"))
    summary = pipelines.import_package(str(tmp_path / "x.bacpac"), "shopserver", "Copy")
    assert not any(s.startswith(("CREATE USER", "CREATE ROLE", "ALTER ROLE")) for s in fake.sql("Copy"))
    assert any("users, roles and permissions of the package were not imported" in w for w in summary["warnings"])
    assert summary["databasePath"] == "shopserver.database.windows.net/Copy"
