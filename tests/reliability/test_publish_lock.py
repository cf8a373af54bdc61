"""A worker publishes only under the store's lock (issue 17 #3, found by scripts/faults.py's SIGSTOP
runs): a record declared Failed between the worker's last check and its publication used to end
Failed with the database published anyway. Now nobody can change the record in that window: the
declaration waits for the lock, and the record it finds is already Succeeded."""
import os
import textwrap

import faults

from .conftest import CONFIG_DIR

# In the worker only: just before the database is published, another process declares the record Failed
# (with a short busy timeout), and the publication goes on when that process has ended.
SITE = textwrap.dedent("""
    import subprocess, sys
    if "--operation-id" in sys.argv:
        operation_id = sys.argv[sys.argv.index("--operation-id") + 1]
        from azext_bacpac.engines import sqlite_import
        real = sqlite_import.SqliteImportTarget.commit

        def commit(self):
            code = ("import sys\\n"
                    "from azext_bacpac.operations.store import OperationStore\\n"
                    "store = OperationStore(sys.argv[1])\\n"
                    "store.busy_seconds = 1.0\\n"
                    "try:\\n"
                    "    store.update(sys.argv[2], only_if_active=True, state='Failed', error_message='declared')\\n"
                    "except Exception:\\n"
                    "    pass\\n")
            subprocess.run([sys.executable, "-c", code, STORE, operation_id], timeout=30)
            return real(self)
        sqlite_import.SqliteImportTarget.commit = commit
""")


def test_a_record_cannot_be_declared_ended_between_the_last_check_and_the_publication(tmp_path, monkeypatch):
    harness = faults.Harness(tmp_path, rows=20_000, config=CONFIG_DIR)
    assert harness.wait(harness.submit("Export", uri=str(harness.clean_package)).id).state == "Succeeded"
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(f"STORE = {harness.store.path!r}\n" + SITE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))
    record = harness.submit("Import")
    final = harness.wait(record.id)
    assert faults.still_running([record.worker_pid], 30) == []
    published = (harness.target / "target.sqlite").exists()
    # either order is consistent; a Failed record beside a published database is not
    assert (final.state, published) in (("Succeeded", True), ("Failed", False)), (final.state, final.error_message)
    assert final.state == "Succeeded" and final.error_message is None
    assert faults.table_counts(harness.target / "target.sqlite") == harness.counts
