"""The storage contract (azext_bacpac/storage/base.py), run against every registered backend: local
files and Azure Blob Storage (real Azurite on 127.0.0.1)."""
import pytest

from azext_bacpac.errors import ConflictError, NotFoundError
from azext_bacpac.storage import Location, backends, location_class, open_location
from tests.storage.azurite import ACCOUNT_KEY
from tests.storage.azurite import azurite  # noqa: F401  pylint: disable=unused-import  (pytest fixture)

PAYLOAD = bytes(range(256)) * 4096          # 1 MiB, not a multiple of any block size by chance


def local_site(tmp_path, request):
    del request
    return (lambda name: str(tmp_path / name)), None, None


def blob_site(tmp_path, request):
    del tmp_path
    server = request.getfixturevalue("azurite")
    container = server.new_container()
    return (lambda name: server.url(container, name)), "StorageAccessKey", ACCOUNT_KEY


SITES = {"local": local_site, "blob": blob_site}
BACKENDS = backends()


@pytest.fixture(params=BACKENDS, ids=lambda cls: cls.name)
def site(request, tmp_path):
    factory = SITES.get(request.param.name)
    assert factory is not None, f"no contract site for storage backend '{request.param.name}'"
    return (request.param,) + factory(tmp_path, request)


def test_exactly_one_backend_is_the_default():
    assert {cls.name for cls in BACKENDS} >= {"local", "blob"}
    assert [cls.name for cls in BACKENDS if cls.default] == ["local"]


def test_a_backend_answers_its_own_uris(site):
    cls, uri, key_type, key = site
    assert location_class(uri("a.bacpac")) is cls
    location = open_location(uri("a.bacpac"), key_type, key)
    assert isinstance(location, cls) and isinstance(location, Location)
    assert key is None or key not in location.uri


def test_what_is_committed_reads_back_byte_for_byte(site):
    cls, uri, key_type, key = site
    location = open_location(uri("round.bacpac"), key_type, key)
    location.check_writable(overwrite=False)
    with location.writer(overwrite=False) as output:
        for start in range(0, len(PAYLOAD), 65536):
            output.file.write(PAYLOAD[start:start + 65536])
        output.commit()
    reader = open_location(uri("round.bacpac"), key_type, key)
    with reader.open_read() as stream:
        assert stream.read() == PAYLOAD
    assert reader.size() == len(PAYLOAD)


def test_nothing_is_visible_without_a_commit(site):
    cls, uri, key_type, key = site
    location = open_location(uri("uncommitted.bacpac"), key_type, key)
    with location.writer(overwrite=False) as output:
        output.file.write(PAYLOAD)
        output.discard()
    with pytest.raises(NotFoundError):
        open_location(uri("uncommitted.bacpac"), key_type, key).open_read()


def test_an_existing_package_is_kept_unless_overwriting(site):
    cls, uri, key_type, key = site
    location = open_location(uri("kept.bacpac"), key_type, key)
    with location.writer() as output:
        output.file.write(b"PK\x05\x06" + bytes(18))          # an empty zip: a package-shaped file
        output.commit()
    with pytest.raises(ConflictError):
        open_location(uri("kept.bacpac"), key_type, key).check_writable(overwrite=False)
    open_location(uri("kept.bacpac"), key_type, key).check_writable(overwrite=True)
