"""scripts/powershell/AzSqlBacpac against the table, without PowerShell: the committed files equal the
generator's output, and (read back with tests/bridge/psparse.py, independently of the generator)
the functions, their param blocks, enums, runtime data and manifest are exactly the table's."""

import importlib.util
import re
import uuid
from pathlib import Path

import pytest

import bridge
from tests.bridge import psparse

REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / 'scripts' / 'powershell' / 'AzSqlBacpac'
PSM1 = MODULE / 'AzSqlBacpac.psm1'
PSD1 = MODULE / 'AzSqlBacpac.psd1'


def load_generator():
    spec = importlib.util.spec_from_file_location('generate_module', REPO / 'scripts' / 'powershell' /
                                                  'generate_module.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def psm1_text():
    return PSM1.read_text(encoding='utf-8')


@pytest.fixture(scope='module')
def tokens(psm1_text):
    return psparse.tokenize(psm1_text)


@pytest.fixture(scope='module')
def functions(tokens):
    return psparse.functions(tokens)


def test_committed_module_equals_the_generator_output():
    generator = load_generator()
    for path, text in generator.outputs().items():
        with open(path, encoding='utf-8', newline='') as handle:
            assert handle.read() == text, (
                '{} is stale: run .venv/bin/python scripts/powershell/generate_module.py'.format(path))
    assert generator.main(['--check']) == 0


def test_module_is_plain_ascii_with_lf_line_ends(psm1_text):
    for path in (PSM1, PSD1):
        raw = path.read_bytes()
        assert raw.isascii() and b'\r' not in raw, path


def test_exported_functions_are_the_four_cmdlets(functions, tokens, psm1_text):
    exported = [name for name in functions if not name.startswith(('New-AzSqlBacpac', 'ConvertTo-AzSqlBacpac',
                                                                   'Get-AzSqlBacpac', 'Invoke-AzSqlBacpac'))]
    assert exported == list(bridge.CMDLETS)
    match = re.search(r'^Export-ModuleMember -Function (.+)$', psm1_text, re.M)
    assert [s.strip().strip("'") for s in match.group(1).split(',')] == list(bridge.CMDLETS)


def _named(attribute, key):
    for name, value in attribute.named.items():
        if name.lower() == key.lower():
            return value
    return None


@pytest.mark.parametrize('name', list(bridge.CMDLETS))
def test_param_block_equals_the_table_exactly(functions, name):
    spec = bridge.CMDLETS[name]
    function = functions[name]
    assert [p.name for p in function.parameters] == list(spec.parameter_names)
    for declared, expected in zip(function.parameters, spec.parameters):
        assert declared.type == expected.type, name
        parameter_attributes = [a for a in declared.attributes if a.name.lower() == 'parameter']
        assert len(parameter_attributes) == 1, declared.name
        attribute = parameter_attributes[0]
        assert attribute.positional == []
        assert set(k.lower() for k in attribute.named) <= {
            'mandatory', 'position', 'valuefrompipelinebypropertyname', 'helpmessage'}
        assert bool(_named(attribute, 'Mandatory')) == expected.mandatory, declared.name
        assert _named(attribute, 'Position') == expected.position, declared.name
        assert bool(_named(attribute, 'ValueFromPipelineByPropertyName')) == expected.by_property_name, declared.name
        assert _named(attribute, 'HelpMessage') == expected.help
        aliases = [a for a in declared.attributes if a.name.lower() == 'alias']
        assert (tuple(aliases[0].positional) if aliases else ()) == expected.aliases, declared.name
        assert {a.name.lower() for a in declared.attributes} <= {'parameter', 'alias'}


@pytest.mark.parametrize('name', list(bridge.CMDLETS))
def test_cmdlet_binding_output_type_and_call(functions, name):
    spec = bridge.CMDLETS[name]
    function = functions[name]
    by_name = {a.name.lower(): a for a in function.attributes}
    assert set(by_name) == {'cmdletbinding', 'outputtype'}
    assert _named(by_name['cmdletbinding'], 'SupportsShouldProcess') is True
    assert by_name['outputtype'].positional == [spec.output_type]
    body = [t for t in function.body if t.kind != 'newline']
    assert body[0].value == 'process' and body[1].value == '{'   # pipeline input: one call per object
    words = [t.value for t in body]
    assert words.count('Invoke-AzSqlBacpacCmdlet') == 1
    call = words.index('Invoke-AzSqlBacpacCmdlet')
    assert words[call + 1:call + 4] == ['-CmdletName', name, '-BoundParameters']
    assert ('-WhatIfAction' in words) == (spec.should_process is not None)
    if spec.should_process:
        target = words[words.index('-WhatIfTarget') + 1]
        action = words[words.index('-WhatIfAction') + 1]
        rendered = [re.sub(r'\$\(\$(\w+)\)', r'{\1}', text) for text in (target, action)]
        assert tuple(rendered) == spec.should_process


def test_enums_equal_the_table(tokens):
    assert psparse.enums(tokens) == {name: list(enum['values']) for name, enum in bridge.ENUMS.items()}


def test_runtime_data_equals_the_table(tokens):
    cmdlets = psparse.assignment(tokens, 'script:AzSqlBacpacCmdlets')
    assert set(cmdlets) == set(bridge.CMDLETS)
    for name, spec in bridge.CMDLETS.items():
        data = cmdlets[name]
        assert data['Name'] == name
        assert data['Subcommand'] == list(spec.subcommand)
        assert data['FixedArguments'] == list(spec.fixed_arguments)
        assert data['OutputType'] == spec.output_type
        assert data['PropertyOrder'] == list(spec.property_order)
        assert data['ReturnsList'] is spec.returns_list
        assert data['RuntimeRequired'] == list(spec.runtime_required)
        assert data['ThrowOnFailed'] is spec.throw_on_failed
        assert [p['Name'] for p in data['Parameters']] == list(spec.parameter_names)
        for entry, p in zip(data['Parameters'], spec.parameters):
            assert entry.get('Option') == p.option
            assert entry['Convert'] == p.convert
            assert entry.get('Secret') == p.secret
            assert entry.get('EnvVar') == p.env_var
            assert entry.get('ValueMap') == (dict(bridge.ENUMS[p.type]['values']) if p.convert == 'enum' else None)


def test_runtime_settings_equal_the_table(tokens):
    settings = psparse.assignment(tokens, 'script:AzSqlBacpacSettings')

    def info(d):
        return {'ErrorId': d['error_id'], 'Category': d['category'], 'ExceptionType': d['exception_type']}

    assert settings == {
        'AzPathVariable': bridge.AZ_PATH_ENV,
        'OutputArguments': list(bridge.OUTPUT_ARGUMENTS),
        'QuietArguments': list(bridge.QUIET_ARGUMENTS),
        'VerboseArguments': list(bridge.VERBOSE_ARGUMENTS),
        'AtFilePrefix': '@',
        'UriWithQuery': bridge.URI_WITH_QUERY.pattern,
        'BatchUnsafe': bridge.BATCH_UNSAFE.pattern,
        'StatusOutcomes': dict(bridge.STATUS_OUTCOMES),
        'ExitCodeErrors': {code: info(d) for code, d in bridge.EXIT_CODE_ERRORS.items()},
        'OtherExitError': info(bridge.OTHER_EXIT_ERROR),
        'ArgumentError': info(bridge.ARGUMENT_ERROR),
        'FailedError': info(bridge.FAILED_ERROR),
        'AzNotFoundError': info(bridge.AZ_NOT_FOUND_ERROR),
        'Messages': dict(bridge.MESSAGES),
    }


def test_messages_are_dotnet_format_strings_used_by_the_runtime(psm1_text):
    for key, message in bridge.MESSAGES.items():
        assert re.sub(r'\{\d\}', '', message).count('{') == 0 and '}' not in re.sub(r'\{\d\}', '', message)
        assert "['Messages'][{!r}]".format(key) in psm1_text, key


def _switch_cases(function):
    """The string labels of the first `switch (...) { 'label' { ... } ... }` in a function body."""
    body = function.body
    start = next(i for i, t in enumerate(body) if t.kind == 'word' and t.value.lower() == 'switch')
    open_brace = psparse.matching(body, start + 1) + 1
    close = psparse.matching(body, open_brace)
    labels, index = [], open_brace + 1
    while index < close:
        token = body[index]
        if token.kind == 'newline':
            index += 1
            continue
        labels.append(token.value)
        index = psparse.matching(body, index + 1) + 1
    return labels


def test_runtime_handles_every_conversion_of_the_table(functions):
    labels = _switch_cases(functions['ConvertTo-AzSqlBacpacInvocation'])
    assert labels[-1] == 'default'
    used = {p.convert for c in bridge.CMDLETS.values() for p in c.parameters} - {'none'}
    assert set(labels[:-1]) == set(bridge.CONVERSIONS) - {'none'} >= used


def test_runtime_never_puts_secrets_in_this_session_or_on_the_command_line(psm1_text, functions):
    # the child's environment only: no $env: writes, no process-wide SetEnvironmentVariable
    assert not re.search(r'\$env:\w+\s*=', psm1_text, re.I)
    assert 'SetEnvironmentVariable' not in psm1_text
    run = ' '.join(str(t.value) for t in functions['Invoke-AzSqlBacpacAz'].body)
    for needle in ('ProcessStartInfo', 'RedirectStandardInput', 'StandardInput.BaseStream.Write', 'Remove'):
        assert needle in run
    # in the builder, both secret branches `continue` before the one place that adds a value to argv
    build = functions['ConvertTo-AzSqlBacpacInvocation'].body
    values = [t.value for t in build]
    stdin_at, env_at = values.index('stdin'), values.index('env')
    value_add = max(i for i, v in enumerate(values) if v == 'text' and values[i - 2] == '=')
    for branch in (stdin_at, env_at):
        assert 'continue' in values[branch:value_add]
        assert values.index('continue', branch) < value_add


def test_manifest_is_well_formed_and_lists_the_functions():
    manifest, end = psparse.data(psparse.tokenize(PSD1.read_text(encoding='utf-8')))
    assert manifest['RootModule'] == PSM1.name and (MODULE / manifest['RootModule']).is_file()
    assert uuid.UUID(manifest['GUID']) == uuid.UUID(bridge.MODULE_GUID)
    setup = (REPO / 'setup.py').read_text(encoding='utf-8')
    assert manifest['ModuleVersion'] == re.search(r"^VERSION = '([^']+)'", setup, re.M).group(1)
    assert manifest['FunctionsToExport'] == list(bridge.CMDLETS)
    assert manifest['CmdletsToExport'] == [] and manifest['VariablesToExport'] == [] \
        and manifest['AliasesToExport'] == []
    assert manifest['PowerShellVersion'] == '5.1'
    assert set(manifest['CompatiblePSEditions']) == {'Desktop', 'Core'}
    assert PSD1.stem == PSM1.stem == MODULE.name == bridge.MODULE_NAME


def test_parser_reads_what_it_claims():
    # the test's own parser, on a small sample with the features the checks rely on
    text = """
function Get-Thing {
    <# .SYNOPSIS help with a } brace #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType('A.B')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true,
                   HelpMessage = 'it''s, (x)')]
        [Alias('One', 'Two')]
        [String]
        $Name,

        [Parameter()]
        [Switch]
        $Flag
    )
    process { "a $($Name) } b" }
}
$script:Data = @{ A = @(1, 'x'); 'b-c' = @{ D = $null }
    E = $true }
"""
    tokens = psparse.tokenize(text)
    function = psparse.functions(tokens)['Get-Thing']
    assert [(p.name, p.type) for p in function.parameters] == [('Name', 'String'), ('Flag', 'Switch')]
    attribute = function.parameters[0].attributes[0]
    assert attribute.named == {'Mandatory': True, 'Position': 0, 'ValueFromPipelineByPropertyName': True,
                               'HelpMessage': "it's, (x)"}
    assert function.parameters[0].attributes[1].positional == ['One', 'Two']
    assert psparse.assignment(tokens, 'script:Data') == {'A': [1, 'x'], 'b-c': {'D': None}, 'E': True}
    with pytest.raises(psparse.ParseError):
        psparse.data(psparse.tokenize("@{ A = 1; A = 2 }"))
