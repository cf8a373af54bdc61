"""azext_bacpac.storage.blob: URIs, credentials and error texts (no server), then streaming export
and import of real packages against Azurite on 127.0.0.1 (started and stopped by the fixture)."""
import datetime
import io
import os
import random
import subprocess
import sys
import threading
import time

import pytest

from azext_bacpac.errors import ConflictError, InvalidInputError, NotFoundError
from azext_bacpac.format import Column, Model, PackageReader, PackageWriter, SqlType, Table
from azext_bacpac.storage import blob
from azext_bacpac.storage.blob import (BlobWriter, StorageError, check_blob_name, service_name_problems, credential_for, is_blob_uri,
                                       open_blob_reader, open_blob_writer, parse_blob_uri)
from azext_bacpac.storage.blob_errors import ErrorContext, SasToken, scrub
from tests.storage.azurite import ACCOUNT, ACCOUNT_KEY, free_port
from tests.storage.azurite import azurite  # noqa: F401  pylint: disable=unused-import  (pytest fixture)

UTC = datetime.timezone.utc
MI_ID = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
         "Microsoft.ManagedIdentity/userAssignedIdentities/bacpac-mi")


# ---- URIs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("uri, expected", [
    ("https://acct.blob.core.windows.net/c1x/db.bacpac", True),
    ("HTTP://127.0.0.1:10000/devstoreaccount1/c1x/db.bacpac", True),
    ("/tmp/db.bacpac", False),
    ("file:///tmp/db.bacpac", False),
    ("C:\\exports\\db.bacpac", False),
    ("sqlite:///tmp/folder", False),
    ("https://", False),
    (None, False),
])
def test_is_blob_uri(uri, expected):
    assert is_blob_uri(uri) is expected


def test_parse_an_azure_blob_url_keeps_the_sas_out_of_its_text():
    location = parse_blob_uri("https://acct.blob.core.windows.net/bacpacs/2024/q1/db.bacpac?sv=2024&sp=r&sig=SECRET")
    assert (location.account, location.container, location.blob, location.name) == \
        ("acct", "bacpacs", "2024/q1/db.bacpac", "db.bacpac")
    assert location.endpoint == "https://acct.blob.core.windows.net"
    assert location.sas == "sv=2024&sp=r&sig=SECRET"
    assert str(location) == location.url == "https://acct.blob.core.windows.net/bacpacs/2024/q1/db.bacpac"
    assert "SECRET" not in repr(location)


@pytest.mark.parametrize("uri, endpoint", [
    ("http://127.0.0.1:10000/devstoreaccount1/c1x/db.bacpac", "http://127.0.0.1:10000/devstoreaccount1"),
    ("http://localhost:10000/devstoreaccount1/c1x/db.bacpac", "http://localhost:10000/devstoreaccount1"),
    ("http://[::1]:10000/devstoreaccount1/c1x/db.bacpac", "http://[::1]:10000/devstoreaccount1"),
])
def test_path_style_endpoints_take_the_account_from_the_path(uri, endpoint):
    location = parse_blob_uri(uri)
    assert location.path_style and location.endpoint == endpoint
    assert (location.account, location.container, location.blob) == ("devstoreaccount1", "c1x", "db.bacpac")


def test_parse_details():
    encoded = parse_blob_uri("https://acct.blob.core.windows.net/c1x/my%20db.bacpac")
    assert encoded.blob == "my db.bacpac"
    assert encoded.url.endswith("/c1x/my%20db.bacpac")
    assert parse_blob_uri("https://acct.blob.core.windows.net/db.bacpac").container == "$root"
    assert parse_blob_uri("https://acct-secondary.blob.core.windows.net/c1x/db.bacpac").account == "acct"
    assert parse_blob_uri("https://acct.blob.core.windows.net/c1x/db.bacpac?snapshot=x").sas is None


@pytest.mark.parametrize("uri, words", [
    ("ftp://acct/c1x/db.bacpac", "not a blob URL"),
    ("https://acct.blob.core.windows.net/", "no container"),
    ("https://acct.blob.core.windows.net/c1x/", "no blob"),
    ("https://acct.blob.core.windows.net/Bacpacs/db.bacpac", "container name 'Bacpacs' is not valid"),
    ("https://acct.blob.core.windows.net/a--b/db.bacpac", "container name 'a--b' is not valid"),
    ("http://127.0.0.1:10000/", "the account must be the first path segment"),
])
def test_parse_rejects_what_names_no_blob(uri, words):
    with pytest.raises(InvalidInputError, match=words):
        parse_blob_uri(uri)


@pytest.mark.parametrize("name, words", [
    ("a" * 124 + ".bac", "is 128 characters long"),
    ("a" * 200, "is 200 characters long"),
    ("my db.bacpac", "contains a space"),
    ("db<1>.bacpac", "contains '<', '>'"),
    ("db*.bacpac", "contains '*'"),
    ("100%.bacpac", "contains '%'"),
    ("a&b.bacpac", "contains '&'"),
    ("shop_2024-01-01T10:00.bacpac", "contains ':'"),
    ("a\\b.bacpac", "contains '\\'"),
    ("why?.bacpac", "contains '?'"),
])
def test_names_azure_blob_accepts_are_accepted_with_the_services_rule_as_a_warning(name, words):
    check_blob_name(name)
    (problem,) = service_name_problems(name)
    assert words in problem and "Import/Export service" in problem


@pytest.mark.parametrize("name, words", [("", "is empty"), ("db.bacpac.", "ends with '.'"),
                                         ("a" * 1025, "is 1025 characters long")])
def test_blob_name_rules(name, words):
    with pytest.raises(InvalidInputError, match=words):
        check_blob_name(name)


def test_blob_name_rules_apply_to_the_decoded_uri_on_export_only():
    check_blob_name("a" * 1024)
    check_blob_name("Sales-2024_01.bacpac")
    assert service_name_problems("Sales-2024_01.bacpac") == []
    for uri, words in [("https://acct.blob.core.windows.net/c1x/db.", "ends with '.'"),
                       ("https://acct.blob.core.windows.net/c1x/%s" % ("a" * 1025), "1025 characters")]:
        with pytest.raises(InvalidInputError, match=words):
            parse_blob_uri(uri, check_name=True)
        parse_blob_uri(uri)                      # an import reads whatever exists
        with pytest.raises(InvalidInputError, match=words):
            open_blob_writer(uri, "StorageAccessKey", ACCOUNT_KEY)


# ---- credentials --------------------------------------------------------------------------------

def test_credential_for_each_key_type():
    assert credential_for("StorageAccessKey", ACCOUNT_KEY, "acct") == {"account_name": "acct",
                                                                        "account_key": ACCOUNT_KEY}
    assert credential_for("sharedaccesskey", "?sv=1&sp=r&sig=abc") == "sv=1&sp=r&sig=abc"
    assert credential_for("SharedAccessKey", "sv=1&sp=r&sig=abc") == "sv=1&sp=r&sig=abc"
    assert credential_for(None, None) is None
    by_resource_id = credential_for("ManagedIdentity", MI_ID)
    by_client_id = credential_for("ManagedIdentity", "11111111-2222-3333-4444-555555555555")
    system = credential_for("ManagedIdentity", "")
    for credential in (by_resource_id, by_client_id, system):
        assert callable(getattr(credential, "get_token", None))      # a TokenCredential, no network yet
    if isinstance(by_resource_id, blob.MsalManagedIdentityCredential):
        assert by_resource_id.resource_id == MI_ID and by_client_id.client_id.startswith("1111")


@pytest.mark.parametrize("key_type, key, words", [
    ("StorageAccessKey", "", "is required"),
    ("StorageAccessKey", "not base64 !", "not a storage account key"),
    ("StorageAccessKey", "sv=1&sig=abc", "holds a SAS token"),
    ("SharedAccessKey", "?", "a SAS token\\) is required"),
    ("SharedAccessKey", "sv=2024&sp=r", "no sig= field"),
    ("ManagedIdentity", "my-identity", "resource ID of a user-assigned managed identity"),
    ("Password", "x", "is not one of StorageAccessKey, SharedAccessKey, ManagedIdentity"),
    (None, "somekey", "without --storage-key-type"),
])
def test_credential_errors(key_type, key, words):
    with pytest.raises(InvalidInputError, match=words):
        credential_for(key_type, key, "acct")


def test_managed_identity_needs_https():
    with pytest.raises(InvalidInputError, match="needs an https://"):
        open_blob_reader("http://127.0.0.1:9/devstoreaccount1/c1x/db.bacpac", "ManagedIdentity", MI_ID)


def test_sas_token_fields():
    token = SasToken("?sv=2024&sp=rcw&st=2020-01-01&se=2021-02-03T04%3A05%3A06Z&sig=x")
    assert token.permissions == "rcw" and token.has_signature and token.expired()
    assert token.expiry == datetime.datetime(2021, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert "2021-02-03T04:05:06Z" in token.expired_message()
    assert SasToken("se=2999-01-01&sig=x").expired() is False
    assert SasToken("sig=x&si=policy").allows("cw") is None


def test_scrub_removes_signatures_and_keys():
    text = ("GET https://a.blob.core.windows.net/c/x?sv=1&sig=abc%2Bdef&se=1 failed; AccountKey=" + ACCOUNT_KEY
            + "; Authorization: SharedKey devstoreaccount1:c2lnbmF0dXJl\nnext line")
    clean = scrub(text, [ACCOUNT_KEY])
    assert "abc" not in clean and ACCOUNT_KEY not in clean and "c2lnbmF0dXJl" not in clean and "\n" not in clean
    assert "sig=***" in clean


def test_importing_the_module_does_not_import_the_sdk():
    code = ("import sys, azext_bacpac.storage.blob; "
            "print(any(m.startswith('azure.storage') or m.startswith('azure.identity') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert result.stdout.strip() == "False"


# ---- network isolation: every combination --------------------------------------------------------

# ---- the writer's bounded staging, with a fake service ------------------------------------------

class FakeBlobClient:
    """Records staged blocks and the commit; staging is slow so that blocks pile up."""

    def __init__(self, delay=0.02, fail_at=None):
        self.delay, self.fail_at = delay, fail_at
        self.blocks, self.committed = {}, None
        self.active = self.peak = 0
        self.lock = threading.Lock()

    def stage_block(self, block_id, data, length=None, **_):
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            index = len(self.blocks)
        try:
            time.sleep(self.delay)
            if self.fail_at is not None and index >= self.fail_at:
                raise OSError("network down")
            with self.lock:
                self.blocks[block_id] = bytes(data)
        finally:
            with self.lock:
                self.active -= 1

    def commit_block_list(self, block_ids, **_):
        self.committed = b"".join(self.blocks[i] for i in block_ids)
        return {"etag": "e", "last_modified": None}

    def close(self):
        pass


def _fake_writer(client, **options):
    location = parse_blob_uri("https://acct.blob.core.windows.net/c1x/db.bacpac")
    return BlobWriter(client, ErrorContext(location, "StorageAccessKey"), **options)


def test_writer_keeps_at_most_max_in_flight_blocks_and_orders_them():
    client = FakeBlobClient()
    writer = _fake_writer(client, block_size=1000, max_in_flight=3, validate_content=False)
    data = random.Random(1).randbytes(50_500)
    for start in range(0, len(data), 777):
        writer.write(data[start:start + 777])
    assert not writer.seekable() and writer.writable() and writer.tell() == len(data)
    assert writer.commit()["size"] == len(data)
    assert client.committed == data
    assert client.peak <= 3 and len(client.blocks) == 51
    assert len({len(block_id) for block_id in client.blocks}) == 1      # fixed-width block ids
    with pytest.raises(ValueError):
        writer.write(b"more")
    writer.abort()                                                     # after commit: nothing happens
    assert writer.committed


def test_a_failed_block_surfaces_on_write_or_commit_and_nothing_is_committed():
    client = FakeBlobClient(delay=0.001, fail_at=2)
    writer = _fake_writer(client, block_size=100, max_in_flight=2, validate_content=False)
    with pytest.raises(StorageError, match="Azure Blob Storage failed on blob 'db.bacpac'.*network down"):
        for _ in range(100):
            writer.write(b"x" * 100)
        writer.commit()
    assert client.committed is None


def test_block_size_grows_so_a_blob_can_pass_the_block_count_limit():
    writer = _fake_writer(FakeBlobClient(), block_size=8 << 20)
    sizes = [writer._block_size(i) for i in (0, 9_999, 10_000, 20_000, 30_000, 40_000, 49_999)]
    assert sizes == [8 << 20, 8 << 20, 16 << 20, 32 << 20, 64 << 20, 128 << 20, 128 << 20]
    writer.abort()


# ---- against Azurite ----------------------------------------------------------------------------

def _now():
    return datetime.datetime.now(UTC)


def _container_sas(server, container, expiry=None, **permissions):
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas
    return generate_container_sas(ACCOUNT, container, account_key=ACCOUNT_KEY,
                                  permission=ContainerSasPermissions(**permissions),
                                  expiry=expiry or _now() + datetime.timedelta(hours=1))


def _blob_names(server, container):
    with server.service() as service:
        return [b.name for b in service.get_container_client(container).list_blobs()]


def _copy_package(source_path, target):
    """Re-write a package through PackageWriter into `target`; returns {table: rows}."""
    with PackageReader(source_path) as reader:
        with PackageWriter(target, reader.model, reader.metadata.get("Name", "db")) as writer:
            for table in reader.tables:
                writer.write_table(table.schema, table.name, reader.rows(table))
        return {t.full_name: list(reader.rows(t)) for t in reader.tables}


def _rows(stream):
    with PackageReader(stream) as reader:
        assert reader.checksum_verified
        return {t.full_name: list(reader.rows(t)) for t in reader.tables}


def test_package_round_trip_with_the_account_key(azurite, vectors):
    container = azurite.new_container()
    url = azurite.url(container, "exports/Test.bacpac")
    with open_blob_writer(url, "StorageAccessKey", ACCOUNT_KEY, block_size=256 * 1024) as target:
        expected = _copy_package(vectors / "bacpactod-types" / "Test.bacpac", target)
        assert _blob_names(azurite, container) == []              # nothing visible before the commit
        properties = target.commit()
    assert _blob_names(azurite, container) == ["exports/Test.bacpac"]
    assert properties["size"] == target.bytes_written and properties["blocks"] >= 1
    with open_blob_reader(url, "StorageAccessKey", ACCOUNT_KEY) as source:
        assert _rows(source) == expected
    assert sum(len(rows) for rows in expected.values()) > 0


def test_package_round_trip_with_sas_tokens(azurite, vectors):
    container = azurite.new_container()
    url = azurite.url(container, "Test.bacpac")
    read_write = _container_sas(azurite, container, read=True, write=True, create=True)
    with open_blob_writer(url, "SharedAccessKey", "?" + read_write) as target:   # a leading '?' is fine
        expected = _copy_package(vectors / "bacpactod-types" / "Test.bacpac", target)
        target.commit()
    read_only = _container_sas(azurite, container, read=True)
    with open_blob_reader(url, "SharedAccessKey", read_only) as source:
        assert _rows(source) == expected
    with open_blob_reader(url + "?" + read_only, None, None) as source:          # the SAS in the URI
        assert _rows(source) == expected
    from azure.storage.blob import BlobSasPermissions, generate_blob_sas
    blob_sas = generate_blob_sas(ACCOUNT, container, "Test.bacpac", account_key=ACCOUNT_KEY,
                                 permission=BlobSasPermissions(read=True), expiry=_now() + datetime.timedelta(hours=1))
    with open_blob_reader(url + "?" + blob_sas, "SharedAccessKey", "") as source:
        assert _rows(source) == expected


def test_write_only_sas_exports_without_being_able_to_look(azurite, vectors):
    container = azurite.new_container()
    url = azurite.url(container, "w.bacpac")
    with open_blob_writer(url, "SharedAccessKey", _container_sas(azurite, container, write=True, create=True)) as w:
        w.write((vectors / "bacpactod-types" / "Test.bacpac").read_bytes())
        w.commit()
    assert _blob_names(azurite, container) == ["w.bacpac"]


def test_bytes_are_identical_after_a_round_trip(azurite, vectors):
    container = azurite.new_container()
    url = azurite.url(container, "raw.bacpac")
    data = (vectors / "bacpactod-types" / "Test.bacpac").read_bytes() * 3
    sizes = random.Random(7)
    with open_blob_writer(url, "StorageAccessKey", ACCOUNT_KEY, block_size=64 * 1024, max_in_flight=2) as target:
        position = 0
        while position < len(data):
            step = sizes.choice([1, 100, 4096, 65536, 200_000])
            target.write(memoryview(data)[position:position + step])
            position += step
        target.commit()
    with open_blob_reader(url, "StorageAccessKey", ACCOUNT_KEY, buffer_size=64 * 1024) as source:
        assert source.seekable() and source.raw.size == len(data)
        assert source.read() == data
        for _ in range(25):
            start = sizes.randrange(len(data))
            length = sizes.choice([1, 10, 5000, 300_000])
            source.seek(start)
            assert source.read(length) == data[start:start + length]
        source.seek(-5, io.SEEK_END)
        assert source.read() == data[-5:] and source.read(10) == b""


def test_read_only_sas_is_refused_for_export_and_leaves_no_blob(azurite):
    container = azurite.new_container()
    url = azurite.url(container, "ro.bacpac")
    read_only = _container_sas(azurite, container, read=True)
    with pytest.raises(StorageError) as error:
        open_blob_writer(url, "SharedAccessKey", read_only)
    message = str(error.value)
    assert "does not allow writing" in message and "sp=cw" in message and "sig=" not in message
    # A SAS whose permissions live in a stored access policy: the service refuses the write itself.
    from azure.storage.blob import AccessPolicy, ContainerSasPermissions, generate_container_sas
    with azurite.service() as service:
        service.get_container_client(container).set_container_access_policy(signed_identifiers={
            "ro": AccessPolicy(permission=ContainerSasPermissions(read=True),
                               expiry=_now() + datetime.timedelta(hours=1))})
    policy_sas = generate_container_sas(ACCOUNT, container, account_key=ACCOUNT_KEY, policy_id="ro")
    with pytest.raises(StorageError, match=r"does not allow writing .*needs sp=cw") as error:
        open_blob_writer(url, "SharedAccessKey", policy_sas)
    assert policy_sas.split("sig=")[1][:10] not in str(error.value)
    assert _blob_names(azurite, container) == []
    with pytest.raises(NotFoundError):
        open_blob_reader(url, "StorageAccessKey", ACCOUNT_KEY)


def test_an_export_aborted_mid_stream_leaves_no_blob(azurite):
    container = azurite.new_container()
    url = azurite.url(container, "cancelled.bacpac")
    generator = random.Random(5)
    with pytest.raises(KeyboardInterrupt):
        with open_blob_writer(url, "StorageAccessKey", ACCOUNT_KEY, block_size=256 * 1024) as target:
            def rows():
                for number in range(100_000):
                    if number == 3000:
                        target._wait_for_staging()  # pylint: disable=protected-access
                        assert target.blocks_staged > 4
                        raise KeyboardInterrupt      # the user's cancel, mid-stream
                    yield number, generator.randbytes(1000)
            with PackageWriter(target, _big_model(), "Cancelled", compresslevel=1, part_bytes=64 * 1024) as package:
                package.write_table("dbo", "Big", rows())
    assert target.closed and not target.committed
    assert _blob_names(azurite, container) == []
    # an explicit abort() behaves the same
    writer = open_blob_writer(url, "StorageAccessKey", ACCOUNT_KEY, block_size=1024)
    writer.write(b"x" * 10_000)
    writer.abort()
    with pytest.raises(ValueError):
        writer.commit()
    assert _blob_names(azurite, container) == []


def test_existing_blob_is_refused_unless_overwrite(azurite):
    container = azurite.new_container()
    url = azurite.url(container, "db.bacpac")
    with open_blob_writer(url, "StorageAccessKey", ACCOUNT_KEY) as first:
        first.write(b"first")
        first.commit()
    with pytest.raises(ConflictError, match=f"blob 'db.bacpac' in container '{container}' of account "
                                            f"'{ACCOUNT}' already exists"):
        open_blob_writer(url, "StorageAccessKey", ACCOUNT_KEY)
    # an aborted overwrite leaves the old blob as it was
    with open_blob_writer(url, "StorageAccessKey", ACCOUNT_KEY, overwrite=True) as again:
        again.write(b"half")
    with open_blob_reader(url, "StorageAccessKey", ACCOUNT_KEY) as source:
        assert source.read() == b"first"
    with open_blob_writer(url, "StorageAccessKey", ACCOUNT_KEY, overwrite=True) as second:
        second.write(b"second")
        second.commit()
    with open_blob_reader(url, "StorageAccessKey", ACCOUNT_KEY) as source:
        assert source.read() == b"second"


def test_a_blob_created_during_the_export_is_not_clobbered(azurite):
    container = azurite.new_container()
    url = azurite.url(container, "race.bacpac")
    writer = open_blob_writer(url, "StorageAccessKey", ACCOUNT_KEY)
    writer.write(b"mine")
    with azurite.service() as service:
        service.get_blob_client(container, "race.bacpac").upload_blob(b"theirs", overwrite=True)
    with pytest.raises(ConflictError, match="created while the export ran"):
        writer.commit()
    with open_blob_reader(url, "StorageAccessKey", ACCOUNT_KEY) as source:
        assert source.read() == b"theirs"


def test_missing_container_and_missing_blob(azurite):
    url = azurite.url("nosuchcontainer", "db.bacpac")
    message = f"container 'nosuchcontainer' does not exist in account '{ACCOUNT}'"
    with pytest.raises(NotFoundError) as error:
        open_blob_writer(url, "StorageAccessKey", ACCOUNT_KEY)
    assert str(error.value) == message
    with pytest.raises(NotFoundError) as error:
        open_blob_writer(url, "StorageAccessKey", ACCOUNT_KEY, overwrite=True)
    assert str(error.value) == message
    with pytest.raises(NotFoundError) as error:
        open_blob_reader(url, "StorageAccessKey", ACCOUNT_KEY)
    assert str(error.value) == message
    container = azurite.new_container()
    with pytest.raises(NotFoundError) as error:
        open_blob_reader(azurite.url(container, "missing.bacpac"), "StorageAccessKey", ACCOUNT_KEY)
    assert str(error.value) == f"blob 'missing.bacpac' does not exist in container '{container}' of account '{ACCOUNT}'"


def test_a_blob_replaced_while_it_is_read_fails_clearly(azurite):
    container = azurite.new_container()
    url = azurite.url(container, "moving.bacpac")
    with azurite.service() as service:
        service.get_blob_client(container, "moving.bacpac").upload_blob(b"old" * 1000)
        with open_blob_reader(url, "StorageAccessKey", ACCOUNT_KEY) as source:
            service.get_blob_client(container, "moving.bacpac").upload_blob(b"new" * 1000, overwrite=True)
            with pytest.raises(StorageError, match="changed while it was being read"):
                source.read(10)


def test_expired_sas_says_when_it_expired(azurite):
    container = azurite.new_container()
    url = azurite.url(container, "late.bacpac")
    expiry = (_now() - datetime.timedelta(hours=1)).replace(microsecond=0)
    token = _container_sas(azurite, container, expiry=expiry, read=True, write=True, create=True)
    shown = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
    for opener in (open_blob_writer, open_blob_reader):
        with pytest.raises(StorageError, match=f"the SAS token expired at {shown}"):
            opener(url, "SharedAccessKey", token)


def test_a_sas_that_expires_during_the_export(azurite):
    container = azurite.new_container()
    url = azurite.url(container, "slow.bacpac")
    expiry = (_now() + datetime.timedelta(seconds=2)).replace(microsecond=0)
    token = _container_sas(azurite, container, expiry=expiry, read=True, write=True, create=True)
    writer = open_blob_writer(url, "SharedAccessKey", token, block_size=1024, retries=0)
    time.sleep(max(0.0, (expiry - _now()).total_seconds()) + 1.2)
    with pytest.raises(StorageError) as error:
        writer.write(b"y" * 4096)
        writer.commit()
    assert f"expired at {expiry.strftime('%Y-%m-%dT%H:%M:%SZ')}" in str(error.value)
    assert _blob_names(azurite, container) == []


def test_refused_credentials_never_echo_the_secret(azurite):
    container = azurite.new_container()
    url = azurite.url(container, "db.bacpac")
    wrong_key = "A" * 86 + "=="
    with pytest.raises(StorageError, match="storage account key was refused by account 'devstoreaccount1'") as error:
        open_blob_writer(url, "StorageAccessKey", wrong_key)
    assert wrong_key not in str(error.value)
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas
    forged = generate_container_sas(ACCOUNT, container, account_key=wrong_key,
                                    permission=ContainerSasPermissions(read=True, write=True, create=True),
                                    expiry=_now() + datetime.timedelta(hours=1))
    signature = forged.split("sig=")[1].split("&")[0]
    for opener in (open_blob_writer, open_blob_reader):
        with pytest.raises(StorageError, match="the SAS token was refused") as error:
            opener(url + "?" + forged, None, None)
        assert signature not in str(error.value) and "\n" not in str(error.value)


def test_nothing_listening_is_a_clear_storage_error():
    url = f"http://127.0.0.1:{free_port()}/{ACCOUNT}/c1x/db.bacpac"
    for opener in (open_blob_writer, open_blob_reader):
        with pytest.raises(StorageError, match="cannot reach Azure Blob Storage at .*connection refused"):
            opener(url, "StorageAccessKey", ACCOUNT_KEY, retries=0)


def _big_model():
    model = Model()
    model.add(Table("dbo", "Big", [Column("Id", SqlType("int"), nullable=False),
                                   Column("Payload", SqlType("varbinary", length=2000))]))
    model.add(Table("dbo", "Small", [Column("Id", SqlType("int"), nullable=False),
                                     Column("Name", SqlType("nvarchar", length=50))]))
    return model


def _big_package(target, big_rows, seed=3):
    """A package with one big table (incompressible payloads) and a small one written after it."""
    generator = random.Random(seed)
    with PackageWriter(target, _big_model(), "Ranged", compresslevel=1) as writer:
        writer.write_table("dbo", "Big", ((i, generator.randbytes(1000)) for i in range(big_rows)))
        writer.write_table("dbo", "Small", [(i, f"row {i}") for i in range(20)])


def test_reader_uses_ranged_reads(azurite):
    container = azurite.new_container()
    url = azurite.url(container, "ranged.bacpac")
    with open_blob_writer(url, "StorageAccessKey", ACCOUNT_KEY) as target:
        _big_package(target, big_rows=12_000)
        size = target.commit()["size"]
    assert size > 10 * 1024 * 1024
    with open_blob_reader(url, "StorageAccessKey", ACCOUNT_KEY) as source:
        with PackageReader(source) as package:
            assert list(package.rows(package.table("dbo.Small")))[-1] == (19, "row 19")
            opened = source.raw.bytes_downloaded
            assert opened < size / 20, f"{opened} of {size} bytes downloaded to read one small table"
            requests_before = source.raw.requests
            assert package.count_rows(package.table("dbo.Big")) == 12_000
            streamed = source.raw.requests - requests_before
            # sequential reading of a ~12 MB member: a handful of growing GETs, not one per small read
            assert streamed <= size // (1024 * 1024) + 10, streamed
            assert source.raw.bytes_downloaded < 2 * size


def test_blob_file_serves_the_pipelines_like_a_local_file(azurite, vectors):
    container = azurite.new_container()
    token = _container_sas(azurite, container, read=True, write=True, create=True)
    location = blob.BlobFile(azurite.url(container, "pipeline.bacpac") + "?" + token, None, None,
                             block_size=64 * 1024)
    assert "sig=" not in str(location) and "sig=" not in location.uri and "sig=" not in str(location.path)
    assert location.size() is None
    location.check_writable(overwrite=False)             # what export_database calls before any data
    with location.writer(overwrite=False) as output:
        expected = _copy_package(vectors / "bacpactod-types" / "Test.bacpac", output.file)
        committed = output.commit()
    assert location.size() == committed["size"] > 0
    with location.open_read() as stream:
        assert _rows(stream) == expected
    with pytest.raises(ConflictError):
        location.check_writable(overwrite=False)
    with location.writer(overwrite=True):                # left without commit: the blob stays as it was
        pass
    with location.open_read() as stream:
        assert _rows(stream) == expected
