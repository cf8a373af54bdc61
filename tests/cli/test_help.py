"""Help for every command and argument, through the real az parser and the help YAML."""

import io
import re

import pytest
import yaml

OPERATION = {'--no-wait', '--output-shape', '--use-network-isolation', '--storage-account-resource-id',
             '--sql-server-resource-id', '--ids'}
COMMANDS = {
    'export': {'--resource-group', '--server', '--name', '--admin-user', '--admin-password', '--auth-type',
               '--storage-uri', '--storage-key-type', '--storage-key', '--tables', '--exclude-tables',
               '--overwrite', '--trust-server-certificate', '--consistency'} | OPERATION,
    'import': {'--resource-group', '--server', '--name', '--admin-user', '--admin-password', '--auth-type',
               '--storage-uri', '--storage-key-type', '--storage-key', '--tables', '--exclude-tables',
               '--edition', '--service-objective', '--max-size', '--trust-server-certificate',
               '--import-users', '--max-uncompressed-size', '--bookkeeping'} | OPERATION,
    'inspect': {'--storage-uri', '--storage-key-type', '--storage-key', '--verify-checksum',
                '--max-uncompressed-size'},
    'preflight': {'--server', '--name', '--direction', '--storage-uri', '--storage-key-type', '--storage-key',
                  '--admin-user', '--admin-password', '--auth-type', '--trust-server-certificate',
                  '--resource-group'},
    'show': {'--operation-status-link', '--operation-id', '--output-shape'},
    'list': {'--server', '--name', '--active-only', '--output-shape', '--resource-group', '--ids'},
    'wait': {'--operation-status-link', '--operation-id', '--timeout', '--interval'},
    'cancel': {'--operation-id', '--server', '--database', '--elastic-pool', '--output-shape', '--yes',
               '--resource-group', '--ids'},
}
SHORT = {'--resource-group': '-g', '--server': '-s', '--name': '-n', '--admin-user': '-u',
         '--admin-password': '-p', '--auth-type': '-a'}
# --server and --name may come from --ids instead: the validator requires one or the other (exit 2).
REQUIRED = {'export': {'--storage-uri'}, 'import': {'--storage-uri'},
            'inspect': {'--storage-uri'}, 'preflight': {'--server', '--name'}, 'show': set(), 'list': set(), 'wait': set(), 'cancel': {'--operation-id'}}


def _arguments(name):
    """{long option: (options, required, help)} of `az sql db bacpac <name>`, from the loaded command."""
    from azure.cli.core.mock import DummyCli
    cli = DummyCli()
    with pytest.raises(SystemExit) as exit_info:
        cli.invoke(['sql', 'db', 'bacpac', name, '-h'], out_file=io.StringIO())
    assert exit_info.value.code == 0
    command = cli.invocation.commands_loader.command_table['sql db bacpac ' + name]
    found = {}
    for dest, argument in command.arguments.items():
        settings = argument.type.settings
        # --subscription is core's global argument (shown under 'Resource Id' where --ids is)
        if dest in ('cmd', '_subscription') or settings.get('arg_group') in ('Global', 'Global Policy'):
            continue
        options = list(settings.get('options_list') or [])
        found[options[0]] = (options, settings.get('required'), settings.get('help'))
    return found


@pytest.mark.parametrize('name', sorted(COMMANDS))
def test_every_argument_is_declared_with_help(name):
    found = _arguments(name)
    assert set(found) == COMMANDS[name]
    for option, (options, required, text) in found.items():
        assert text and len(text) > 20, option
        if option in SHORT:
            assert SHORT[option] in options, option
        assert bool(required) == (option in REQUIRED[name]), option


@pytest.mark.parametrize('name', sorted(COMMANDS))
def test_help_yaml_has_examples_using_every_argument(name):
    from azext_bacpac._help import helps
    entry = yaml.safe_load(helps['sql db bacpac ' + name])
    assert entry['type'] == 'command'
    assert entry['short-summary'] and entry['long-summary']
    examples = entry['examples']
    assert len(examples) >= 2
    texts = ' '.join(example['text'] for example in examples)
    for example in examples:
        assert example['name'] and 'az sql db bacpac ' + name in example['text']
    for option in COMMANDS[name]:
        short = SHORT.get(option)
        assert re.search(r'(^|\s)({})(\s|=|$)'.format(re.escape(option) + ('|' + short if short else '')), texts), \
            'no example of {} uses {}'.format(name, option)


def test_group_help_lists_the_commands(az):
    from azext_bacpac._help import helps
    entry = yaml.safe_load(helps['sql db bacpac'])
    assert entry['type'] == 'group' and entry['short-summary']
    result = az('sql', 'db', 'bacpac', '-h')
    assert result.exit_code == 0
    for name in COMMANDS:
        assert re.search(r'^\s+{}\s+:'.format(name), result.stdout, re.M), result.stdout
    assert 'preview' in result.output.lower()


@pytest.mark.parametrize('name', sorted(COMMANDS))
def test_command_help_prints_arguments_and_examples(az, name):
    result = az('sql', 'db', 'bacpac', name, '--help')
    assert result.exit_code == 0
    assert 'Examples' in result.stdout
    for option in COMMANDS[name]:
        assert option in result.stdout


def test_core_sql_db_commands_are_still_there(az):
    result = az('sql', 'db', '-h')
    assert result.exit_code == 0
    for core in ('export', 'import', 'create', 'list', 'show', 'op'):
        assert re.search(r'^\s+{}\s'.format(core), result.stdout, re.M), core
    assert re.search(r'^\s+bacpac\s', result.stdout, re.M)
