"""`inspect --debug` of a blob in a real az process: urllib3 logs every request line with its URL, and
az prints DEBUG records, so a SAS could show there. No secret given by @file, @- or the environment may
appear anywhere in the output."""
import datetime
import os
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import AZ_ENV
from tests.storage.azurite import ACCOUNT, ACCOUNT_KEY
from tests.storage.azurite import azurite  # noqa: F401  pylint: disable=unused-import  (pytest fixture)
from tests.vectors import vector_path


def test_debug_output_of_a_blob_inspect_holds_no_secret(azurite, tmp_path):  # noqa: F811
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas
    container = azurite.new_container()
    with azurite.service() as service:
        service.get_blob_client(container, "amado.bacpac").upload_blob(
            Path(vector_path("amado/AmadoDB.bacpac")).read_bytes())
    expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    sas = generate_container_sas(ACCOUNT, container, account_key=ACCOUNT_KEY, expiry=expiry,
                                 permission=ContainerSasPermissions(read=True, list=True))
    signature = dict(part.split("=", 1) for part in sas.split("&"))["sig"]
    sas_file = tmp_path / "sas.txt"
    sas_file.write_text(sas)
    az = Path(sys.executable).with_name("az")
    env = dict(os.environ, **AZ_ENV)
    env["AZURE_CONFIG_DIR"] = str(tmp_path / "config")
    url = azurite.url(container, "amado.bacpac")
    runs = {"@file": (["--storage-key-type", "SharedAccessKey", "--storage-key", f"@{sas_file}"], None, {}),
            "@-": (["--storage-key-type", "SharedAccessKey", "--storage-key", "@-"], sas, {}),
            "environment": (["--storage-key-type", "SharedAccessKey"], None, {"AZEXT_BACPAC_STORAGE_KEY": sas}),
            "account key": (["--storage-key-type", "StorageAccessKey"], None,
                            {"AZEXT_BACPAC_STORAGE_KEY": ACCOUNT_KEY})}
    for how, (arguments, stdin, extra) in runs.items():
        process = subprocess.run([str(az), "sql", "db", "bacpac", "inspect", "--storage-uri", url, *arguments,
                                  "--debug"], env=dict(env, **extra), input=stdin, capture_output=True, text=True,
                                 timeout=300)
        output = process.stdout + process.stderr
        assert process.returncode == 0, (how, process.stderr[-2000:])
        assert "urllib3" in output or "connectionpool" in output, how     # the HTTP log is there, redacted
        for secret in (sas, signature, ACCOUNT_KEY):
            assert secret not in output, (how, [line for line in output.splitlines() if secret in line][:3])
