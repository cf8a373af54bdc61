"""No password, account key or SAS signature anywhere: not on the worker's command line, not in the
operation store (and its WAL), not in worker logs, not in az's --debug output, and not in any output
shape of export, import, show, list, cancel, wait and inspect, whether the operation succeeds or fails
(a blob export to a closed loopback port, a read-only or a forged SAS against Azurite).

One exception, documented and asserted exactly: a secret typed on the command line is echoed by
az itself under --debug ("Command arguments: [...]", knack logs argv before any extension loads).
The help texts tell users to pass secrets by @file, @- or environment variable; those never show.
"""
import datetime
import json
import os
import sqlite3

import pytest

from tests.storage.azurite import ACCOUNT, ACCOUNT_KEY, free_port
from tests.storage.azurite import azurite  # noqa: F401  pylint: disable=unused-import  (pytest fixture)

from .conftest import CONFIG_DIR

PASSWORD = "Pa55-secret-password-7f3a"
KEY = "c2VjcmV0LWFjY291bnQta2V5LW5ldmVyLXNob3du"            # looks like an account key
SAS_SIGNATURE = "c2lnbmF0dXJlLW5ldmVyLXNob3du%3D"
SAS = (f"sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2099-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https,http"
       f"&sig={SAS_SIGNATURE}")


class Scan:
    """Everything the tests saw, searched for every secret at the end."""

    def __init__(self):
        self.texts = []          # (where, text)
        self.secrets = {PASSWORD, KEY, SAS, SAS_SIGNATURE, SAS_SIGNATURE.replace("%3D", "=")}

    def add(self, where, text):
        self.texts.append((where, text if isinstance(text, str) else text.decode("utf-8", "replace")))

    def az(self, az, *args, debug=True):
        result = az(*args, *(["--debug"] if debug else []))
        self.add("az " + " ".join(args[3:5]), result.stdout + result.stderr)
        return result

    def files(self):
        folder = os.path.join(CONFIG_DIR, "bacpac")
        for root, _, names in os.walk(folder):
            for name in names:
                with open(os.path.join(root, name), "rb") as handle:
                    self.add(os.path.join(root, name), handle.read())

    def worker_command_line(self, operation_id):
        from azext_bacpac.operations.store import OperationStore, default_store_path
        record = OperationStore(default_store_path()).get(operation_id)
        try:
            with open(f"/proc/{record.worker_pid}/cmdline", "rb") as handle:
                line = handle.read()
        except OSError:
            return None
        self.add(f"worker {record.worker_pid} command line", line.replace(b"\0", b" "))
        return line

    def leaks(self, allowed_line=None):
        found = []
        for where, text in self.texts:
            for line in text.splitlines():
                for secret in self.secrets:
                    if secret in line and not (allowed_line and allowed_line in line):
                        found.append(f"{where}: {line.strip()[:300]}")
        return found


@pytest.fixture
def secret_environment(monkeypatch, tmp_path):
    """Secrets the recommended ways: environment variables and @file."""
    monkeypatch.setenv("AZEXT_BACPAC_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("AZEXT_BACPAC_STORAGE_KEY", KEY)
    sas_file = tmp_path / "sas.txt"
    sas_file.write_text("?" + SAS)
    return "@" + str(sas_file)


def _database(folder, rows=150_000):
    folder.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(folder / "db.sqlite"))
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)")
    connection.executemany("INSERT INTO t VALUES (?, ?)", ((i, f"note {i} " * 3) for i in range(rows)))
    connection.commit()
    connection.close()
    return "sqlite:///" + str(folder)


def _submitted(result):
    assert result.exit_code == 0, result
    return json.loads(result.stdout)


def test_no_secret_in_any_output_store_log_or_command_line(az, tmp_path, secret_environment):
    scan = Scan()
    server = _database(tmp_path / "src")
    closed = f"http://127.0.0.1:{free_port()}/{ACCOUNT}/bacpacs/db.bacpac"

    # a local export that succeeds (the SQLite engine ignores the password and the key)
    ok = _submitted(scan.az(az, "sql", "db", "bacpac", "export", "-s", server, "-n", "db", "--storage-uri",
                            str(tmp_path / "db.bacpac"), "-u", "dba", "--storage-key-type", "StorageAccessKey",
                            "--no-wait"))
    assert scan.worker_command_line(ok["name"]) is not None
    assert scan.az(az, "sql", "db", "bacpac", "wait", "--operation-id", ok["name"]).exit_code == 0
    # an export cancelled while it runs
    running = _submitted(scan.az(az, "sql", "db", "bacpac", "export", "-s", server, "-n", "db", "--storage-uri",
                                 str(tmp_path / "cancelled.bacpac"), "-u", "dba", "--no-wait",
                                 "--output-shape", "cmdlet"))
    link = running["OperationStatusLink"]
    scan.worker_command_line(link.rsplit("/", 1)[-1])
    for shape in ("az", "cmdlet"):
        cancelled = scan.az(az, "sql", "db", "bacpac", "cancel", "--operation-id", link.rsplit("/", 1)[-1],
                            "--yes", "--output-shape", shape)
        assert cancelled.exit_code == 0, cancelled
    # a blob export and import with a SAS (from @file), and an account key (from the environment),
    # against a closed loopback port: both fail, with their messages recorded
    failed = []
    for arguments in (["--storage-key-type", "SharedAccessKey", "--storage-key", secret_environment],
                      ["--storage-key-type", "StorageAccessKey"]):
        record = _submitted(scan.az(az, "sql", "db", "bacpac", "export", "-s", server, "-n", "db", "--storage-uri",
                                    closed, *arguments, "--no-wait"))
        scan.worker_command_line(record["name"])
        waited = scan.az(az, "sql", "db", "bacpac", "wait", "--operation-id", record["name"])
        assert waited.exit_code == 1, waited
        failed.append(record["name"])
        if arguments[1] != "SharedAccessKey":
            continue                       # (each failing blob request waits out one retry: keep them few)
        imported = scan.az(az, "sql", "db", "bacpac", "import", "-s", "sqlite:///" + str(tmp_path), "-n",
                           "fromblob", "--storage-uri", closed, *arguments)
        assert imported.exit_code == 1, imported
        inspected = scan.az(az, "sql", "db", "bacpac", "inspect", "--storage-uri", closed, *arguments)
        assert inspected.exit_code == 1, inspected
    # every way of looking at those operations
    for operation_id in [ok["name"], failed[0], failed[1]]:
        for shape in ("az", "cmdlet"):
            shown = scan.az(az, "sql", "db", "bacpac", "show", "--operation-id", operation_id, "--output-shape", shape)
            assert shown.exit_code == 0, shown
    for shape in ("az", "cmdlet"):
        assert scan.az(az, "sql", "db", "bacpac", "list", "--output-shape", shape).exit_code == 0
    assert scan.az(az, "sql", "db", "bacpac", "inspect", "--storage-uri", str(tmp_path / "db.bacpac")).exit_code == 0
    shown = json.loads(az("sql", "db", "bacpac", "show", "--operation-id", failed[0]).stdout)
    assert shown["state"] == "Failed" and "127.0.0.1" in shown["errorMessage"]      # a real, useful message
    scan.files()
    assert scan.leaks() == []


def test_a_sas_typed_on_the_command_line_shows_only_in_azs_own_argv_echo(az, tmp_path):
    scan = Scan()
    closed = f"http://127.0.0.1:{free_port()}/{ACCOUNT}/bacpacs/db.bacpac?{SAS}"
    result = scan.az(az, "sql", "db", "bacpac", "inspect", "--storage-uri", closed)
    assert result.exit_code == 1 and "127.0.0.1" in result.stderr
    record = _submitted(scan.az(az, "sql", "db", "bacpac", "export", "-s", _database(tmp_path / "src", 10),
                                "-n", "db", "--storage-uri", closed, "--storage-key", KEY, "--no-wait"))
    scan.worker_command_line(record["name"])
    assert scan.az(az, "sql", "db", "bacpac", "wait", "--operation-id", record["name"]).exit_code == 1
    scan.files()
    assert scan.leaks(allowed_line="Command arguments: [") == []
    echoed = [line for _, text in scan.texts for line in text.splitlines() if SAS_SIGNATURE in line]
    assert echoed and all("Command arguments: [" in line for line in echoed)


def test_read_only_and_forged_sas_tokens_against_azurite_fail_without_showing_them(az, azurite, tmp_path):  # noqa: F811
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas
    scan = Scan()
    container = azurite.new_container()
    expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    read_only = generate_container_sas(ACCOUNT, container, account_key=ACCOUNT_KEY, expiry=expiry,
                                       permission=ContainerSasPermissions(read=True, list=True))
    forged = read_only.replace("sp=rl", "sp=rwl")       # claims write: the service refuses the signature
    server = _database(tmp_path / "src", 100)
    for token, words in ((read_only, "does not allow writing"), (forged, "")):
        signature = dict(part.split("=", 1) for part in token.split("&"))["sig"]
        scan.secrets |= {token, signature}
        sas_file = tmp_path / "sas.txt"
        sas_file.write_text(token)
        record = _submitted(scan.az(az, "sql", "db", "bacpac", "export", "-s", server, "-n", "db", "--storage-uri",
                                    azurite.url(container, "db.bacpac"), "--storage-key-type", "SharedAccessKey",
                                    "--storage-key", "@" + str(sas_file), "--no-wait"))
        scan.worker_command_line(record["name"])
        waited = scan.az(az, "sql", "db", "bacpac", "wait", "--operation-id", record["name"])
        assert waited.exit_code == 1 and words in waited.stderr, waited
        for shape in ("az", "cmdlet"):
            scan.az(az, "sql", "db", "bacpac", "show", "--operation-id", record["name"], "--output-shape", shape)
    with azurite.service() as service:
        assert list(service.get_container_client(container).list_blobs()) == []
    scan.files()
    assert scan.leaks() == []
