"""Reliability tests: hostile packages, killed workers, full disks, stopped servers, secrets and file modes.

The az fixture (the real az parser, in-process) and the sample database come from tests/cli; the
long runs behind these tests are scripts/fuzz.py and scripts/faults.py (imported from scripts/).
"""
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.cli.conftest import CONFIG_DIR, az, sample_db  # noqa: F401  pylint: disable=unused-import  (fixtures)

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))


@contextmanager
def small_disk(folder, size="2m"):
    """A tmpfs of `size` mounted on `folder` (root only); unmounted afterwards. Skips when it cannot mount."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True, check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)
