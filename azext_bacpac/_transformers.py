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


# -o table rows stay within 120 columns for ordinary names: times to the second in UTC ('Z'), and no
# Status column (it repeats State and Progress while running, "Running, Progress = 45.00 %"; the failure
# text it carries is in the JSON output and `show`).


def transform_operation_table(result):
    """Export/import/show record: Name (operation GUID), RequestType, Database, State, Progress, Rows,
    LastModified. Cmdlet-shaped results are already in the cmdlet's order and pass through."""
    if not isinstance(result, dict) or 'name' not in result:
        return result
    progress = result.get('progress') or {}
    return OrderedDict([
        ('Name', result.get('name')),
        ('RequestType', result.get('requestType')),
        ('Database', result.get('databaseName')),
        ('State', result.get('state')),
        ('Progress', _percent(result.get('percentComplete'))),
        ('Rows', progress.get('rows', (result.get('summary') or {}).get('rows'))),
        ('LastModified', _seconds(result.get('lastModifiedTime'))),
    ])


def transform_activity_table(result):
    """list/cancel: one row per operation (Name, Type, Server, Database, State, Progress, StartTime); Type is
    Export or Import (the JSON's operation is ExportDatabase or ImportDatabase, as `az sql db op list` says).
    With several --ids, core gives one list per ID: their rows make one table."""
    if not isinstance(result, list):
        return result
    rows = []
    for entry in [e for per_id in result for e in per_id] if all(isinstance(e, list) for e in result) else result:
        if not isinstance(entry, dict) or 'name' not in entry:
            return result
        rows.append(OrderedDict([
            ('Name', entry.get('name')),
            ('Type', _request_type(entry.get('operation'))),
            ('Server', entry.get('serverName')),
            ('Database', entry.get('databaseName')),
            ('State', entry.get('state')),
            ('Progress', _percent(entry.get('percentComplete'))),
            ('StartTime', _seconds(entry.get('startTime'))),
        ]))
    return rows


def _seconds(value):
    """'2026-11-22T13:09:57.106544+00:00' -> '2026-11-22T13:09:57Z'."""
    if not isinstance(value, str):
        return value
    if '.' in value:
        head, _, tail = value.partition('.')
        value = head + next((tail[i:] for i, c in enumerate(tail) if c in '+-Z'), '')
    return value[:-len('+00:00')] + 'Z' if value.endswith('+00:00') else value


def _request_type(operation):
    return operation[:-len('Database')] if isinstance(operation, str) and operation.endswith('Database') else operation


def _percent(value):
    return '{:.2f} %'.format(value) if isinstance(value, (int, float)) else value


def transform_preflight_table(result):
    """preflight: Permission, Granted, Required, Detail."""
    if not isinstance(result, list):
        return result
    return [OrderedDict([('Permission', c.get('permission')), ('Granted', c.get('granted')),
                         ('Required', c.get('required')), ('Detail', c.get('detail'))]) for c in result]
