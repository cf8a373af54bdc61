"""--edition and --service-objective of import, through the real az parser: a service objective must
exist and belong to the edition, whatever the server. With -g and a signed-in az the region's
capabilities (Azure Resource Manager) decide; otherwise the documented list in _objectives.py."""
from types import SimpleNamespace as NS

import pytest
from azure.cli.core import azclierror as azerr

from azext_bacpac import _operations
from azext_bacpac._objectives import SERVICE_OBJECTIVES
from azext_bacpac.engines.sqlserver import arm

SQLITE = 'sqlite:///tmp/data'


@pytest.fixture
def submitted(monkeypatch):
    """What reaches the operation (nothing runs): one dict per submitted import."""
    calls = []

    def record(cmd, request, **kwargs):
        calls.append(dict(kwargs, request_type=request.request_type, request=request))
        return {'name': 'recorded'}
    monkeypatch.setattr(_operations, 'submit', record)
    return calls


@pytest.fixture
def signed_in(monkeypatch):
    """A stand-in ARM client whose region offers Hyperscale HS_Gen9_2 (not in the documented list) and S3."""
    capabilities = NS(supported_server_versions=[NS(supported_editions=[
        NS(name='Hyperscale', supported_service_level_objectives=[NS(name='HS_Gen9_2')]),
        NS(name='Standard', supported_service_level_objectives=[NS(name='S3')])])])
    client = NS(servers=NS(get=lambda group, name: NS(fully_qualified_domain_name=name + '.database.windows.net',
                                                      location='westeurope', public_network_access='Enabled')),
                capabilities=NS(list_by_location=lambda location, include=None: capabilities))
    monkeypatch.setattr(arm, 'management_client', lambda cli_ctx, subscription_id=None: client)


@pytest.fixture
def not_signed_in(monkeypatch):
    def refuse(cli_ctx, subscription_id=None):
        raise RuntimeError("Please run 'az login' to setup account.")
    monkeypatch.setattr(arm, 'management_client', refuse)


def _import(az, server, *args):
    return az('sql', 'db', 'bacpac', 'import', '-s', server, '-n', 'copy', '--storage-uri', 'x.bacpac', *args)


def _one_line_error(result):
    assert result.exit_code == 1 and isinstance(result.error, azerr.InvalidArgumentValueError), result
    errors = [line for line in result.stderr.splitlines() if line.startswith('ERROR:')]
    assert len(errors) == 1 and 'Traceback' not in result.stderr
    return errors[0]


@pytest.mark.parametrize('server', [SQLITE, 'localhost,1433', 'myserver'])
def test_an_objective_of_another_edition_is_refused_before_anything_starts(az, submitted, server):
    line = _one_line_error(_import(az, server, '--edition', 'Basic', '--service-objective', 'P15'))
    assert 'belongs to edition Premium, not Basic' in line
    assert 'Use --edition Premium with it, or one of Basic\'s: Basic.' in _import(
        az, server, '--edition', 'Basic', '--service-objective', 'p15').stderr
    assert not submitted


@pytest.mark.parametrize('objective, hint', [('P16', "Did you mean 'P15'"), ('GP_Gen5_3', "Did you mean 'GP_Gen5_2'"),
                                             ('HS_Gen4_2', "Did you mean 'HS_Gen5_2'"), ('Gold', 'Examples:')])
def test_an_objective_that_does_not_exist_is_refused(az, submitted, objective, hint):
    result = _import(az, SQLITE, '--service-objective', objective)
    line = _one_line_error(result)
    assert "--service-objective '{}' is not an Azure SQL Database service objective".format(objective) in line
    assert hint in result.stderr
    assert not submitted


def test_a_retired_edition_is_refused(az, submitted):
    line = _one_line_error(_import(az, SQLITE, '--edition', 'PremiumRS'))
    assert '--edition PremiumRS is no longer offered' in line
    assert not submitted


@pytest.mark.parametrize('edition, objective, canonical', [
    ('Standard', 's0', 'S0'), ('GeneralPurpose', 'gp_gen5_2', 'GP_Gen5_2'), (None, 'GP_S_Gen5_1', 'GP_S_Gen5_1'),
    ('Hyperscale', 'HS_PRMS_128', 'HS_PRMS_128'), ('BusinessCritical', 'BC_M_64', 'BC_M_64'),
    ('DataWarehouse', 'DW100c', 'DW100c'), ('Basic', 'Basic', 'Basic'), ('None', 'P15', 'P15'),
])
def test_documented_objectives_pass_in_their_canonical_spelling(az, submitted, edition, objective, canonical):
    args = ['--service-objective', objective] + (['--edition', edition] if edition else [])
    result = _import(az, 'localhost,1433', *args)
    assert result.exit_code == 0, result
    (call,) = submitted
    assert call['request'].service_objective == canonical


def test_without_a_login_the_documented_list_decides(az, submitted, not_signed_in):
    line = _one_line_error(az('sql', 'db', 'bacpac', 'import', '-g', 'rg', '-s', 'myserver', '-n', 'copy',
                              '--storage-uri', 'x.bacpac', '--edition', 'Basic', '--service-objective', 'P15'))
    assert 'belongs to edition Premium, not Basic' in line
    assert not submitted


def test_with_a_login_the_region_decides(az, submitted, signed_in):
    result = az('sql', 'db', 'bacpac', 'import', '-g', 'rg', '-s', 'myserver', '-n', 'copy',
                '--storage-uri', 'x.bacpac', '--edition', 'Hyperscale', '--service-objective', 'HS_Gen9_2')
    assert result.exit_code == 0, result
    assert submitted[0]['server'] == 'myserver.database.windows.net'
    line = _one_line_error(az('sql', 'db', 'bacpac', 'import', '-g', 'rg', '-s', 'myserver', '-n', 'copy',
                              '--storage-uri', 'x.bacpac', '--edition', 'Standard', '--service-objective', 'S4'))
    assert "service objective 'S4' is not offered for Standard in westeurope" in line


def test_the_documented_list_is_consistent():
    names = [name.lower() for objectives in SERVICE_OBJECTIVES.values() for name in objectives]
    assert len(names) == len(set(names))                  # each name belongs to one edition
    assert SERVICE_OBJECTIVES['Premium'] == ['P1', 'P2', 'P4', 'P6', 'P11', 'P15']
    assert 'HS_Gen5_80' in SERVICE_OBJECTIVES['Hyperscale'] and 'HS_Gen5_128' not in SERVICE_OBJECTIVES['Hyperscale']
    prefixes = {'GeneralPurpose': 'GP_', 'BusinessCritical': 'BC_', 'Hyperscale': 'HS_'}
    for edition, prefix in prefixes.items():
        assert all(name.startswith(prefix) for name in SERVICE_OBJECTIVES[edition])
