"""SQLite -> BACPAC -> SQLite through the real az parser (issue 14, item 6): the same tables and columns,
the same declared type for each column, the same typeof() and value for each cell (text byte for byte,
date/time text in its own form), the same constraints, indexes and views. The database holds every
kind of column the issue names."""
import sqlite3

import pytest

from azext_bacpac.format.package import PackageReader

SCHEMA = """
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  guid CHAR(36) NOT NULL UNIQUE,
  name TEXT NOT NULL CHECK (length(name) > 0),
  email VARCHAR(50),
  balance NUMERIC,
  price DECIMAL(10, 2) CHECK (price >= 0),
  fee MONEY,
  ratio REAL,
  small FLOAT(24),
  big INTEGER,
  photo BLOB,
  loose,
  mixed INTEGER,
  born DATE,
  created DATETIME DEFAULT CURRENT_TIMESTAMP,
  seen DATETIME,
  js TIMESTAMP,
  py DATETIME,
  at TIME,
  active BOOLEAN NOT NULL DEFAULT 1,
  total REAL GENERATED ALWAYS AS (price * 2) STORED,
  label GENERATED ALWAYS AS (name || ' <' || coalesce(email, '') || '>') VIRTUAL,
  CONSTRAINT ck_dates CHECK (seen IS NULL OR seen >= born)
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  qty INT NOT NULL DEFAULT 1 CHECK (qty > 0),
  note TEXT
);
CREATE INDEX ix_orders_customer ON orders(customer_id);
CREATE UNIQUE INDEX ux_customers_email ON customers(email) WHERE email IS NOT NULL;
CREATE INDEX ix_customers_ratio ON customers(ratio DESC) WHERE ratio > 0.5;
CREATE VIEW rich AS SELECT c.id, c.name, c.balance, count(o.id) AS orders FROM customers c
  LEFT JOIN orders o ON o.customer_id = c.id WHERE c.balance > 100 GROUP BY c.id, c.name, c.balance;
CREATE VIEW names AS SELECT name || ' (' || id || ')' AS shown FROM customers ORDER BY name;
"""
COLUMNS = ("id, guid, name, email, balance, price, fee, ratio, small, big, photo, loose, mixed, born, created, seen, "
           "js, py, at, active")
CUSTOMERS = [
    (1, "00112233-4455-6677-8899-aabbccddeeff", "Zoë Ångström", "z@x.io", 14677.5, 12.5, 3.25, 0.75, 0.1, 2 ** 40,
     b"\x00\x01", 1, 7, "2020-01-01", "2024-02-20 02:03:42", "2024-02-20T02:03:42.123", "2024-02-20T02:03:42.123Z",
     "2024-02-20 02:03:42.123000", "10:30", 1),
    (2, "00112233-4455-6677-8899-aabbccddeef0", "李", None, 3, 0, 0, 2.0, 0.25, -5, None, "text", "seven",
     "2021-06-30", "2024-02-21 00:00:00", "2024-02-21T00:00:00.000", "2024-02-21T00:00:00.000Z",
     "2024-02-21 00:00:00", "23:59", 0),
    (3, "00112233-4455-6677-8899-aabbccddeef1", "O'Brien", "ob@x.io", None, 99999999.99, 92233720368.5477, None,
     None, None, b"", 2.5, None, None, None, None, None, None, None, 1),
    (4, "00112233-4455-6677-8899-aabbccddeef2", "Ann", "a@x.io", 1e-05, 1, 1.5, -0.0, 1.0, 0, b"\xff",
     b"\x01\x02", 3.5, "1999-12-31", "2000-01-01 12:00:00", "1999-12-31T23:59:59.999", "1999-12-31T23:59:59.999Z",
     "2000-01-01 00:00:00.500000", "00:00", 1),
]
ORDERS = [(1, 1, 2, "x"), (2, 1, 1, None), (3, 2, 5, "é")]
# Writes each check, the partial unique index and the foreign key refuse (and one they allow).
REFUSED = ['UPDATE customers SET price = -1 WHERE id = 1', "UPDATE customers SET name = '' WHERE id = 1",
           "UPDATE customers SET seen = '1900-01-01' WHERE id = 1", 'UPDATE orders SET qty = 0 WHERE id = 1',
           "UPDATE customers SET email = 'a@x.io' WHERE id = 1",
           "INSERT INTO orders (customer_id) VALUES (99)"]
ALLOWED = "UPDATE customers SET email = NULL WHERE id IN (1, 4)"


def _database(path):
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    conn.executemany(f"INSERT INTO customers ({COLUMNS}) VALUES ({', '.join('?' * 20)})", CUSTOMERS)
    conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", ORDERS)
    conn.commit()
    conn.close()


def _shape(conn):
    """Tables and views, their columns (name, declared type, NOT NULL or key, default?, hidden: generated),
    foreign keys, indexes (unique, origin, partial, key columns) and the number of CHECKs."""
    shape = {}
    for name, kind, sql in conn.execute("SELECT name, type, sql FROM sqlite_master WHERE type IN ('table', 'view') "
                                        "AND name NOT LIKE '\\_\\_bacpac%' ESCAPE '\\' ORDER BY name"):
        columns = [(c, t, bool(notnull) or bool(pk), default is not None, hidden) for _, c, t, notnull, default, pk,
                   hidden in conn.execute("SELECT * FROM pragma_table_xinfo(?)", (name,))]
        keys = sorted(tuple(r[2:]) for r in conn.execute("SELECT * FROM pragma_foreign_key_list(?)", (name,)))
        indexes = sorted((i[1] if i[3] == "c" else "", i[2], i[3], i[4], tuple(
            (x[2], x[3]) for x in conn.execute("SELECT * FROM pragma_index_xinfo(?)", (i[1],)) if x[5]))
            for i in conn.execute("SELECT * FROM pragma_index_list(?)", (name,)))
        shape[name] = (kind, columns, keys, indexes, sql.upper().count("CHECK ("))
    return shape


def _cells(conn, name):
    columns = [c for (c,) in conn.execute("SELECT name FROM pragma_table_xinfo(?)", (name,))]
    select = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
    return conn.execute(f'SELECT {select} FROM "{name}"').fetchall()


def _outcomes(path):
    """What each write of REFUSED does (the error's kind), on a scratch copy of the database."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    found = []
    try:
        for statement in REFUSED:
            try:
                conn.execute(statement)
                found.append("written")
            except sqlite3.IntegrityError as error:
                found.append(str(error).split(":")[0])
        conn.execute(ALLOWED)
        found.append(conn.total_changes)
    finally:
        conn.rollback()
        conn.close()
    return found


def test_sqlite_bacpac_sqlite_gives_the_same_database(az, tmp_path):
    _database(tmp_path / "shop.sqlite")
    server = f"sqlite:///{tmp_path}"
    package = tmp_path / "shop.bacpac"
    result = az("sql", "db", "bacpac", "export", "-s", server, "-n", "shop", "--storage-uri", package)
    assert result.exit_code == 0, result
    # what SQL Server cannot hold as declared is named (the copy has it as it was)
    assert [line for line in result.stderr.splitlines() if line.startswith("WARNING") and "preview" not in line] == [
        "WARNING: table 'customers': column 'small' is declared FLOAT(24), but SQLite holds its numbers as 8-byte "
        "REALs, which real (4 bytes) would round; exported as float",
        "WARNING: table 'customers': column 'mixed' is declared INTEGER, but it holds real and text values; "
        "exported as sql_variant"]
    result = az("sql", "db", "bacpac", "import", "-s", server, "-n", "copy", "--storage-uri", package)
    assert result.exit_code == 0, result
    assert "not created" not in result.stderr                   # everything became SQLite again

    source, copy = sqlite3.connect(tmp_path / "shop.sqlite"), sqlite3.connect(tmp_path / "copy.sqlite")
    shape = _shape(source)
    assert _shape(copy) == shape
    assert set(shape) == {"customers", "orders", "rich", "names"}
    assert (shape["customers"][4], shape["orders"][4]) == (3, 1)                               # CHECKs
    for name in shape:
        assert _cells(copy, name) == _cells(source, name), name
    # text byte for byte: lower-case GUIDs, date/time text in the form each column had
    assert copy.execute("SELECT guid, seen, js, py, at FROM customers WHERE id = 2").fetchone() == (
        "00112233-4455-6677-8899-aabbccddeef0", "2024-02-21T00:00:00.000", "2024-02-21T00:00:00.000Z",
        "2024-02-21 00:00:00", "23:59")
    assert copy.execute("SELECT small FROM customers WHERE id = 1").fetchone() == (0.1,)        # FLOAT(24)
    source.close()
    copy.close()
    assert _outcomes(tmp_path / "copy.sqlite") == _outcomes(tmp_path / "shop.sqlite") == [
        "CHECK constraint failed", "CHECK constraint failed", "CHECK constraint failed", "CHECK constraint failed",
        "UNIQUE constraint failed", "FOREIGN KEY constraint failed", 2]


def test_the_package_carries_sqlite_facts_as_extended_properties(az, tmp_path):
    """What SQL Server sees: the checks, the computed columns, the views, and extended properties on the
    columns whose SQLite type or date/time text an import would not give back by itself."""
    _database(tmp_path / "shop.sqlite")
    package = tmp_path / "shop.bacpac"
    assert az("sql", "db", "bacpac", "export", "-s", f"sqlite:///{tmp_path}", "-n", "shop", "--storage-uri",
              package).exit_code == 0
    with PackageReader(str(package)) as reader:
        model = reader.model
        text = reader.model_bytes.decode("utf-8-sig")
    assert sorted(c.expression for c in model.checks) == [
        "LEN([name]) > 0", "[price] >= 0", "[qty] > 0", "[seen] IS NULL OR [seen] >= [born]"]
    customers = model.table("dbo", "customers")
    assert [(c.name, c.computed_expression, c.persisted) for c in customers.columns if c.is_computed] == [
        ("total", "[price] * 2", True), ("label", "[name] + ' <' + COALESCE([email], '') + '>'", False)]
    assert sorted(m.name for m in model.modules) == ["[dbo].[names]", "[dbo].[rich]"]
    assert [i.filter for i in model.indexes if i.filter] == ["NOT [email] IS NULL", "[ratio] > 0.5"]
    for expected in ('<Element Type="SqlExtendedProperty" Name="[SqlColumn].[dbo].[customers].[seen].'
                     '[SQLite_DateTimeFormat]">',
                     "<Value><![CDATA[N'yyyy-MM-dd''T''HH:mm:ss.fff']]></Value>",
                     "<Value><![CDATA[N'yyyy-MM-dd HH:mm:ss[.ffffff]']]></Value>",
                     '<Element Type="SqlExtendedProperty" Name="[SqlColumn].[dbo].[customers].[small].'
                     '[SQLite_DeclaredType]">',
                     '<Relationship Name="CheckExpressionDependencies">',
                     '<References Name="[dbo].[customers].[seen]" />'):
        assert expected in text, expected


@pytest.mark.parametrize("column, values", [("seen", ["2024-01-01 10:00:00", "2024-01-01T10:00:00"])])
def test_a_column_with_two_text_forms_is_named(az, tmp_path, column, values):
    conn = sqlite3.connect(tmp_path / "two.sqlite")
    conn.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {column} DATETIME)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values, 1)))
    conn.commit()
    conn.close()
    result = az("sql", "db", "bacpac", "export", "-s", f"sqlite:///{tmp_path}", "-n", "two", "--storage-uri",
                tmp_path / "two.bacpac")
    assert result.exit_code == 0, result
    assert (f"table 't': column '{column}': its values are written in more than one date/time text form; the copy "
            f"writes them as ") in result.stderr
