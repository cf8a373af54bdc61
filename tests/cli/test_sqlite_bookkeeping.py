"""The bookkeeping tables of a SQLite import (issue 14, item 5): documented in `import -h`, and
--bookkeeping false imports only the package's tables. Through the real az parser."""

import sqlite3

from tests.vectors import vector_bytes


def _tables(path):
    conn = sqlite3.connect(path)
    try:
        return sorted(n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    finally:
        conn.close()


def test_import_help_explains_the_bookkeeping_tables(az):
    result = az("sql", "db", "bacpac", "import", "-h")
    text = " ".join(result.stdout.split())
    for words in ("__bacpac_package", "__bacpac_tables", "__bacpac_variants", "byte-identical",
                  "--bookkeeping false", "computed columns (as generated columns) and views",
                  "--verbose names each one"):
        assert words in text, words


def test_import_without_bookkeeping_has_only_the_package_tables(az, tmp_path):
    package = tmp_path / "Test.bacpac"
    package.write_bytes(vector_bytes("bacpactod-types/Test.bacpac"))
    server = f"sqlite:///{tmp_path}"
    # a password given to SQLite is accepted and not used, as without the option
    result = az("sql", "db", "bacpac", "import", "-s", server, "-n", "data", "--storage-uri", package,
                "--bookkeeping", "false", "-u", "admin", "-p", "secret")
    assert result.exit_code == 0, result
    assert az("sql", "db", "bacpac", "import", "-s", server, "-n", "full", "--storage-uri", package).exit_code == 0
    data, full = _tables(tmp_path / "data.sqlite"), _tables(tmp_path / "full.sqlite")
    assert [t for t in full if t.startswith("__bacpac_")] == ["__bacpac_package", "__bacpac_tables",
                                                              "__bacpac_variants"]
    assert data == [t for t in full if not t.startswith("__bacpac_")]
    # the data is the same; a re-export derives its model from SQLite
    for table in data:
        a, b = sqlite3.connect(tmp_path / "data.sqlite"), sqlite3.connect(tmp_path / "full.sqlite")
        assert a.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall() == \
            b.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall(), table
    result = az("sql", "db", "bacpac", "export", "-s", server, "-n", "data", "--storage-uri", tmp_path / "d.bacpac")
    assert result.exit_code == 0, result
