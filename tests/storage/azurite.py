"""Azurite, the Azure Blob Storage emulator, for tests and benchmarks: installed if missing, started
on 127.0.0.1 with a free port and a temporary --location, stopped afterwards.

Use the `azurite` fixture (session scope) by importing it into a test module:

    from tests.storage.azurite import azurite  # noqa: F401  (pytest fixture)

or, outside pytest, `with AzuriteServer(location) as server: ...`.

Installation: `npm ci` (or `npm install`) in scripts/azurite/, whose package.json pins
azurite 3.35.0 (3.37 needs Node 22); node_modules stays there, ignored by git. Needs node >= 18
and npm on PATH. AZURITE_DIR overrides the folder holding node_modules/.bin/azurite-blob.
Without node/npm the tests are skipped, except in CI (CI set), where that is a failure.
"""
import fcntl
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AZURITE_FOLDER = REPO / "scripts" / "azurite"
AZURITE_VERSION = "3.35.0"
ACCOUNT = "devstoreaccount1"
# Azurite's documented, public development key (the same on every machine): not a secret.
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
HOST = "127.0.0.1"
START_TIMEOUT = 30.0


class AzuriteUnavailable(RuntimeError):
    """node or npm is missing, or the install failed."""


def azurite_folder():
    return Path(os.environ.get("AZURITE_DIR", AZURITE_FOLDER))


def azurite_script(install=True):
    """Path of azurite-blob's entry script, installing Azurite into scripts/azurite/ when missing."""
    folder = azurite_folder()
    script = folder / "node_modules" / ".bin" / "azurite-blob"
    if script.exists():
        return script
    if not install:
        raise AzuriteUnavailable(f"Azurite is not installed in {folder}")
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        raise AzuriteUnavailable("node and npm are needed to install Azurite (npm install azurite@"
                                 f"{AZURITE_VERSION}); they are not on PATH")
    folder.mkdir(parents=True, exist_ok=True)
    # One installer among parallel sessions; the lock lives outside the folder (npm ci empties node_modules).
    digest = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:12]
    with open(Path(tempfile.gettempdir()) / f"azext-bacpac-azurite-{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not script.exists():
            if (folder / "package.json").exists():
                command = [npm, "ci" if (folder / "package-lock.json").exists() else "install"]
            else:
                command = [npm, "install", f"azurite@{AZURITE_VERSION}"]
            command += ["--no-audit", "--no-fund", "--loglevel=error"]
            result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600, check=False)
            if result.returncode != 0 or not script.exists():
                raise AzuriteUnavailable(f"{' '.join(command)} failed in {folder}: "
                                         f"{(result.stderr or result.stdout).strip()[-2000:]}")
    return script


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class AzuriteServer:
    """One azurite-blob process on 127.0.0.1. A context manager: stops the process on exit."""

    def __init__(self, location, port=None, in_memory=False):
        self.location = Path(location)
        self.port = port
        self.in_memory = in_memory
        self.process = None
        self.log_path = self.location / "azurite.log"

    @property
    def endpoint(self):
        return f"http://{HOST}:{self.port}/{ACCOUNT}"

    @property
    def account(self):
        return ACCOUNT

    @property
    def key(self):
        return ACCOUNT_KEY

    @property
    def connection_string(self):
        return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
                f"BlobEndpoint={self.endpoint};")

    def url(self, container, blob):
        return f"{self.endpoint}/{container}/{blob}"

    def start(self):
        script = azurite_script()
        self.location.mkdir(parents=True, exist_ok=True)
        last_error, explicit_port = None, self.port
        for _ in range(3):                          # a free port can be taken between probe and bind
            port = explicit_port or free_port()
            command = [shutil.which("node") or "node", str(script), "--blobHost", HOST, "--blobPort", str(port),
                       "--location", str(self.location / "data"), "--silent", "--skipApiVersionCheck", "--loose",
                       "--disableTelemetry"]
            if self.in_memory:
                command.append("--inMemoryPersistence")
            log = open(self.log_path, "ab")         # pylint: disable=consider-using-with
            try:
                self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                                cwd=self.location)
            finally:
                log.close()
            self.port = port
            try:
                self._wait_ready()
                return self
            except AzuriteUnavailable as error:
                last_error = error
                self.stop()
                if explicit_port:
                    break
        raise last_error

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AzuriteUnavailable(f"Azurite exited with code {self.process.returncode}: {self.log_tail()}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5) as connection:
                    connection.sendall(b"GET /" + ACCOUNT.encode() + b"?comp=list HTTP/1.1\r\nHost: "
                                       + HOST.encode() + b"\r\nConnection: close\r\n\r\n")
                    if connection.recv(16).startswith(b"HTTP/1.1"):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise AzuriteUnavailable(f"Azurite did not answer on {HOST}:{self.port} within {START_TIMEOUT:.0f} s: "
                                 f"{self.log_tail()}")

    def log_tail(self):
        try:
            return self.log_path.read_text(errors="replace")[-1500:].strip() or "(no output)"
        except OSError:
            return "(no log)"

    def stop(self):
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    # -- helpers for tests ---------------------------------------------------------------------
    def service(self, **options):
        from azure.storage.blob import BlobServiceClient
        return BlobServiceClient(self.endpoint, credential={"account_name": ACCOUNT, "account_key": ACCOUNT_KEY},
                                 **options)

    def new_container(self, prefix="t"):
        name = f"{prefix}{uuid.uuid4().hex[:12]}"
        with self.service() as service:
            service.create_container(name)
        return name

    def __enter__(self):
        return self.start()

    def __exit__(self, *_):
        self.stop()


@pytest.fixture(scope="session")
def azurite(tmp_path_factory):
    """A running Azurite (blob service only) for the whole session; stopped at its end."""
    try:
        server = AzuriteServer(tmp_path_factory.mktemp("azurite"))
        server.start()
    except AzuriteUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(f"Azurite is required in CI: {error}")
        pytest.skip(f"Azurite unavailable: {error}")
    try:
        yield server
    finally:
        server.stop()
