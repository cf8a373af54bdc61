#!/usr/bin/env python3
"""Create a sample SQLite database for the quickstart and the tests.

    python scripts/make_sample_db.py out/data/sales.sqlite [--scale 1.0] [--seed 7]

Deterministic (a seeded generator) and varied: integers up to 2**40, decimals, reals, text with
non-ASCII characters (accents, Greek, CJK, an emoji outside the BMP), empty strings, dates and
date-times, GUIDs as text, blobs (empty ones too), NULLs in every nullable column, a composite
primary key, foreign keys, a unique constraint and indexes. About 10,000 rows at --scale 1.
"""

import argparse
import os
import random
import sqlite3
import sys
import uuid
from datetime import date, datetime, timedelta

SCHEMA = """
CREATE TABLE customers (
    customer_id     INTEGER PRIMARY KEY,
    name            NVARCHAR(100) NOT NULL,
    email           VARCHAR(200),
    balance         DECIMAL(12, 2),
    loyalty_points  BIGINT,
    signup_date     DATE,
    external_id     CHAR(36),
    avatar          BLOB,
    notes           TEXT
);
CREATE TABLE products (
    product_id      INTEGER PRIMARY KEY,
    sku             VARCHAR(20) NOT NULL UNIQUE,
    title           NVARCHAR(200),
    price           NUMERIC(10, 2) NOT NULL,
    weight_kg       REAL,
    active          BOOLEAN NOT NULL DEFAULT 1
);
CREATE TABLE orders (
    order_id        INTEGER PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customers(customer_id),
    ordered_at      DATETIME NOT NULL,
    total           DECIMAL(12, 2),
    discount        REAL,
    comment         NVARCHAR(400)
);
CREATE INDEX ix_orders_customer ON orders(customer_id);
CREATE TABLE order_lines (
    order_id        INTEGER NOT NULL REFERENCES orders(order_id),
    line_no         INTEGER NOT NULL,
    product_id      INTEGER REFERENCES products(product_id),
    quantity        INTEGER NOT NULL,
    unit_price      DECIMAL(10, 2) NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
CREATE INDEX ix_order_lines_product ON order_lines(product_id);
"""

FIRST = ['Anna', 'Zoë', 'Łukasz', 'José', 'François', 'Søren', 'Ångström', 'Mika', 'Νίκος', 'Иван',
         '李', '佐藤', 'Ayşe', 'Đorđe', 'Siobhán', "O'Brien", 'Renée', 'Jürgen', 'Chloé', 'Pelé']
LAST = ['Müller', 'Nowak', 'García', 'Dubois', 'Ødegaard', 'Smith', 'Παπαδόπουλος', 'Иванов',
        '王', '山田', 'Yılmaz', 'Nguyễn', 'Kowalczyk', 'Żółć', 'Brontë', 'Núñez']
WORDS = ['café', 'naïve', 'smörgåsbord', 'über', 'straße', 'résumé', 'piñata', '北京', '東京',
         'Ελλάδα', 'Москва', 'emoji 😀', 'tab\there', 'line\nbreak', 'quote "x"', "apostrophe '", '']


def _money(rng, high):
    """A random amount with two decimals, as text ('1234.05'), between 0 and `high`."""
    cents = rng.randint(0, high * 100)
    return '{}.{:02d}'.format(cents // 100, cents % 100)


def build(path, scale=1.0, seed=7):
    rng = random.Random(seed)
    if os.path.exists(path):
        os.remove(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    n_customers, n_products, n_orders = int(1000 * scale), int(200 * scale), int(3000 * scale)
    connection = sqlite3.connect(path)
    try:
        connection.executescript(SCHEMA)
        start = date(2015, 1, 1)
        customers = []
        for i in range(1, n_customers + 1):
            name = '{} {}'.format(rng.choice(FIRST), rng.choice(LAST))
            customers.append((
                i,
                name,
                None if i % 7 == 0 else 'user{}@example.com'.format(i),
                None if i % 11 == 0 else float(_money(rng, 99999)) * (-1 if i % 13 == 0 else 1),
                None if i % 17 == 0 else rng.randint(-2 ** 40, 2 ** 40),
                None if i % 19 == 0 else (start + timedelta(days=rng.randint(0, 3650))).isoformat(),
                None if i % 23 == 0 else str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper(),
                None if i % 5 == 0 else bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64))),
                None if i % 3 else ' '.join(rng.choice(WORDS) for _ in range(rng.randint(0, 6))),
            ))
        connection.executemany('INSERT INTO customers VALUES (?,?,?,?,?,?,?,?,?)', customers)

        products = []
        for i in range(1, n_products + 1):
            products.append((
                i,
                'SKU-{:05d}'.format(i),
                None if i % 29 == 0 else '{} {}'.format(rng.choice(WORDS), rng.choice(WORDS)).strip(),
                float(_money(rng, 5000)),
                None if i % 9 == 0 else round(rng.uniform(0.01, 80.0), 3),
                1 if i % 4 else 0,
            ))
        connection.executemany('INSERT INTO products VALUES (?,?,?,?,?,?)', products)

        orders, lines = [], []
        epoch = datetime(2020, 1, 1)
        for i in range(1, n_orders + 1):
            moment = epoch + timedelta(seconds=rng.randint(0, 5 * 365 * 86400))
            orders.append((
                i,
                rng.randint(1, n_customers),
                moment.strftime('%Y-%m-%d %H:%M:%S'),
                None if i % 31 == 0 else float(_money(rng, 20000)),
                None if i % 2 else round(rng.choice([0.05, 0.1, 0.15, 0.2, 0.333]), 3),
                None if i % 4 else rng.choice(WORDS),
            ))
            for line_no in range(1, rng.randint(1, 3) + 1):
                lines.append((i, line_no, None if (i + line_no) % 37 == 0 else rng.randint(1, n_products),
                              rng.randint(1, 20), float(_money(rng, 900))))
        connection.executemany('INSERT INTO orders VALUES (?,?,?,?,?,?)', orders)
        connection.executemany('INSERT INTO order_lines VALUES (?,?,?,?,?)', lines)
        connection.commit()
        counts = {t: connection.execute('SELECT COUNT(*) FROM ' + t).fetchone()[0]
                  for t in ('customers', 'products', 'orders', 'order_lines')}
    finally:
        connection.close()
    return counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('path', help='the SQLite file to create (replaced if it exists)')
    parser.add_argument('--scale', type=float, default=1.0, help='multiply the row counts (default 1)')
    parser.add_argument('--seed', type=int, default=7, help='random seed (default 7)')
    options = parser.parse_args(argv)
    counts = build(options.path, options.scale, options.seed)
    print('{}: {} rows ({})'.format(options.path, sum(counts.values()),
                                    ', '.join('{} {}'.format(k, v) for k, v in counts.items())))
    return 0


if __name__ == '__main__':
    sys.exit(main())
