"""-s sqlite:///<folder>: which folder, and the errors for everything else."""
import pytest

from azext_bacpac.engines import SqliteEngine, open_engine
from azext_bacpac.errors import InvalidInputError, NotFoundError, UnsupportedError


def test_relative_folder_forms(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    for server in ("sqlite:///data", "sqlite:///./data", "SQLITE:///data"):
        engine = open_engine(server)
        assert isinstance(engine, SqliteEngine)
        assert engine.folder.resolve() == (tmp_path / "data").resolve()
    assert open_engine("sqlite:///.").folder.resolve() == tmp_path.resolve()


def test_absolute_folder_takes_four_slashes(tmp_path):
    assert open_engine(f"sqlite:///{tmp_path}").folder == tmp_path     # f-string gives four slashes


def test_three_slashes_fall_back_to_an_existing_absolute_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                      # no ./<tmp_path without its leading slash> here
    assert open_engine(f"sqlite://{tmp_path}").folder == tmp_path


def test_database_files_live_in_the_folder(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path}")
    assert engine.database_path("sales") == tmp_path / "sales.sqlite"
    (tmp_path / "a.sqlite").write_bytes(b"")
    (tmp_path / "b.sqlite").write_bytes(b"")
    (tmp_path / ".a.sqlite.importing-1").write_bytes(b"")
    assert engine.databases() == ["a", "b"]


@pytest.mark.parametrize("name", ["", " ", "../x", "a/b", "a\\b", "..", ".", " x", "x\x00"])
def test_database_names_are_plain_names(tmp_path, name):
    with pytest.raises(InvalidInputError):
        open_engine(f"sqlite:///{tmp_path}").database_path(name)


def test_missing_database_lists_what_is_there(tmp_path):
    (tmp_path / "present.sqlite").write_bytes(b"")
    with pytest.raises(NotFoundError, match=r"database 'absent' not found in folder .*present"):
        open_engine(f"sqlite:///{tmp_path}").existing_database_path("absent")


def test_missing_folder_is_not_found(tmp_path):
    with pytest.raises(NotFoundError, match="does not exist"):
        open_engine(f"sqlite:///{tmp_path}/missing")


def test_a_file_is_not_a_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(InvalidInputError, match="not a folder"):
        open_engine(f"sqlite:///{tmp_path}/f")


@pytest.mark.parametrize("server", ["sqlite://host/data", "sqlite:///", "sqlite:data", "sqlite:/data", "", "  "])
def test_malformed_sqlite_urls_are_invalid(server):
    with pytest.raises(InvalidInputError):
        open_engine(server)


@pytest.mark.parametrize("server", ["myserver", "myserver.database.windows.net", "localhost,1433"])
def test_server_names_open_the_sql_server_engine(server):
    from azext_bacpac.engines.sqlserver import SqlServerEngine
    assert isinstance(open_engine(server), SqlServerEngine)


def test_other_engine_urls_are_refused():
    with pytest.raises(UnsupportedError, match="no engine for 'postgresql://'"):
        open_engine("postgresql://localhost/db")
