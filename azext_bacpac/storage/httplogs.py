"""Keep secrets out of the HTTP libraries' logs in this process (issue 17, item 10).

With az's --debug the root logger is at DEBUG, and urllib3 logs every request line with its query
string: a SAS signature. Blob I/O in the az process itself (inspect, the preflight) therefore
silences urllib3's request log and puts a filter on every handler of the root logger that scrubs
SAS signatures, shared-key signatures and the command's own secrets from any record, whoever logs it.
"""
import logging

from .blob_errors import scrub

_QUIET = ("urllib3", "urllib3.connectionpool", "msal", "azure.identity")


class _Scrubbing(logging.Filter):
    def __init__(self):
        super().__init__("bacpac-secrets")
        self.secrets = set()

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:   # noqa: BLE001 - a record that cannot format: drop its arguments
            message = str(record.msg)
        cleaned = scrub(message, self.secrets)
        if cleaned != " ".join(message.split()):
            record.msg, record.args = cleaned, None
        return True


_FILTER = _Scrubbing()


def protect(secrets=()):
    """Install (once) the scrubbing filter on the root logger's handlers, and quiet urllib3."""
    _FILTER.secrets.update(s for s in secrets if s and len(s) >= 4)
    for name in _QUIET:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    for logger in (logging.getLogger(), logging.getLogger("cli")):
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
