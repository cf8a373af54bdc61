"""`-o table` views: ordered columns instead of az's flattened, key-sorted default."""

from collections import OrderedDict


def _table_name(entry):
    name = entry.get('table') or entry.get('name')
    schema = entry.get('schema')
    if schema and name and '.' not in str(name):
        return '{}.{}'.format(schema, name)
    return name


def _parts(entry):
    parts = entry.get('parts')
    if isinstance(parts, (list, tuple)):
        return len(parts)
    if parts is None:
        parts = entry.get('partCount', entry.get('dataParts'))
    return parts


def transform_inspect_table(result):
    """One row per table (Table, Rows, DataBytes, CompressedBytes, Parts), then a TOTAL row."""
    rows = []
    if not isinstance(result, dict):
        return result
    for entry in result.get('tables') or []:
        rows.append(OrderedDict([
            ('Table', _table_name(entry)),
            ('Rows', entry.get('rows')),
            ('DataBytes', entry.get('dataBytes')),
            ('CompressedBytes', entry.get('compressedBytes')),
            ('Parts', _parts(entry)),
        ]))
    totals = result.get('totals')
    if isinstance(totals, dict) and rows:
        rows.append(OrderedDict([
            ('Table', '(total: {} tables)'.format(totals.get('tables', len(rows)))),
            ('Rows', totals.get('rows')),
            ('DataBytes', totals.get('dataBytes')),
            ('CompressedBytes', totals.get('compressedBytes')),
            ('Parts', totals.get('parts', sum(r['Parts'] for r in rows if isinstance(r['Parts'], int)))),
        ]))
    return rows


def transform_operation_table(result):
    """Export/import record: Name (operation GUID), RequestType, Database, Status, Tables, Rows, Elapsed."""
    if not isinstance(result, dict):
        return result
    summary = result.get('summary') or {}
    elapsed = summary.get('elapsedSeconds', summary.get('elapsed'))
    if isinstance(elapsed, (int, float)):
        elapsed = '{:.1f}s'.format(elapsed)
    tables = summary.get('tables')
    if isinstance(tables, (list, tuple)):
        tables = len(tables)
    return OrderedDict([
        ('Name', result.get('name')),
        ('RequestType', result.get('requestType')),
        ('Database', result.get('databaseName')),
        ('Status', result.get('status')),
        ('Tables', tables),
        ('Rows', summary.get('rows')),
        ('Elapsed', elapsed),
    ])
