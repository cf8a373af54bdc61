#!/usr/bin/env python3
"""Compare two SQLite databases: the same tables, columns, row counts and every value.

    python scripts/compare_dbs.py source.sqlite copy.sqlite [--tables t1 t2 ...]

Values must be equal and of the same Python type (an integer 1 is not the REAL 1.0), with one
exception: in a column declared DECIMAL/NUMERIC/MONEY, SQLite stores what it can as a REAL while the
imported copy keeps the exact decimal as text with the column's scale ('38915.90'); such values are
compared as decimal numbers (38915.9 == '38915.90'), and counted in a note. Rows are matched in
primary-key order (all columns when a table has none). Foreign keys and indexes that differ are
reported as notes. Exit code 0 when the data match, 1 otherwise.
"""

import argparse
import decimal
import re
import sqlite3
import sys

_DECIMAL_TYPE = re.compile(r'\b(DEC|DECIMAL|NUMERIC|MONEY|SMALLMONEY)\b', re.IGNORECASE)


def _tables(connection):
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [r[0] for r in rows]


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def _columns(connection, table):
    """[(name, primary-key position, declared type)] of a table."""
    return [(r[1], r[5], r[2] or '') for r in connection.execute('PRAGMA table_info({})'.format(_quote(table)))]


def _as_decimal(value):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return decimal.Decimal(repr(value) if isinstance(value, float) else value)
    except decimal.InvalidOperation:
        return None


def same_value(a, b, declared_type=''):
    """(equal, how): exact equality of value and type; in decimal columns, equality as decimals."""
    if type(a) is type(b) and a == b:
        return True, 'exact'
    if _DECIMAL_TYPE.search(declared_type):
        left, right = _as_decimal(a), _as_decimal(b)
        if left is not None and right is not None and left == right:
            return True, 'decimal'
    return False, None


def _order_by(columns):
    keys = [c[0] for c in sorted(columns, key=lambda c: c[1]) if c[1]] or [c[0] for c in columns]
    return ', '.join(_quote(k) for k in keys)


def _shape(connection, table):
    fks = sorted((r[2], r[3], r[4]) for r in connection.execute(
        'PRAGMA foreign_key_list({})'.format(_quote(table))))
    indexes = sorted(tuple(c[2] for c in connection.execute('PRAGMA index_info({})'.format(_quote(r[1]))))
                     for r in connection.execute('PRAGMA index_list({})'.format(_quote(table))))
    return fks, indexes


def compare(source_path, copy_path, tables=None, out=sys.stdout):
    """Returns (problems, notes): lists of one-line strings."""
    problems, notes = [], []
    source = sqlite3.connect('file:{}?mode=ro'.format(source_path), uri=True)
    copy = sqlite3.connect('file:{}?mode=ro'.format(copy_path), uri=True)
    try:
        names = tables or _tables(source)
        missing = sorted(set(names) - set(_tables(copy)))
        if missing:
            problems.append('tables missing from the copy: {}'.format(', '.join(missing)))
        for table in names:
            if table in missing:
                continue
            columns = _columns(source, table)
            copy_columns = _columns(copy, table)
            if [c[0] for c in columns] != [c[0] for c in copy_columns]:
                problems.append('{}: columns differ: {} vs {}'.format(
                    table, [c[0] for c in columns], [c[0] for c in copy_columns]))
                continue
            query = 'SELECT * FROM {} ORDER BY {}'.format(_quote(table), _order_by(columns))
            source_rows = source.execute(query).fetchall()
            copy_rows = copy.execute(query).fetchall()
            if len(source_rows) != len(copy_rows):
                problems.append('{}: {} rows, the copy has {}'.format(table, len(source_rows), len(copy_rows)))
                continue
            differences = as_decimals = 0
            for number, (left, right) in enumerate(zip(source_rows, copy_rows)):
                for (name, _, declared), a, b in zip(columns, left, right):
                    equal, how = same_value(a, b, declared)
                    if not equal:
                        differences += 1
                        if differences <= 5:
                            problems.append('{} row {} column {}: {!r} ({}) vs {!r} ({})'.format(
                                table, number + 1, name, a, type(a).__name__, b, type(b).__name__))
                    elif how == 'decimal':
                        as_decimals += 1
            if differences > 5:
                problems.append('{}: {} differing values in all'.format(table, differences))
            if as_decimals:
                notes.append('{}: {} decimal values equal as numbers (REAL in the original, exact text '
                             'in the copy)'.format(table, as_decimals))
            if _shape(source, table) != _shape(copy, table):
                notes.append('{}: foreign keys or indexes differ'.format(table))
            if not differences:
                print('  {:<24} {:>8} rows  {:>3} columns  equal'.format(table, len(source_rows), len(columns)),
                      file=out)
    finally:
        source.close()
        copy.close()
    return problems, notes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('source')
    parser.add_argument('copy')
    parser.add_argument('--tables', nargs='+', help='compare only these tables')
    options = parser.parse_args(argv)
    problems, notes = compare(options.source, options.copy, options.tables)
    for note in notes:
        print('note: ' + note)
    for problem in problems:
        print('DIFFERENT: ' + problem)
    print('MATCH: every table, row and value is equal.' if not problems else
          'MISMATCH: {} problem(s).'.format(len(problems)))
    return 0 if not problems else 1


if __name__ == '__main__':
    sys.exit(main())
