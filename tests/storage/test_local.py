"""Local storage: --storage-uri resolution, reading, and atomic publishing."""
import os
import stat
import sys
from pathlib import Path

import pytest

from azext_bacpac.filemodes import current_umask
from azext_bacpac.errors import ConflictError, InvalidInputError, NotFoundError, UnsupportedError
from azext_bacpac.storage import open_location, resolve_path
from azext_bacpac.storage.local import AtomicFileWriter


@pytest.mark.parametrize("uri, expected", [
    ("out.bacpac", Path("out.bacpac")),
    ("sub/dir/out.bacpac", Path("sub/dir/out.bacpac")),
    ("/abs/out.bacpac", Path("/abs/out.bacpac")),
    ("file:///abs/out.bacpac", Path("/abs/out.bacpac")),
    ("file://localhost/abs/out.bacpac", Path("/abs/out.bacpac")),
    ("file:/abs/out.bacpac", Path("/abs/out.bacpac")),
    ("FILE:///abs/my%20db%23.bacpac", Path("/abs/my db#.bacpac")),
    ("backup:1.bacpac", Path("backup:1.bacpac")),          # a colon in a plain file name
])
def test_paths_and_file_uris_resolve(uri, expected):
    assert resolve_path(uri) == expected


def test_home_is_expanded(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_path("~/x.bacpac") == tmp_path / "x.bacpac"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX path rules")
def test_windows_drive_is_a_path_not_a_scheme():
    assert resolve_path("C:\\data\\x.bacpac") == Path("C:\\data\\x.bacpac")


@pytest.mark.parametrize("uri", [
    "https://account.blob.core.windows.net/container/db.bacpac",
    "https://account.blob.core.windows.net/container/db.bacpac?sv=2020&sig=secret",
    "http://127.0.0.1:10000/devstoreaccount1/c/db.bacpac",
    "HTTPS://example.com/x.bacpac",
])
def test_urls_are_not_local_paths(uri):
    with pytest.raises(UnsupportedError, match="an http.s. URL is not a local file path") as info:
        resolve_path(uri)
    assert "secret" not in str(info.value)


@pytest.mark.parametrize("uri, words", [
    ("", "empty"),
    ("   ", "empty"),
    ("ftp://host/x.bacpac", "scheme 'ftp'"),
    ("s3://bucket/x.bacpac", "scheme 's3'"),
    ("file://server/share/x.bacpac", "host"),
    ("file:relative.bacpac", "absolute"),
    ("file:///x.bacpac?raw=1", "query"),
    ("a\x00b", "NUL"),
])
def test_malformed_uris_are_invalid_input(uri, words):
    with pytest.raises(InvalidInputError, match=words):
        resolve_path(uri)


def test_missing_package_is_not_found(tmp_path):
    with pytest.raises(NotFoundError, match="not found"):
        open_location(str(tmp_path / "nope.bacpac")).open_read()


def test_a_folder_is_not_a_package(tmp_path):
    with pytest.raises(InvalidInputError, match="is a folder"):
        open_location(str(tmp_path)).open_read()
    with pytest.raises(InvalidInputError, match="is a folder"):
        open_location(str(tmp_path)).check_writable()


def test_destination_folder_must_exist(tmp_path):
    with pytest.raises(NotFoundError, match="does not exist"):
        open_location(str(tmp_path / "missing" / "x.bacpac")).check_writable()


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_commit_publishes_a_file_as_the_umask_says_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.bacpac"
    with open_location(str(target)).writer() as out:
        out.file.write(b"package")
        assert not target.exists(), "nothing is visible under the final name before commit"
        out.commit()
    assert target.read_bytes() == b"package"
    assert _leftovers(tmp_path) == []
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~current_umask()


def test_failure_before_commit_leaves_nothing(tmp_path):
    target = tmp_path / "out.bacpac"
    with pytest.raises(RuntimeError):
        with open_location(str(target)).writer() as out:
            out.file.write(b"half a package")
            raise RuntimeError("boom")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_existing_destination_is_refused_unless_overwrite(tmp_path):
    target = tmp_path / "out.bacpac"
    target.write_bytes(b"old")
    with pytest.raises(ConflictError, match="already exists"):
        open_location(str(target)).writer()
    with open_location(str(target)).writer(overwrite=True) as out:
        out.file.write(b"new")
        out.commit()
    assert target.read_bytes() == b"new"
    assert _leftovers(tmp_path) == []


def test_destination_created_meanwhile_is_not_clobbered(tmp_path):
    target = tmp_path / "out.bacpac"
    with pytest.raises(ConflictError):
        with AtomicFileWriter(target) as out:
            out.file.write(b"mine")
            target.write_bytes(b"someone else's")
            out.commit()
    assert target.read_bytes() == b"someone else's"
    assert _leftovers(tmp_path) == []
