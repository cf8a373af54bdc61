"""Issue 17, item 8: model.xml above a documented size limit is refused before it is read, and the
whitespace of a padded model is not held in memory."""
import tracemalloc
import zipfile

import pytest

import fuzz
from azext_bacpac.format.errors import ModelTooLargeError
from azext_bacpac.format.model import Model
from azext_bacpac.format.package import MAX_MODEL_BYTES
from azext_bacpac.pipelines import inspect_package
from azext_bacpac.pipelines.packages import MAX_MODEL_ENV

AMADO = "amado/AmadoDB.bacpac"


def _padded_model(padding):
    source = fuzz.Source(AMADO)
    entries = []
    for entry in source.entries:
        if entry.name == "model.xml":
            entry = fuzz.Entry(entry.name, entry.data.replace(b"<Model>", b"<Model>" + b" \r\n\t" * (padding // 4), 1),
                               zipfile.ZIP_DEFLATED)
        entries.append(entry)
    return fuzz.rebuild(entries)


def test_a_model_over_the_limit_is_refused_naming_the_override(tmp_path, monkeypatch):
    assert MAX_MODEL_BYTES == 256 << 20
    package = tmp_path / "padded.bacpac"
    package.write_bytes(_padded_model(3 << 20))
    monkeypatch.setenv(MAX_MODEL_ENV, "2MiB")
    with pytest.raises(ModelTooLargeError, match=f"more than the limit of {2 << 20} bytes.*{MAX_MODEL_ENV}"):
        inspect_package(str(package))
    monkeypatch.setenv(MAX_MODEL_ENV, "8MiB")
    assert inspect_package(str(package), verify_checksum=False)["totals"]["tables"] > 0


def test_whitespace_in_a_model_is_not_kept():
    data = next(e.data for e in fuzz.Source(AMADO).entries if e.name == "model.xml")
    padded = data.replace(b"<Model>", b"<Model>" + b"    \r\n" * (4 << 20), 1)     # 24 MB of indentation
    tracemalloc.start()
    try:
        model = Model.from_bytes(padded)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert model.tables and peak < 12 << 20, peak
    assert model.to_bytes() == Model.from_bytes(data).to_bytes()
