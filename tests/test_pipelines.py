"""export_database / import_package / inspect_package end to end, on real SQLite files and real vectors."""
import csv
import decimal
import io
import math
import os
import sqlite3
import stat
import zipfile

import pytest

from azext_bacpac.engines.sqlite_ddl import sqlite_table_name
from azext_bacpac.engines.sqlite_types import parse_naive_datetime
from azext_bacpac.errors import (BacpacError, CancelledError, ConflictError, EngineError, InvalidInputError, NotFoundError,
                                 UnsupportedError)
from azext_bacpac.format.errors import BacpacFormatError
from azext_bacpac.format.package import PackageReader
from azext_bacpac.format.values import SqlVariant
from azext_bacpac.pipelines import export_database, import_package, inspect_package
from tests.vectors import ALL, expected_csv_dir, vector_bytes, vector_path

INTEGERS = {"tinyint", "smallint", "int", "bigint", "bit"}


@pytest.fixture
def server(tmp_path):
    return f"sqlite:///{tmp_path}"


def put_vector(folder, name):
    path = folder / (name.replace("/", "_") + ".bacpac")
    path.write_bytes(vector_bytes(name))
    return path


def db_name(name):
    return name.replace("/", "_").replace(".", "_")


def connect(folder, database):
    return sqlite3.connect(folder / f"{database}.sqlite")


def table_bytes(reader):
    """{table: the BCP bytes of all its parts, concatenated}."""
    return {t.full_name: b"".join(b"".join(chunks) for _, chunks in reader.raw_parts(t)) for t in reader.tables}


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# ---- the oracle: how each decoded value must be stored ------------------------------------------

def _fraction(value, scale):
    digits = f"{value.microsecond * 10 + getattr(value, 'hundred_ns', 0):07d}"
    assert not digits[scale:].strip("0"), "vector values are rounded to their column's scale"
    return "." + digits[:scale] if scale else ""


def _expected_number(value, name, precision, scale):
    """Decimals and money as SQLite numbers: INTEGER at scale 0 when it fits, REAL up to 15
    significant digits, exact text beyond. Columns that cannot hold such text (precision <= 15,
    smallmoney) have NUMERIC affinity, which stores a whole REAL as an INTEGER."""
    if name in ("money", "smallmoney"):
        precision, scale = (19 if name == "money" else 10), 4
    if not scale and -2**63 <= value < 2**63:
        return int(value)
    if len("".join(map(str, value.as_tuple().digits)).strip("0")) > 15:
        return f"{value:.{scale}f}"
    real = float(value)
    numeric_affinity = precision <= 15
    return int(real) if numeric_affinity and real.is_integer() and abs(real) < 2**63 else real


def expected_stored(value, sql_type):
    """The SQLite value the conventions (engines/sqlite_types docstring) require for a decoded value."""
    if value is None:
        return None
    name, scale = sql_type.name, sql_type.scale or 0
    if name in INTEGERS:
        return int(value)
    if name in ("float", "real"):
        return float(value)
    if name in ("decimal", "numeric", "money", "smallmoney"):
        return _expected_number(value, name, sql_type.precision or 18, scale)
    if name == "date":
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if name == "time":
        return value.strftime("%H:%M:%S") + _fraction(value, scale)
    if name in ("datetime2", "datetime", "smalldatetime", "datetimeoffset"):
        scale = {"datetime": 3, "smalldatetime": 0}.get(name, scale)
        text = f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.strftime('%H:%M:%S')}"
        text += _fraction(value, scale)
        if name == "datetimeoffset":
            minutes = int(value.utcoffset().total_seconds()) // 60
            text += f" {'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        return text
    if name == "uniqueidentifier":
        return str(value).upper()
    if name == "sql_variant":
        return value.value if isinstance(value.value, (str, int, bytes)) else value
    return value          # text and binary types: as decoded


# ---- every vector into SQLite --------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
def test_every_vector_imports_cell_by_cell(tmp_path, server, name):
    package = put_vector(tmp_path, name)
    summary = import_package(str(package), server, db_name(name))
    conn = connect(tmp_path, db_name(name))
    with PackageReader(str(package)) as reader:
        assert summary["rows"] == reader.origin.total_rows
        assert summary["tables"] == len(reader.tables)
        for data in reader.tables:
            stored = data.table.stored_columns
            columns = ", ".join(f'"{c.name}"' for c in stored)
            sqlite_rows = conn.execute(f'SELECT {columns} FROM "{sqlite_table_name(data.schema, data.name)}" '
                                       f"ORDER BY rowid").fetchall()
            package_rows = list(reader.rows(data))
            assert len(sqlite_rows) == len(package_rows), data.full_name
            for got_row, row in zip(sqlite_rows, package_rows):
                for column, got, value in zip(stored, got_row, row):
                    sql_type = reader.model.resolved_type(column)
                    expected = expected_stored(value, sql_type)
                    if isinstance(expected, SqlVariant):
                        continue
                    assert got == expected and type(got) is type(expected), \
                        f"{data.full_name}.{column.name}: {got!r} != {expected!r}"


def test_type_matrix_reads_like_the_expected_csv(tmp_path, server):
    """Test.bacpac's ground truth, cell by cell. The CSVs print floats rounded and money with two
    decimals; those compare as numbers. Everything else must be the same text."""
    import_package(str(put_vector(tmp_path, "bacpactod-types/Test.bacpac")), server, "Test")
    conn = connect(tmp_path, "Test")
    checked = 0
    for path in sorted(expected_csv_dir().glob("dbo*.csv")):
        table = path.stem[3:]
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header, *rows = list(csv.reader(handle))
        types = {r[1]: r[2] for r in conn.execute(f'PRAGMA table_info("{table}")')}
        got_rows = conn.execute(f'SELECT {", ".join(chr(34) + h + chr(34) for h in header)} FROM "{table}" '
                                f"ORDER BY ID").fetchall()
        assert len(got_rows) == len(rows), table
        for expected_row, got_row in zip(rows, got_rows):
            for column, expected, got in zip(header, expected_row, got_row):
                declared = types[column]
                if got is None:
                    assert expected == "NULL", (table, column)
                elif isinstance(got, bytes):
                    assert "0x" + got.hex().upper() == expected, (table, column)
                elif declared in ("FLOAT", "REAL"):
                    assert math.isclose(got, float(expected), rel_tol=1e-6 if "E+29" in expected or declared == "REAL"
                                        or len(expected) < 10 else 1e-14), (table, column, got, expected)
                elif "MONEY" in declared or "DECIMAL" in declared or "NUMERIC" in declared:
                    # numbers: a REAL keeps every digit of the value, text the ones a REAL would lose
                    assert decimal.Decimal(repr(got) if isinstance(got, float) else got) == \
                        decimal.Decimal(expected), (table, column, got, expected)
                else:
                    assert str(got) == expected, (table, column, got, expected)
                checked += 1
    assert checked > 1500


def test_values_read_naturally_in_sqlite(tmp_path, server):
    import_package(str(put_vector(tmp_path, "bacpactod-types/Test.bacpac")), server, "Test")
    conn = connect(tmp_path, "Test")
    row = conn.execute('SELECT "Field_decimal_38_38", typeof("Field_decimal_38_38"), "Field_decimal_18_0" '
                       'FROM DecimalFields2 WHERE ID = 2').fetchone()
    assert row == ("0.99888777000999888777666555444333222111", "text", 999999999999999999)
    assert conn.execute("SELECT sql FROM sqlite_master WHERE name = 'DateTimeFields2'").fetchone()[0].count(
        "DATETIME2(7)") == 1
    # SQLite's own date functions understand the stored text.
    assert conn.execute('SELECT datetime("Field_datetimeoffset_7") FROM DateTimeFields2').fetchone() == \
        ("2003-02-01 06:27:33",)


# ---- the lossless round trip ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
def test_bacpac_sqlite_bacpac_is_lossless(tmp_path, server, name):
    package = put_vector(tmp_path, name)
    import_package(str(package), server, "db")
    out = tmp_path / "again.bacpac"
    summary = export_database(server, "db", str(out))
    assert summary["modelSource"] == "stored" and summary["warnings"] == []
    with PackageReader(str(package)) as original, PackageReader(str(out)) as again:
        assert again.checksum_verified
        assert again.model_bytes == original.model_bytes
        assert table_bytes(again) == table_bytes(original)
        assert again.origin.total_rows == original.origin.total_rows == summary["rows"]
        assert summary["bytes"] == sum(t.data_bytes for t in original.tables)


# ---- a native SQLite database ----------------------------------------------------------------------

NATIVE_SCHEMA = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, email VARCHAR(50),
    active BOOLEAN DEFAULT 1, created DATETIME DEFAULT CURRENT_TIMESTAMP, score REAL, photo BLOB,
    balance NUMERIC(12,2), born DATE, ratio DOUBLE, code CHAR(3), uid GUID, notes TEXT DEFAULT 'none');
CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    total DECIMAL(10,2), qty INT DEFAULT 30, placed DATE);
CREATE INDEX ix_orders_placed ON orders(placed DESC);
CREATE UNIQUE INDEX ux_customers_email ON customers(email);
CREATE TABLE "sales.regions" (code TEXT PRIMARY KEY, label NVARCHAR(20) NOT NULL);
CREATE TABLE loose (a, b INTEGER, c TEXT);
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
"""
CUSTOMERS = [
    (1, "Zoë Ångström", "z@x.io", 1, "2024-01-05 10:00:00", 3.25, b"\x00\x01\xff", 1234567890.12, "1990-04-01",
     1e-300, "ABC", "00112233-4455-6677-8899-AABBCCDDEEFF", "multi\nline"),
    (2, "李小龙 🐉", None, 0, "2023-12-31 23:59:59", None, None, -0.5, None, -1.5e300, "XYZ", None, None),
    (3, "O'Brien", "ob@example.com", 1, None, -0.0, b"", 0, "2000-02-29", 0.1, None, None, ""),
]
ORDERS = [(1, 1, 12.5, 2, "2024-02-29"), (2, 2, 3, 1, "2024-03-01"), (3, 1, 99999999.99, 5, None)]
REGIONS = [("EU", "Europe"), ("US", "América")]
LOOSE = [(1, 5, "x"), ("x", "text in an INTEGER column", None), (2.5, None, "y"), (b"\x01", 7, None),
         (None, None, None)]


def make_native(folder, name="shop"):
    conn = sqlite3.connect(folder / f"{name}.sqlite")
    conn.executescript(NATIVE_SCHEMA)
    conn.executemany(f"INSERT INTO customers VALUES ({','.join('?' * 13)})", CUSTOMERS)
    conn.executemany("INSERT INTO orders VALUES (?,?,?,?,?)", ORDERS)
    conn.executemany('INSERT INTO "sales.regions" VALUES (?,?)', REGIONS)
    conn.executemany("INSERT INTO loose VALUES (?,?,?)", LOOSE)
    conn.commit()
    conn.close()


def rows_of(conn, table, columns):
    return conn.execute(f'SELECT {", ".join(columns)} FROM "{table}" ORDER BY rowid').fetchall()


def test_native_database_round_trips_values_and_schema(tmp_path, server):
    make_native(tmp_path)
    summary = export_database(server, "shop", str(tmp_path / "shop.bacpac"))
    assert summary["modelSource"] == "derived"
    assert summary["tables"] == 4 and summary["rows"] == 13
    assert not any("big_orders" in w for w in summary["warnings"])      # the view is exported (issue 14 #4)
    import_package(str(tmp_path / "shop.bacpac"), server, "copy")
    before, after = connect(tmp_path, "shop"), connect(tmp_path, "copy")
    query = "SELECT * FROM big_orders ORDER BY id"
    assert after.execute(query).fetchall() == before.execute(query).fetchall() != []
    for table, columns in (("customers", [c for c in "id name email active created score photo balance born "
                                          "ratio code uid notes".split()]),
                           ("orders", ["id", "customer_id", "total", "qty", "placed"]),
                           ("sales.regions", ["code", "label"]), ("loose", ["a", "b", "c"])):
        old, new = rows_of(before, table, columns), rows_of(after, table, columns)
        assert len(old) == len(new)
        for old_row, new_row in zip(old, new):
            for column, a, b in zip(columns, old_row, new_row):
                if column == "created" and a is not None:
                    assert parse_naive_datetime(a) == parse_naive_datetime(b), (table, column)
                else:
                    assert a == b and type(a) is type(b), (table, column, a, b)
    assert _schema(before) == _schema(after)


def _schema(conn):
    """What must survive: tables, columns, nullability, keys, foreign keys, indexes, defaults."""
    shape = {}
    names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE "
                                        "'sqlite%' AND name NOT LIKE '\\_\\_bacpac%' ESCAPE '\\' ORDER BY name")]
    for name in names:
        columns = [(c, bool(notnull) or bool(pk), pk, default is not None)
                   for _, c, _, notnull, default, pk in conn.execute(f'PRAGMA table_info("{name}")')]
        fks = sorted((fk[2], fk[3], fk[4], fk[6]) for fk in conn.execute(f'PRAGMA foreign_key_list("{name}")'))
        indexes = sorted((i[1] if i[3] == "c" else i[3], i[2], tuple(
            (x[2], x[3]) for x in conn.execute(f'PRAGMA index_xinfo("{i[1]}")') if x[5]))
            for i in conn.execute(f'PRAGMA index_list("{name}")') if i[3] != "pk")
        shape[name] = (columns, fks, indexes)
    return shape


def test_derived_model_names_types_and_keys(tmp_path, server):
    make_native(tmp_path)
    export_database(server, "shop", str(tmp_path / "shop.bacpac"))
    with PackageReader(str(tmp_path / "shop.bacpac")) as reader:
        model = reader.model
        customers = model.table("dbo", "customers")
        types = {c.name: str(c.sql_type) for c in customers.columns}
        assert types == {"id": "bigint", "name": "nvarchar(450)", "email": "varchar(50)", "active": "bit",
                         "created": "datetime2(0)", "score": "float", "photo": "varbinary(max)",
                         "balance": "numeric(12,2)", "born": "date", "ratio": "float", "code": "char(3)",
                         "uid": "uniqueidentifier", "notes": "nvarchar(max)"}
        assert customers.column("id").identity and not customers.column("name").nullable
        assert {str(c.sql_type) for c in model.table("dbo", "loose").columns} == {"sql_variant", "nvarchar(max)"}
        assert model.table("sales", "regions") is not None and [s.name for s in model.schemas] == ["sales"]
        assert [(k.kind, k.column_names) for k in model.primary_keys + model.unique_constraints] == [
            ("PRIMARY KEY", ["id"]), ("PRIMARY KEY", ["id"]), ("PRIMARY KEY", ["code"]), ("UNIQUE", ["name"])]
        (fk,) = model.foreign_keys
        assert (fk.table, fk.foreign_table, fk.on_delete) == ("[dbo].[orders]", "[dbo].[customers]", 1)
        assert {(i.name, i.unique) for i in model.indexes} == {("[dbo].[orders].[ix_orders_placed]", False),
                                                               ("[dbo].[customers].[ux_customers_email]", True)}
        assert {d.column: d.expression for d in model.defaults} == {
            "[dbo].[customers].[active]": "((1))", "[dbo].[customers].[created]": "(getutcdate())",
            "[dbo].[customers].[notes]": "(N'none')", "[dbo].[orders].[qty]": "((30))"}


def test_export_of_an_imported_native_database_is_stable(tmp_path, server):
    make_native(tmp_path)
    export_database(server, "shop", str(tmp_path / "one.bacpac"))
    import_package(str(tmp_path / "one.bacpac"), server, "copy")
    summary = export_database(server, "copy", str(tmp_path / "two.bacpac"))
    assert summary["modelSource"] == "stored"
    with PackageReader(str(tmp_path / "one.bacpac")) as one, PackageReader(str(tmp_path / "two.bacpac")) as two:
        assert one.model_bytes == two.model_bytes
        assert table_bytes(one) == table_bytes(two)


def test_changes_after_import_are_merged(tmp_path, server):
    import_package(str(put_vector(tmp_path, "amado/AmadoDB.bacpac")), server, "amado")
    conn = connect(tmp_path, "amado")
    conn.executescript("""
        ALTER TABLE Brands ADD COLUMN Country TEXT DEFAULT 'NL';
        CREATE TABLE notes (id INTEGER PRIMARY KEY, brand_id INT REFERENCES Brands(ID), body TEXT);
        INSERT INTO notes (brand_id, body) VALUES (1, 'hello');
        DROP TABLE Subscribers;
        CREATE INDEX ix_colors_name ON Colors(Name);""")
    conn.close()
    summary = export_database(server, "amado", str(tmp_path / "merged.bacpac"))
    assert summary["modelSource"] == "merged"
    assert "changed 'Brands', 'Colors'; dropped 'Subscribers'; added 'notes'" in summary["warnings"][0]
    with PackageReader(str(put_vector(tmp_path, "amado/AmadoDB.bacpac"))) as original, \
            PackageReader(str(tmp_path / "merged.bacpac")) as merged:
        model = merged.model
        assert model.table("dbo", "Subscribers") is None
        brands = model.table("dbo", "Brands")
        assert [(c.name, str(c.sql_type)) for c in brands.columns] == [
            ("ID", "int"), ("Name", "nvarchar(255)"), ("Country", "nvarchar(max)")]
        assert brands.column("ID").identity                       # stored properties survive
        assert [str(c.sql_type) for c in model.table("dbo", "notes").columns] == ["bigint", "int", "nvarchar(max)"]
        assert "[dbo].[Colors].[ix_colors_name]" in {i.name for i in model.indexes}
        assert any(fk.table == "[dbo].[notes]" and fk.foreign_table == "[dbo].[Brands]" for fk in model.foreign_keys)
        assert not any("Subscribers" in (k.table or "") for k in model.primary_keys)
        assert list(merged.rows(merged.table("dbo", "Brands")))[0][2] == "NL"
        untouched = {k: v for k, v in table_bytes(original).items() if "Brands" not in k and "Subscribers" not in k}
        assert {k: v for k, v in table_bytes(merged).items() if k in untouched} == untouched


def test_a_value_that_no_longer_fits_its_stored_type_names_table_column_and_row(tmp_path, server):
    import_package(str(put_vector(tmp_path, "gamerental-extracted")), server, "games")
    conn = connect(tmp_path, "games")
    conn.execute("UPDATE Game SET Gid = 'abc'")          # INTEGER affinity keeps non-numeric text
    conn.commit()
    conn.close()
    with pytest.raises(EngineError, match=r"\[dbo\]\.\[Game\].*Gid.*row 1"):
        export_database(server, "games", str(tmp_path / "x.bacpac"))
    assert not (tmp_path / "x.bacpac").exists() and leftovers(tmp_path) == []


def test_bad_date_text_names_the_column(tmp_path, server):
    make_native(tmp_path)
    export_database(server, "shop", str(tmp_path / "shop.bacpac"))
    import_package(str(tmp_path / "shop.bacpac"), server, "copy")
    conn = connect(tmp_path, "copy")
    conn.execute("UPDATE customers SET born = 'someday' WHERE id = 3")
    conn.commit()
    conn.close()
    with pytest.raises(EngineError, match=r"column 'born', row 3: .*'someday'"):
        export_database(server, "copy", str(tmp_path / "y.bacpac"))


# ---- table filters ---------------------------------------------------------------------------------

@pytest.mark.parametrize("tables, exclude, expected", [
    (["sales.*"], None, ["[sales].[regions]"]),
    (["customers", "ORDERS"], None, ["[dbo].[customers]", "[dbo].[orders]"]),
    (["[dbo].[cust*]"], None, ["[dbo].[customers]"]),
    (None, ["loose", "*.regions"], ["[dbo].[customers]", "[dbo].[orders]"]),
    (["dbo.*"], ["o?ders"], ["[dbo].[customers]", "[dbo].[loose]"]),
])
def test_export_filters(tmp_path, server, tables, exclude, expected):
    make_native(tmp_path)
    summary = export_database(server, "shop", str(tmp_path / "f.bacpac"), tables=tables, exclude_tables=exclude)
    assert [t["name"] for t in summary["perTable"]] == expected
    with PackageReader(str(tmp_path / "f.bacpac")) as reader:
        assert [t.full_name for t in reader.tables] == expected
        assert reader.checksum_verified


def test_export_filter_drops_foreign_keys_to_excluded_tables_with_a_warning(tmp_path, server):
    make_native(tmp_path)
    summary = export_database(server, "shop", str(tmp_path / "f.bacpac"), tables=["orders"])
    assert any("foreign key" in w and "[dbo].[customers]" in w for w in summary["warnings"])
    with PackageReader(str(tmp_path / "f.bacpac")) as reader:
        assert reader.model.foreign_keys == []
        assert [i.name for i in reader.model.indexes] == ["[dbo].[orders].[ix_orders_placed]"]


def test_a_pattern_that_matches_nothing_lists_the_tables(tmp_path, server):
    make_native(tmp_path)
    with pytest.raises(InvalidInputError, match=r"'invoices' matches no table; tables: dbo\.customers, "
                                                r"dbo\.orders, sales\.regions, dbo\.loose"):
        export_database(server, "shop", str(tmp_path / "f.bacpac"), tables=["invoices"])
    with pytest.raises(InvalidInputError, match="leave no table"):
        export_database(server, "shop", str(tmp_path / "f.bacpac"), exclude_tables=["*"])
    assert not (tmp_path / "f.bacpac").exists()


def test_import_filters_and_the_stored_subset_model(tmp_path, server):
    package = put_vector(tmp_path, "amado/AmadoDB.bacpac")
    summary = import_package(str(package), server, "part", tables=["AspNet*"], exclude_tables=["*Tokens"])
    assert [t["name"] for t in summary["perTable"]] == [
        "[dbo].[AspNetRoleClaims]", "[dbo].[AspNetRoles]", "[dbo].[AspNetUserClaims]", "[dbo].[AspNetUserLogins]",
        "[dbo].[AspNetUserRoles]", "[dbo].[AspNetUsers]"]
    tables = {n for (n,) in connect(tmp_path, "part").execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "AspNetUserTokens" not in tables and "Products" not in tables
    again = export_database(server, "part", str(tmp_path / "part.bacpac"))
    assert again["modelSource"] == "stored"
    with PackageReader(str(package)) as original, PackageReader(str(tmp_path / "part.bacpac")) as part:
        assert [t.full_name for t in part.tables] == [t["name"] for t in summary["perTable"]]
        assert all(fk.foreign_table.startswith("[dbo].[AspNet") for fk in part.model.foreign_keys)
        assert {k: v for k, v in table_bytes(original).items() if k in table_bytes(part)} == table_bytes(part)


# ---- errors ----------------------------------------------------------------------------------------

def test_missing_database_and_folder(tmp_path, server):
    with pytest.raises(NotFoundError, match="database 'nope' not found in folder"):
        export_database(server, "nope", str(tmp_path / "x.bacpac"))
    with pytest.raises(NotFoundError, match="does not exist"):
        export_database(f"sqlite:///{tmp_path}/gone", "nope", str(tmp_path / "x.bacpac"))
    with pytest.raises(NotFoundError, match="does not exist"):
        import_package(str(put_vector(tmp_path, "gamerental-extracted")), f"sqlite:///{tmp_path}/gone", "x")


def test_import_into_a_database_with_tables_is_refused_and_leaves_it_untouched(tmp_path, server):
    make_native(tmp_path)
    before = (tmp_path / "shop.sqlite").read_bytes()
    with pytest.raises(ConflictError, match="database 'shop' already exists"):
        import_package(str(put_vector(tmp_path, "gamerental-extracted")), server, "shop")
    assert (tmp_path / "shop.sqlite").read_bytes() == before
    assert leftovers(tmp_path) == []


def test_bad_locations(tmp_path, server):
    make_native(tmp_path)
    with pytest.raises(InvalidInputError):
        export_database(server, "shop", "ftp://host/x.bacpac")
    with pytest.raises(NotFoundError, match="not found"):
        import_package(str(tmp_path / "missing.bacpac"), server, "x")
    # a blob endpoint on a closed loopback port: blob URIs are routed to blob storage, whose
    # failures are clear one-line errors that never echo the SAS signature
    blob = "http://127.0.0.1:9/devstoreaccount1/backups/shop.bacpac?sv=2022-11-02&se=2099-01-01&sp=rcw&sig=SECRET"
    for call in (lambda: export_database(server, "shop", blob, storage_key_type="SharedAccessKey"),
                 lambda: import_package(blob, server, "x", storage_key_type="SharedAccessKey"),
                 lambda: inspect_package(blob, storage_key_type="SharedAccessKey")):
        with pytest.raises(BacpacError) as info:
            call()
        assert "SECRET" not in str(info.value)
    with pytest.raises(UnsupportedError, match="no engine for 'postgresql://'"):
        export_database("postgresql://x/db", "shop", str(tmp_path / "x.bacpac"))
    assert not os.path.exists(tmp_path / "x")


def test_existing_package_is_kept_unless_overwrite(tmp_path, server):
    make_native(tmp_path)
    target = tmp_path / "shop.bacpac"
    target.write_bytes(b"precious")
    target.chmod(0o640)
    with pytest.raises(ConflictError, match="already exists"):
        export_database(server, "shop", str(target))
    assert target.read_bytes() == b"precious"
    export_database(server, "shop", f"file://{target}", overwrite=True)
    assert zipfile.is_zipfile(target)
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o640          # the replaced file's, as cp keeps them
    assert leftovers(tmp_path) == []


def _damaged(tmp_path, how):
    data = vector_bytes("amado/AmadoDB.bacpac")
    path = tmp_path / "damaged.bacpac"
    if how == "truncated":
        path.write_bytes(data[:len(data) // 2])
        return path
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "model.xml":
                body = body.replace(b"CP1_CI_AS", b"CP1_CS_AS", 1)     # one byte; still well-formed XML
            target.writestr(info, body)
    path.write_bytes(out.getvalue())
    return path


def test_damaged_packages(tmp_path, server):
    truncated = _damaged(tmp_path, "truncated")
    with pytest.raises(BacpacFormatError, match=r"is truncated \(\d+ bytes\).*cut short"):
        import_package(str(truncated), server, "x")
    with pytest.raises(BacpacFormatError):
        inspect_package(str(truncated))
    tampered = _damaged(tmp_path, "model")
    with pytest.raises(InvalidInputError, match="does not match the checksum"):
        import_package(str(tampered), server, "x")
    report = inspect_package(str(tampered))
    assert report["checksum"]["verified"] is False
    assert report["checksum"]["stored"] != report["checksum"]["computed"]
    assert report["totals"]["rows"] == 111
    assert inspect_package(str(tampered), verify_checksum=False)["checksum"]["verified"] is None
    assert sorted(os.listdir(tmp_path)) == ["damaged.bacpac"]


# ---- cancel and progress ----------------------------------------------------------------------------

def test_cancelled_import_leaves_no_database_and_no_temp(tmp_path, server):
    package = put_vector(tmp_path, "unilinker-extracted")
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3                              # mid-load, after a few tables

    with pytest.raises(CancelledError, match="cancelled"):
        import_package(str(package), server, "uni", cancel=cancel)
    assert sorted(os.listdir(tmp_path)) == [package.name]


def test_failed_import_leaves_no_database_and_no_temp(tmp_path, server, monkeypatch):
    package = put_vector(tmp_path, "unilinker-extracted")
    from azext_bacpac import native
    from azext_bacpac.engines import sqlite_import

    def broken(self, rows):
        raise EngineError("injected failure")

    monkeypatch.setenv(native.ENVIRONMENT_SWITCH, "0")      # every row through the Python loader
    monkeypatch.setattr(sqlite_import._TableLoader, "insert", broken)
    with pytest.raises(EngineError, match="injected"):
        import_package(str(package), server, "uni")
    assert sorted(os.listdir(tmp_path)) == [package.name]


def test_failed_native_load_leaves_no_database_and_no_temp(tmp_path, server, monkeypatch):
    from azext_bacpac import native
    from azext_bacpac.engines import sqlite_native_import
    if native.module("_load") is None:
        pytest.skip("the native loader is not built")
    package = put_vector(tmp_path, "unilinker-extracted")
    loaded = []

    def broken(self, buf):
        if loaded:                                           # the second buffer: rows are in already
            raise EngineError("injected failure")
        loaded.append(1)
        return original(self, buf)

    original = sqlite_native_import.NativeTableLoad._load
    monkeypatch.setattr(sqlite_native_import.NativeTableLoad, "_load", broken)
    with pytest.raises(EngineError, match="injected"):
        import_package(str(package), server, "uni")
    assert loaded
    assert sorted(os.listdir(tmp_path)) == [package.name]


def test_cancelled_export_leaves_no_package(tmp_path, server):
    make_native(tmp_path)
    with pytest.raises(CancelledError, match="no BACPAC was written"):
        export_database(server, "shop", str(tmp_path / "c.bacpac"), cancel=lambda: True)
    assert sorted(os.listdir(tmp_path)) == ["shop.sqlite"]


def test_progress_reports_tables_rows_and_bytes(tmp_path, server):
    package = put_vector(tmp_path, "unilinker-extracted")
    events = []
    summary = import_package(str(package), server, "uni", progress=events.append)
    assert {"table", "tablesDone", "tablesTotal", "rows", "bytes", "rowsTotal", "bytesTotal"} <= set(events[0])
    assert events[-1]["tablesDone"] == events[-1]["tablesTotal"] == 9
    assert events[-1]["rows"] == events[-1]["rowsTotal"] == 341 == summary["rows"]
    assert events[-1]["bytes"] == events[-1]["bytesTotal"] == summary["bytes"]
    exported = []
    summary = export_database(server, "uni", str(tmp_path / "uni.bacpac"), progress=exported.append)
    assert exported[-1]["rows"] == exported[-1]["rowsTotal"] == 341
    assert [e["tablesDone"] for e in exported if e["phase"] == "data"][-1] == 9


# ---- inspect ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
def test_inspect_every_vector(tmp_path, name):
    report = inspect_package(str(put_vector(tmp_path, name)))
    with PackageReader(io.BytesIO(vector_bytes(name))) as reader:
        assert report["totals"]["rows"] == reader.origin.total_rows == report["totals"]["originRowTotal"]
        assert report["checksum"]["verified"] is True
        assert report["databaseName"] == reader.metadata.get("Name")
        assert report["producer"]["productName"].startswith("Microsoft.SqlServer.Dac")
        assert report["modelSchemaVersion"] == reader.model.attributes["SchemaVersion"]
        assert report["dspName"] == reader.model.attributes["DspName"]
        assert [t["name"] for t in report["tables"]] == [t.full_name for t in reader.tables]
        assert sum(t["dataBytes"] for t in report["tables"]) == report["totals"]["dataBytes"]


def test_inspect_reports_always_encrypted_keys(vectors):
    report = inspect_package(str(vector_path("ae-dacpac/threecolumns-encrypted.dacpac")))
    encrypted = report["alwaysEncrypted"]
    (master,) = encrypted["columnMasterKeys"]
    assert master["keyStoreProvider"] == "AZURE_KEY_VAULT" and master["keyPath"].startswith("https://")
    (key,) = encrypted["columnEncryptionKeys"]
    assert key["values"][0]["columnMasterKey"] == f"[{master['name']}]"
    columns = {(c["table"], c["column"]): c["encryptionType"] for c in encrypted["encryptedColumns"]}
    assert columns[("[dbo].[Patients]", "SSN")] == "Deterministic"
    assert columns[("[dbo].[Patients]", "BirthDate")] == "Randomized"
    assert all(c["columnEncryptionKey"] == f"[{key['name']}]" for c in encrypted["encryptedColumns"])
    assert report["containsData"] is False


# ---- computed columns and checks: created in SQLite, the stored model kept -------------------------

def test_computed_columns_and_checks_are_created_and_the_stored_model_kept(tmp_path, server):
    from azext_bacpac.format.model import CheckConstraint, Column, KeyConstraint, Model, Table
    from azext_bacpac.format.assembly import PackageWriter
    from azext_bacpac.format.sqltypes import SqlType
    model = Model()
    table = Table("dbo", "Lines", [Column("Id", SqlType("int"), nullable=False, identity=True),
                                   Column("Qty", SqlType("int"), nullable=False),
                                   Column("Double", None, computed_expression="([Qty]*(2))"),
                                   Column("Price", SqlType("decimal", precision=9, scale=2))])
    model.add(table)
    model.add(KeyConstraint("PRIMARY KEY", "[dbo].[Lines]", [("[dbo].[Lines].[Id]", True)], "[dbo].[PK_Lines]"))
    model.add(CheckConstraint("[dbo].[Lines]", "([Qty]>(0))", "[dbo].[CK_Lines_Qty]"))
    package = tmp_path / "lines.bacpac"
    with open(package, "wb") as handle, PackageWriter(handle, model, "lines") as writer:
        writer.write_table("dbo", "Lines", [(1, 3, decimal.Decimal("9.99")), (2, 1, None)])
    import_package(str(package), server, "lines")
    conn = connect(tmp_path, "lines")
    # the computed column is a generated column (no data of its own: table_info leaves it out)
    assert [r[1] for r in conn.execute("PRAGMA table_info(Lines)")] == ["Id", "Qty", "Price"]
    assert [(r[1], r[6]) for r in conn.execute("PRAGMA table_xinfo(Lines)")][2] == ("Double", 2)
    assert conn.execute("SELECT * FROM Lines").fetchall() == [(1, 3, 6, 9.99), (2, 1, 2, None)]
    with pytest.raises(sqlite3.IntegrityError, match="CK_Lines_Qty"):
        conn.execute("INSERT INTO Lines (Qty) VALUES (0)")
    conn.execute("INSERT INTO Lines (Qty) VALUES (5)")      # INTEGER PRIMARY KEY: the next identity value
    conn.commit()
    assert conn.execute("SELECT Double FROM Lines WHERE Qty = 5").fetchone() == (10,)
    assert conn.execute("SELECT Id FROM Lines WHERE Qty = 5").fetchone() == (3,)
    export_database(server, "lines", str(tmp_path / "again.bacpac"))
    with PackageReader(str(package)) as one, PackageReader(str(tmp_path / "again.bacpac")) as two:
        assert two.model_bytes == one.model_bytes
        assert [c.computed_expression for c in two.model.table("dbo", "Lines").columns] == [
            None, None, "([Qty]*(2))", None]
        assert [c.expression for c in two.model.checks] == ["([Qty]>(0))"]
        assert list(two.rows(two.tables[0]))[-1] == (3, 5, None)


def test_import_pattern_that_matches_nothing(tmp_path, server):
    with pytest.raises(InvalidInputError, match=r"'Nope' matches no table; tables: dbo\.Admin"):
        import_package(str(put_vector(tmp_path, "gamerental-extracted")), server, "g", tables=["Nope"])
    assert not (tmp_path / "g.sqlite").exists() and leftovers(tmp_path) == []


def test_indexes_filters_and_foreign_keys_sqlite_cannot_honour_become_warnings(tmp_path, server):
    from azext_bacpac.format.model import Column, ForeignKey, Index, KeyConstraint, Model, Table
    from azext_bacpac.format.assembly import PackageWriter
    from azext_bacpac.format.sqltypes import SqlType
    model = Model()
    model.add(Table("dbo", "Parent", [Column("Id", SqlType("int"), nullable=False)]))
    model.add(Table("dbo", "Child", [Column("Id", SqlType("int"), nullable=False), Column("ParentId", SqlType("int")),
                                     Column("Name", SqlType("nvarchar", 10))]))
    model.add(KeyConstraint("PRIMARY KEY", "[dbo].[Parent]", [("[dbo].[Parent].[Id]", True)], "[dbo].[PK_Parent]"))
    model.add(ForeignKey("[dbo].[Child]", ["[dbo].[Child].[ParentId]"], "[dbo].[Parent]", ["[dbo].[Parent].[Id]"],
                         "[dbo].[FK_Child_Parent]"))
    model.add(Index("[dbo].[Child].[IX_Name]", "[dbo].[Child]", [("[dbo].[Child].[Name]", True)], unique=True,
                    filter="([Name] IS NOT NULL)"))
    model.add(Index("[dbo].[Child].[IX_Odd]", "[dbo].[Child]", [("[dbo].[Child].[Name]", False)], unique=True,
                    filter="([Name]<>N'')"))
    package = tmp_path / "fk.bacpac"
    with open(package, "wb") as handle, PackageWriter(handle, model, "fk") as writer:
        writer.write_table("dbo", "Parent", [(1,)])
        writer.write_table("dbo", "Child", [(1, 1, "a"), (2, 9, None), (3, None, None)])
    summary = import_package(str(package), server, "fk")
    assert any("1 row(s) of 'Child' refer to rows missing from 'Parent'" in w for w in summary["warnings"])
    sql = dict(connect(tmp_path, "fk").execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    # T-SQL filters are translated for SQLite (sqlglot), so both keep their filter
    assert sql["IX_Name"].endswith('WHERE (NOT "Name" IS NULL)')
    assert sql["IX_Odd"].endswith("WHERE (\"Name\" <> '')")
    assert not any("IX_Odd" in w or "IX_Name" in w for w in summary["warnings"])
    export_database(server, "fk", str(tmp_path / "again.bacpac"))
    with PackageReader(str(package)) as one, PackageReader(str(tmp_path / "again.bacpac")) as two:
        assert two.model_bytes == one.model_bytes and table_bytes(two) == table_bytes(one)


def test_keys_on_computed_columns_stay_in_the_stored_model_and_indexes_are_created(tmp_path, server):
    from azext_bacpac.format.model import Column, Index, KeyConstraint, Model, Table
    from azext_bacpac.format.assembly import PackageWriter
    from azext_bacpac.format.sqltypes import SqlType
    model = Model()
    model.add(Table("dbo", "T", [Column("A", SqlType("int"), nullable=False),
                                 Column("B", None, computed_expression="([A]+(1))", persisted=True)]))
    model.add(KeyConstraint("PRIMARY KEY", "[dbo].[T]", [("[dbo].[T].[B]", True)], "[dbo].[PK_T]"))
    model.add(Index("[dbo].[T].[IX_B]", "[dbo].[T]", [("[dbo].[T].[B]", True)]))
    package = tmp_path / "t.bacpac"
    with open(package, "wb") as handle, PackageWriter(handle, model, "t") as writer:
        writer.write_table("dbo", "T", [(1,), (2,)])
    summary = import_package(str(package), server, "t")
    # SQLite has no primary key on a generated column; an index on one it has
    assert [w for w in summary["warnings"] if "computed column(s) B" in w] == [
        "primary key [dbo].[PK_T] was not created in SQLite: it uses computed column(s) B of [dbo].[T]; the "
        "package's definition is kept"]
    conn = connect(tmp_path, "t")
    assert conn.execute("SELECT A, B FROM T ORDER BY A").fetchall() == [(1, 2), (2, 3)]
    assert conn.execute("SELECT name FROM pragma_index_list('T')").fetchall() == [("IX_B",)]
    conn.close()
    export_database(server, "t", str(tmp_path / "again.bacpac"))
    with PackageReader(str(package)) as one, PackageReader(str(tmp_path / "again.bacpac")) as two:
        assert two.model_bytes == one.model_bytes and table_bytes(two) == table_bytes(one)
