"""inspect judges a package as an import would: a cell its column cannot hold, or data whose rows disagree
with Origin.xml, fail with a one-line error and exit code 1 (through the real az parser)."""
import re
import sqlite3
import zipfile


def _package(tmp_path, az):
    folder = tmp_path / "data"
    folder.mkdir()
    with sqlite3.connect(folder / "prices.sqlite") as conn:
        conn.execute("CREATE TABLE prices (id INTEGER PRIMARY KEY, price DECIMAL(10,2) NOT NULL)")
        conn.executemany("INSERT INTO prices VALUES (?, ?)", [(1, "12.50"), (2, "0.99")])
    package = tmp_path / "prices.bacpac"
    result = az("sql", "db", "bacpac", "export", "-s", f"sqlite:///{folder}", "-n", "prices", "--storage-uri", package)
    assert result.exit_code == 0, result
    return package


def _rewrite(package, target, change):
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return target


def test_a_decimal_stored_with_another_scale_fails_inspect(tmp_path, az):
    package = _package(tmp_path, az)

    def rescale(name, data):
        if name.startswith("Data/"):
            at = data.index(bytes([10, 2, 1]))           # precision, scale, sign of the first price
            data = data[:at + 1] + bytes([5]) + data[at + 2:]
        return data
    damaged = _rewrite(package, tmp_path / "damaged.bacpac", rescale)
    result = az("sql", "db", "bacpac", "inspect", "--storage-uri", damaged)
    assert result.exit_code == 1, result
    assert "row 1, column price (decimal(10,2))" in result.stderr and "decimal(10,5)" in result.stderr
    assert "Traceback" not in result.output


def test_rows_that_disagree_with_origin_fail_inspect(tmp_path, az):
    package = _package(tmp_path, az)

    def overstate(name, data):
        if name == "Origin.xml":
            data = re.sub(rb"<TableRowCountTotalTag>\d+<", b"<TableRowCountTotalTag>3<", data)
        return data
    damaged = _rewrite(package, tmp_path / "damaged.bacpac", overstate)
    result = az("sql", "db", "bacpac", "inspect", "--storage-uri", damaged)
    assert result.exit_code == 1, result
    assert "holds 2 rows, but Origin.xml records 3" in result.stderr
    assert az("sql", "db", "bacpac", "inspect", "--storage-uri", package).exit_code == 0
