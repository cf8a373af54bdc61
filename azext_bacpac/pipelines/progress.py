"""Progress reports and cooperative cancel for a running export or import.

The callback receives dicts:
  {"phase": "scan" | "schema" | "data" | "finish", "table": "[dbo].[T]", "tablesDone": n, "tablesTotal": m,
   "rows": rows so far, "bytes": BCP bytes so far, "rowsTotal": int or None, "bytesTotal": int or None}
at every table boundary and about every MiB of data. cancel() is asked between batches; when it
returns True the operation stops, cleans up and raises CancelledError.
"""
from ..errors import CancelledError


def announce(callback, phase):
    """Tell the callback that a phase without row counts began ("scan": reading the source's schema and
    statistics, or the package; "schema": creating the tables)."""
    if callback is not None:
        callback({"phase": phase, "table": None, "tablesDone": 0, "tablesTotal": None, "rows": 0, "bytes": 0,
                  "rowsTotal": None, "bytesTotal": None})

REPORT_EVERY = 1 << 20


class Progress:
    def __init__(self, callback, cancel, tables_total, rows_total=None, bytes_total=None, cancelled_message=""):
        self.callback = callback
        self.cancel = cancel
        self.tables_total = tables_total
        self.rows_total = rows_total
        self.bytes_total = bytes_total
        self.cancelled_message = cancelled_message
        self.tables_done = 0
        self.rows = 0
        self.bytes = 0
        self.table = None
        self._next_report = REPORT_EVERY

    def check_cancel(self):
        if self.cancel is not None and self.cancel():
            raise CancelledError(self.cancelled_message)

    def start_table(self, name):
        self.check_cancel()
        self.table = name
        self._report("data")

    def advance(self, rows, nbytes):
        self.rows += rows
        self.bytes += nbytes
        if self.bytes >= self._next_report:
            self._next_report = self.bytes + REPORT_EVERY
            self._report("data")
        self.check_cancel()

    def end_table(self):
        self.tables_done += 1
        self._report("data")

    def finishing(self):
        self.table = None
        self._report("finish")

    def _report(self, phase):
        if self.callback is not None:
            self.callback({"phase": phase, "table": self.table, "tablesDone": self.tables_done,
                           "tablesTotal": self.tables_total, "rows": self.rows, "bytes": self.bytes,
                           "rowsTotal": self.rows_total, "bytesTotal": self.bytes_total})
