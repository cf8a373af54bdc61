"""Output of `az sql db bacpac export/import`, built by the operations layer's shapes.

The command runs the operation in-process for now and shapes the finished operation exactly as the
durable operation records will be shaped (operations/shapes.py): a superset of `az sql db export`'s
ImportExportOperationResult (status "Completed") plus state, percentComplete and summary. When
export/import move to durable operations (--no-wait, show, wait), only where the record comes from
changes. Nothing secret goes into the output: storage URIs lose their query string (a SAS) and any
password in their user-info part; passwords and keys are not part of the az shape at all.
"""

import time


def new_operation_id():
    from azext_bacpac.operations.store import new_operation_id as _new
    return _new()


def now():
    return time.time()


def redact_uri(uri):
    """`uri` without a query string (SAS tokens) or fragment, and without a password in user-info.
    Anything else is kept exactly as written."""
    if not isinstance(uri, str) or '://' not in uri:
        return uri
    uri = uri.split('#', 1)[0].split('?', 1)[0]
    scheme, rest = uri.split('://', 1)
    authority, slash, path = rest.partition('/')
    if '@' in authority:
        userinfo, host = authority.rsplit('@', 1)
        authority = userinfo.split(':', 1)[0] + '@' + host
    return scheme + '://' + authority + slash + path


def redact_summary(summary):
    """A copy of a pipeline result with its URIs redacted (defence in depth: the pipeline should
    not put a SAS in it in the first place)."""
    if not isinstance(summary, dict):
        return summary
    out = dict(summary)
    for key in ('storageUri', 'blobUri', 'uri', 'server'):
        if key in out:
            out[key] = redact_uri(out[key])
    return out


def finished_operation(request_type, *, operation_id, server, database, storage_uri, queued, started,
                       finished, summary, resource_group=None, parameters=None):
    """The az-shaped record of an operation that ran in this process and succeeded."""
    import json
    from azext_bacpac.operations.shapes import az_record
    from azext_bacpac.operations.store import OperationRecord

    summary = redact_summary(summary)
    record = OperationRecord(
        id=operation_id, request_type=request_type, server=redact_uri(server), database=database,
        storage_uri=redact_uri(storage_uri), resource_group=resource_group, state='Succeeded', percent=100.0,
        queued_time=queued, start_time=started, last_modified_time=finished, finish_time=finished,
        tables_done=_count(summary, 'tables'), tables_total=_count(summary, 'tables'),
        rows_done=_number(summary, 'rows'), bytes_done=_number(summary, 'bytes'),
        parameters=dict(parameters or {}),
        summary=json.loads(json.dumps(summary, default=str)) if summary is not None else None)
    return az_record(record)


def _count(summary, key):
    value = (summary or {}).get(key)
    if isinstance(value, (list, tuple)):
        return len(value)
    return value if isinstance(value, int) else None


def _number(summary, key):
    value = (summary or {}).get(key)
    return value if isinstance(value, int) else 0
