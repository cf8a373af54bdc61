"""A live peer for every registered engine: what the contract suite (test_contract.py) runs against.

An engine added under azext_bacpac/engines/ registers itself; the contract suite then fails with
"no peer" until a peer is added here: a function of tmp_path returning a Peer with a real database
(or the engine's strict test double) that holds the rows described.
"""
import sqlite3
from dataclasses import dataclass, field


@dataclass
class Peer:
    server: str                    # the --server value
    database: str                  # a database that holds `rows`
    rows: dict                     # full table name -> row count
    engine_options: dict = field(default_factory=dict)
    same_target: tuple = ()        # (server, database) spellings that name `database` too
    other_target: tuple = ()       # a (server, database) that names another database
    held_rows: object = None       # database name -> {full table name: rows it holds}, read independently
    # False where the peer cannot read back what was imported (a double answering catalog queries from
    # recorded result sets); the re-export step of the round trip then runs against real servers only.
    reads_back_imports: bool = True


def sqlite_peer(tmp_path):
    folder = tmp_path / "dbs"
    folder.mkdir()
    conn = sqlite3.connect(folder / "shop.sqlite")
    conn.executescript("""
        CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
                             total REAL, placed TEXT);
        CREATE INDEX orders_by_customer ON orders(customer_id);
    """)
    conn.executemany("INSERT INTO customers VALUES (?, ?, ?)",
                     [(i, f"customer {i}", None if i % 3 else f"c{i}@example.com") for i in range(1, 41)])
    conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)",
                     [(i, 1 + i % 40, i * 1.25, f"2024-01-{1 + i % 28:02d}") for i in range(1, 301)])
    conn.commit()
    conn.close()
    server = f"sqlite:///{folder}"

    def held_rows(database):
        with sqlite3.connect(folder / f"{database}.sqlite") as check:
            return {f"[dbo].[{name}]": check.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                    for name in ("customers", "orders")}
    return Peer(server=server, database="shop", rows={"[dbo].[customers]": 40, "[dbo].[orders]": 300},
                same_target=(f"sqlite:///{folder}/../dbs", "shop"), other_target=(server, "shop2"),
                held_rows=held_rows)


def sqlserver_peer(tmp_path):
    """The strict double of SQL Server (tests/engines/sqlserver/fakedb.py and fakerules.py), which
    refuses what the real server refuses; tests/engines/sqlserver/test_live.py runs a real one."""
    del tmp_path
    from .sqlserver.fakedb import FakeBulkCopy, FakeServer
    from .sqlserver.recorded import shop
    fake = FakeServer()
    database = shop()
    fake.add(database)
    options = dict(user="sqladmin", password="Pa55w0rd!secret", poll_seconds=0, connect=fake.connect,
                   bulk_copy_factory=lambda settings, name, plan: FakeBulkCopy(fake, settings, name, plan))
    rows = {name: len(entry[1]) for name, entry in database.tables.items()}

    def held_rows(name):
        return {table: fake.databases[name].held_rows(table) for table in rows}
    return Peer(server="shopserver", database=database.name, rows=rows, engine_options=options,
                same_target=("tcp:SHOPSERVER.database.windows.net,1433", database.name.upper()),
                other_target=("shopserver,1434", database.name), held_rows=held_rows, reads_back_imports=False)


PEERS = {"sqlite": sqlite_peer, "sqlserver": sqlserver_peer}
