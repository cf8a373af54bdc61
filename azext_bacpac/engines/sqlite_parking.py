"""Building a database of many tables at a cost linear in their number.

SQLite pays for each schema change in proportion to the schema it holds in memory: every DDL
statement's schema-cookie update walks all tables (to clear the foreign-key trigger cache), and the
schema's hash tables stop growing at 64 buckets, so each name lookup compares against 1/64 of all
names. Creating n tables one after another is O(n^2): 50,000 one-row tables took 6.5 minutes to
import (and the sqlite3 shell 4 minutes to restore their .dump).

While an import builds its new file (nobody else can see it: an exclusive lock, no journal, and
the file is deleted if the build stops), the sqlite_master rows of the tables not being worked on
are *parked*: moved out of sqlite_master into memory (PRAGMA writable_schema), and the in-memory
schema read again (writable_schema = RESET), so that it holds only what was there before and the
table at hand. At the end every row goes back, tables in creation order and then explicit indexes
(the order a plain build leaves), and the schema is read once. Where SQLite refuses writes to
sqlite_master (SQLITE_DBCONFIG_DEFENSIVE), nothing is parked: the build is correct, only slower.
"""
import sqlite3

BATCH = 64            # DDL statements between two parkings: a live schema of at most this many tables

_COLUMNS = "type, name, tbl_name, rootpage, sql"
_PARKED = "temp.__bacpac_parked"
# SQLite's own tables (sqlite_sequence, sqlite_stat1) stay: statements on user tables update them.
_MOVABLE = "rowid > ? AND tbl_name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"


class SchemaParking:
    """Parks the sqlite_master rows created after it was made (see the module docstring)."""

    def __init__(self, conn):
        self.conn = conn
        self.base = conn.execute("SELECT coalesce(max(rowid), 0) FROM sqlite_master").fetchone()[0]
        self.enabled = self._writable()
        if self.enabled:
            # "ord" keeps each row's place in creation order while it comes and goes.
            conn.execute(f"CREATE TEMP TABLE {_PARKED} (ord INTEGER PRIMARY KEY, {_COLUMNS})")
            conn.execute(f"CREATE INDEX {_PARKED}_by_table ON {_PARKED.split('.')[1]} (tbl_name)")
        self._next = 0
        self._live = {}           # name -> ord of the rows brought back (they keep their place)
        self._pending = 0
        self.parkings = 0         # how often the schema was read again (tests count them)

    def _writable(self):
        try:
            self.conn.execute("PRAGMA writable_schema = ON")
            self.conn.execute("DELETE FROM sqlite_master WHERE 0")
            return True
        except sqlite3.Error:     # defensive mode: "table sqlite_master may not be modified"
            return False
        finally:
            self.conn.execute("PRAGMA writable_schema = RESET")

    def created(self):
        """Call after each DDL statement: every BATCH of them, the new rows are parked."""
        self._pending += 1
        if self._pending >= BATCH:
            self.park()

    def park(self):
        """Move every movable row out of sqlite_master."""
        self._pending = 0
        if not self.enabled:
            return
        self.conn.execute("PRAGMA writable_schema = ON")
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM main.sqlite_master WHERE {_MOVABLE} ORDER BY rowid",
                                 (self.base,)).fetchall()
        if not rows:
            self.conn.execute("PRAGMA writable_schema = OFF")
            return
        self.conn.execute(f"DELETE FROM main.sqlite_master WHERE {_MOVABLE}", (self.base,))
        parked = []
        for row in rows:
            order = self._live.pop(row[1], None)
            if order is None:
                order, self._next = self._next, self._next + 1
            parked.append((order, *row))
        self.conn.executemany(f"INSERT INTO {_PARKED} VALUES (?, ?, ?, ?, ?, ?)", parked)
        self.conn.execute("PRAGMA writable_schema = RESET")
        self.parkings += 1

    def live(self, table_name):
        """Make `table_name` (with its indexes) the only parked-or-new table SQLite sees."""
        if not self.enabled:
            return
        self.park()
        rows = self.conn.execute(f"SELECT ord, {_COLUMNS} FROM {_PARKED} WHERE tbl_name = ? ORDER BY ord",
                                 (table_name,)).fetchall()
        if not rows:
            return
        self.conn.execute(f"DELETE FROM {_PARKED} WHERE tbl_name = ?", (table_name,))
        for row in rows:
            self._live[row[2]] = row[0]
        self._insert("VALUES (?, ?, ?, ?, ?)", [row[1:] for row in rows])

    def parked_rows(self, where):
        """(type, name, tbl_name, sql) of the parked rows matching `where` (SQL over those columns)."""
        if not self.enabled:
            return []
        self.park()
        return self.conn.execute(f"SELECT type, name, tbl_name, sql FROM {_PARKED} WHERE {where} ORDER BY ord")

    def restore(self):
        """Every parked row back into sqlite_master; parking ends."""
        if not self.enabled:
            return
        self.park()
        # Tables (each followed by its automatic indexes), then the explicit indexes: creation order.
        self._insert(f"SELECT {_COLUMNS} FROM {_PARKED} "
                     f"ORDER BY type = 'index' AND sql IS NOT NULL, ord")
        self.conn.execute(f"DROP TABLE {_PARKED}")
        self._live = {}
        self.enabled = False

    def _insert(self, rows_sql, rows=None):
        self.conn.execute("PRAGMA writable_schema = ON")
        sql = f"INSERT INTO main.sqlite_master ({_COLUMNS}) {rows_sql}"
        if rows is None:
            self.conn.execute(sql)
        else:
            self.conn.executemany(sql, rows)
        self.conn.execute("PRAGMA writable_schema = RESET")
