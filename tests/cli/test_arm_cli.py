"""-g with a signed-in az: the server resolves through Azure Resource Manager (a stand-in client)."""
import json

from azure.cli.core import azclierror as azerr

from azext_bacpac.engines.sqlserver import arm
from tests.cli.test_cli_contract import fake  # noqa: F401  (pytest fixture: recording pipelines, inline worker)
from tests.engines.sqlserver.test_arm import client


def test_resource_group_resolves_the_server_and_checks_the_objective(az, fake, monkeypatch):
    monkeypatch.setattr(arm, 'management_client', lambda cli_ctx, subscription_id=None: client())
    result = az('sql', 'db', 'bacpac', 'import', '-g', 'rg', '-s', 'shop', '-n', 'copy', '--storage-uri', 'x.bacpac',
                '--edition', 'Standard', '--service-objective', 'S3', '--no-wait')
    assert result.exit_code == 0, result
    assert json.loads(result.stdout)['serverName'] == 'shop.database.windows.net'
    wrong = az('sql', 'db', 'bacpac', 'import', '-g', 'rg', '-s', 'shop', '-n', 'copy2', '--storage-uri', 'x.bacpac',
               '--edition', 'Standard', '--service-objective', 'GP_Gen5_2')
    assert wrong.exit_code == 1 and isinstance(wrong.error, azerr.InvalidArgumentValueError)
    assert "service objective 'GP_Gen5_2' is not offered for Standard in westeurope" in wrong.stderr


def test_unknown_server_in_the_resource_group_exits_3(az, fake, monkeypatch):
    monkeypatch.setattr(arm, 'management_client', lambda cli_ctx, subscription_id=None: client(missing=True))
    result = az('sql', 'db', 'bacpac', 'export', '-g', 'rg', '-s', 'shop', '-n', 'db', '--storage-uri', 'x.bacpac')
    assert result.exit_code == 3


def test_without_a_login_the_server_name_alone_is_used(az, fake, monkeypatch):
    def not_signed_in(cli_ctx, subscription_id=None):
        raise RuntimeError("Please run 'az login' to setup account.")
    monkeypatch.setattr(arm, 'management_client', not_signed_in)
    result = az('sql', 'db', 'bacpac', 'export', '-g', 'rg', '-s', 'shop', '-n', 'db', '--storage-uri', 'x.bacpac',
                '--no-wait')
    assert result.exit_code == 0, result
    assert json.loads(result.stdout)['serverName'] == 'shop'
