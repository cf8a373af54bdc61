"""Redaction of what `inspect` prints (operation records are shaped by operations/shapes.py).

Nothing secret goes into the output: storage URIs lose their query string (a SAS) and any password
in their user-info part.
"""


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
