"""A SQLite column's declared type wins over guessing from its data (issue 14, item 2): through the
real az parser, on a real SQLite file. Where the data cannot live in the declared type, a warning
names the column and the reason."""

import sqlite3

from azext_bacpac.format.package import PackageReader


def test_declared_types_are_kept_and_every_change_is_named(az, tmp_path):
    conn = sqlite3.connect(tmp_path / "app.sqlite")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, code CHAR(36), at DATETIME, ratio FLOAT(24), "
                 "half FLOAT(24), born DATE)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", [
        (1, "00112233-4455-6677-8899-aabbccddeeff", "9999-12-31 23:59:59.9999999", 0.1, 0.5, "2020-01-01"),
        (2, "00112233-4455-6677-8899-aabbccddeef0", "0001-01-01 00:00:00", 2.5, 0.25, "someday")])
    conn.commit()
    conn.close()
    server = f"sqlite:///{tmp_path}"
    result = az("sql", "db", "bacpac", "export", "-s", server, "-n", "app", "--storage-uri", tmp_path / "app.bacpac")
    assert result.exit_code == 0, result
    with PackageReader(str(tmp_path / "app.bacpac")) as reader:
        table = reader.model.tables[0]
        types = {c.name: str(reader.model.resolved_type(c)) for c in table.columns}
    assert types == {"id": "bigint", "code": "char(36)", "at": "datetime2(7)", "ratio": "float", "half": "real",
                     "born": "nvarchar(max)"}
    # FLOAT(24) is SQL Server's 4-byte real: 0.1 would come back as 0.10000000149011612
    assert "column 'ratio' is declared FLOAT(24), but SQLite holds its numbers as 8-byte REALs" in result.stderr
    assert "column 'born' is declared DATE, but 1 value(s) are not date values" in result.stderr
    assert "'half'" not in result.stderr and "'at'" not in result.stderr and "'code'" not in result.stderr
    result = az("sql", "db", "bacpac", "import", "-s", server, "-n", "copy", "--storage-uri", tmp_path / "app.bacpac")
    assert result.exit_code == 0, result
    copy = sqlite3.connect(tmp_path / "copy.sqlite")
    # the same text (the package carries the column's text form), and the same declared types
    assert copy.execute("SELECT code, at, ratio, half FROM t ORDER BY id").fetchall() == [
        ("00112233-4455-6677-8899-aabbccddeeff", "9999-12-31 23:59:59.9999999", 0.1, 0.5),
        ("00112233-4455-6677-8899-aabbccddeef0", "0001-01-01 00:00:00", 2.5, 0.25)]
    assert [r[2] for r in copy.execute("PRAGMA table_info(t)")] == ["INTEGER", "CHAR(36)", "DATETIME", "FLOAT(24)",
                                                                   "FLOAT(24)", "DATE"]
