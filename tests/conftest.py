import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def vectors_dir():
    """../shared/vectors beside the checkout (BACPAC_VECTORS overrides). In CI a missing folder fails."""
    path = Path(os.environ.get("BACPAC_VECTORS", REPO.parent / "shared" / "vectors"))
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the vectors folder {path} is missing; CI must have ../shared/vectors")
        pytest.skip(f"vectors folder {path} not present")
    return path


@pytest.fixture(scope="session")
def vectors():
    return vectors_dir()
