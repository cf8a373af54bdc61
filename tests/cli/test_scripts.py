"""The helper scripts the README promises: the sample database and the comparison."""

import sqlite3
import subprocess
import sys

import compare_dbs
import make_sample_db

from .conftest import SCRIPTS


def test_sample_database_is_varied_and_deterministic(tmp_path):
    counts = make_sample_db.build(str(tmp_path / 'a.sqlite'), scale=0.1, seed=5)
    assert set(counts) == {'customers', 'products', 'orders', 'order_lines'} and all(counts.values())
    make_sample_db.build(str(tmp_path / 'b.sqlite'), scale=0.1, seed=5)
    assert compare_dbs.compare(str(tmp_path / 'a.sqlite'), str(tmp_path / 'b.sqlite')) == ([], [])
    connection = sqlite3.connect(str(tmp_path / 'a.sqlite'))
    try:
        types = {row[0] for row in connection.execute(
            'SELECT typeof(balance) FROM customers UNION SELECT typeof(avatar) FROM customers '
            'UNION SELECT typeof(loyalty_points) FROM customers UNION SELECT typeof(name) FROM customers')}
        assert types == {'real', 'blob', 'integer', 'text', 'null'}
        names = ''.join(r[0] for r in connection.execute('SELECT name FROM customers'))
        assert any(ord(ch) > 127 for ch in names)
        assert connection.execute('PRAGMA foreign_key_list(orders)').fetchall()
        assert connection.execute('PRAGMA index_list(orders)').fetchall()
    finally:
        connection.close()


def test_compare_finds_differences(tmp_path):
    make_sample_db.build(str(tmp_path / 'a.sqlite'), scale=0.05, seed=1)
    make_sample_db.build(str(tmp_path / 'b.sqlite'), scale=0.05, seed=1)
    connection = sqlite3.connect(str(tmp_path / 'b.sqlite'))
    connection.execute("UPDATE customers SET name = name || 'x' WHERE customer_id = 3")
    connection.execute("UPDATE products SET weight_kg = 1 WHERE product_id = 1")          # REAL -> INTEGER
    connection.execute("UPDATE orders SET total = CAST(total AS TEXT) || '0' WHERE order_id = 1")  # same decimal
    connection.execute('DELETE FROM order_lines WHERE rowid = 1')
    connection.commit()
    connection.close()
    problems, notes = compare_dbs.compare(str(tmp_path / 'a.sqlite'), str(tmp_path / 'b.sqlite'))
    assert any('customers row 3 column name' in p for p in problems)
    assert any('products row 1 column weight_kg' in p for p in problems)
    assert any(p.startswith('order_lines:') and 'rows' in p for p in problems)
    assert not any(p.startswith('orders') for p in problems)


def test_compare_script_exit_codes(tmp_path):
    make_sample_db.build(str(tmp_path / 'a.sqlite'), scale=0.05)
    make_sample_db.build(str(tmp_path / 'b.sqlite'), scale=0.05, seed=99)
    same = subprocess.run([sys.executable, str(SCRIPTS / 'compare_dbs.py'), str(tmp_path / 'a.sqlite'),
                           str(tmp_path / 'a.sqlite')], capture_output=True, text=True)
    assert same.returncode == 0 and 'MATCH' in same.stdout
    different = subprocess.run([sys.executable, str(SCRIPTS / 'compare_dbs.py'), str(tmp_path / 'a.sqlite'),
                                str(tmp_path / 'b.sqlite')], capture_output=True, text=True)
    assert different.returncode == 1 and 'MISMATCH' in different.stdout
