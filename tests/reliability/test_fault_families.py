"""scripts/faults.py's case families of issue 17, run small: SIGSTOP/SIGCONT of real workers (a final
state stays final), a damaged operation store through az, and huge values in child processes.
Each must report nothing but the cases it tried."""
import random

import faults
import faults_pause
import faults_store
import faults_values

from .conftest import CONFIG_DIR


def _clean(counts):
    return {key: value for key, value in counts.items() if key != "cases tried" and value}


def test_stopped_workers_keep_final_states_final(az, tmp_path):
    harness = faults.Harness(tmp_path, rows=300_000, config=CONFIG_DIR)
    harness.calibrate()
    # stops within 40 ms of the worker's start: early enough to find it running
    counts, outcomes = faults_pause.run(harness, 4, random.Random(5), {"Export": 0.05, "Import": 0.05})
    assert counts["cases tried"] == 4 and _clean(counts) == {}, (counts, outcomes)
    assert any("declared Failed" in outcome for _, outcome in outcomes), outcomes


def test_a_declared_failure_of_a_stopped_export_stays(tmp_path):
    harness = faults.Harness(tmp_path, rows=300_000, config=CONFIG_DIR)
    harness.calibrate()
    outcome, found = faults_pause.pause_run(harness, "Export", 0.0, declare=True)
    assert outcome in ("stopped, declared Failed, resumed", "ended before the stop") and found == []


def test_a_damaged_store_family_finds_nothing(tmp_path):
    counts = faults_store.run(tmp_path)
    assert counts["cases tried"] == len(faults_store.DAMAGES) and _clean(counts) == {}, counts


def test_the_huge_values_family_finds_nothing(tmp_path):
    counts = faults_values.run(tmp_path, 16)
    assert counts["cases tried"] == 10 and _clean(counts) == {}, counts


def test_the_store_family_leaves_the_environment_as_it_was(tmp_path, monkeypatch):
    import os
    monkeypatch.setenv("AZEXT_BACPAC_OPERATIONS_DIR", str(tmp_path / "mine"))
    before = dict(os.environ)
    faults_store.run(tmp_path)
    assert dict(os.environ) == before
