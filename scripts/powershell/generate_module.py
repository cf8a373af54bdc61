#!/usr/bin/env python3
"""Write scripts/powershell/AzSqlBacpac/AzSqlBacpac.psm1 and .psd1 from scripts/powershell/bridge.py.

    .venv/bin/python scripts/powershell/generate_module.py           # write both files
    .venv/bin/python scripts/powershell/generate_module.py --check   # exit 1 if they differ

The module is generated, never edited by hand: the four functions' param blocks, the enums, and the
data the runtime reads ($script:AzSqlBacpacCmdlets, $script:AzSqlBacpacSettings) all come from the
one table, bridge.CMDLETS. RUNTIME below is the module's fixed part: a line-for-line
mirror of bridge.build_az_invocation / parse_az_error / shape_output / check_status /
windows_command_line / run_cmdlet. tests/bridge checks that the committed files equal this output.
"""

import argparse
import os
import re
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MODULE_DIR = os.path.join(HERE, 'AzSqlBacpac')
if REPO not in sys.path:
    sys.path.insert(0, REPO)

import bridge  # noqa: E402  pylint: disable=wrong-import-position  (beside this script)


def version():
    with open(os.path.join(REPO, 'setup.py'), encoding='utf-8') as handle:
        return re.search(r"^VERSION = '([^']+)'", handle.read(), re.M).group(1)


# ---------------------------------------------------------------------------------------------
# PowerShell literals

def _ascii(text):
    # PowerShell reads typographic quotes as quotes: keep generated text plain ASCII.
    if not all(ord(ch) < 128 for ch in text):
        raise ValueError('non-ASCII text in the bridge table: {!r}'.format(text))
    return text


def ps_string(text):
    """A single-quoted PowerShell string (no expansion; '' is a quote)."""
    return "'" + _ascii(text).replace("'", "''") + "'"


def ps_value(value, indent):
    """A PowerShell data literal for str, bool, int, None, list/tuple, dict (ordered as given)."""
    pad = ' ' * indent
    if value is None:
        return '$null'
    if isinstance(value, bool):
        return '$true' if value else '$false'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return ps_string(value)
    if isinstance(value, (list, tuple)):
        if not value:
            return '@()'
        if all(not isinstance(v, (dict, list, tuple)) for v in value):
            return '@(' + ', '.join(ps_value(v, indent) for v in value) + ')'
        inner = '\n'.join(pad + '    ' + ps_value(v, indent + 4) for v in value)
        return '@(\n' + inner + '\n' + pad + ')'
    if isinstance(value, dict):
        if not value:
            return '@{}'
        if all(not isinstance(v, (list, tuple)) and (not isinstance(v, dict) or _flat(v)) for v in value.values()):
            return '@{ ' + '; '.join(_key(k) + ' = ' + ps_value(v, indent) for k, v in value.items()) + ' }'
        lines = []
        for key, item in value.items():
            lines.append(pad + '    ' + _key(key) + ' = ' + ps_value(item, indent + 4))
        return '@{\n' + '\n'.join(lines) + '\n' + pad + '}'
    raise TypeError(value)


def _key(key):
    if isinstance(key, int) or re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', key):
        return str(key)
    return ps_string(key)


def _flat(mapping):
    return all(not isinstance(v, (dict, list, tuple)) for v in mapping.values())


def ps_expandable(template):
    """A double-quoted PowerShell string from a template with {ParameterName} holes."""
    out = []
    for literal, name in re.findall(r'([^{]*)(?:\{(\w+)\})?', _ascii(template)):
        out.append(literal.replace('`', '``').replace('$', '`$').replace('"', '`"'))
        if name:
            out.append('$(${})'.format(name))
    return '"' + ''.join(out) + '"'


# ---------------------------------------------------------------------------------------------
# The data the runtime reads

def _error_info(info):
    return {'ErrorId': info['error_id'], 'Category': info['category'], 'ExceptionType': info['exception_type']}


def cmdlet_data(spec):
    parameters = []
    for p in spec.parameters:
        value_map = None
        if p.convert == 'enum':
            value_map = dict(bridge.ENUMS[p.type]['values'])
        entry = {'Name': p.name, 'Option': p.option, 'Convert': p.convert, 'Secret': p.secret,
                 'EnvVar': p.env_var, 'ValueMap': value_map}
        # a key left out reads as $null in PowerShell
        parameters.append({k: v for k, v in entry.items() if v is not None})
    return {
        'Name': spec.name,
        'Subcommand': list(spec.subcommand),
        'FixedArguments': list(spec.fixed_arguments),
        'OutputType': spec.output_type,
        'PropertyOrder': list(spec.property_order),
        'ReturnsList': spec.returns_list,
        'RuntimeRequired': list(spec.runtime_required),
        'ThrowOnFailed': spec.throw_on_failed,
        'Parameters': parameters,
    }


def settings_data():
    return {
        'AzPathVariable': bridge.AZ_PATH_ENV,
        'OutputArguments': list(bridge.OUTPUT_ARGUMENTS),
        'QuietArguments': list(bridge.QUIET_ARGUMENTS),
        'VerboseArguments': list(bridge.VERBOSE_ARGUMENTS),
        'AtFilePrefix': bridge.AT_FILE_PREFIX,
        'UriWithQuery': bridge.URI_WITH_QUERY.pattern,
        'BatchUnsafe': bridge.BATCH_UNSAFE.pattern,
        'StatusOutcomes': dict(bridge.STATUS_OUTCOMES),
        'ExitCodeErrors': {code: _error_info(info) for code, info in bridge.EXIT_CODE_ERRORS.items()},
        'OtherExitError': _error_info(bridge.OTHER_EXIT_ERROR),
        'ArgumentError': _error_info(bridge.ARGUMENT_ERROR),
        'FailedError': _error_info(bridge.FAILED_ERROR),
        'AzNotFoundError': _error_info(bridge.AZ_NOT_FOUND_ERROR),
        'Messages': dict(bridge.MESSAGES),
    }


# ---------------------------------------------------------------------------------------------
# The functions

def _wrapped(text):
    return textwrap.wrap(_ascii(text), width=100, initial_indent='    ', subsequent_indent='    ',
                         break_on_hyphens=False)


def _help_block(spec):
    lines = ['    <#', '    .SYNOPSIS'] + _wrapped(spec.synopsis) + ['']
    lines.append('    .DESCRIPTION')
    lines.append('    Mirrors the Az.Sql cmdlet {} on the local engine of azext_bacpac: it runs'.format(spec.name))
    lines.append('    `az {} ... --output-shape cmdlet` and returns {}.'.format(
        ' '.join(spec.subcommand), spec.output_type.rsplit('.', 1)[-1]))
    for p in spec.parameters:
        lines += ['', '    .PARAMETER ' + p.name] + _wrapped(p.help)
    lines += ['', '    .LINK', '    https://learn.microsoft.com/powershell/module/az.sql/' + spec.name.lower(),
              '    #>']
    return lines


def _parameter_lines(p, last):
    named = []
    if p.mandatory:
        named.append('Mandatory = $true')
    if p.position is not None:
        named.append('Position = {}'.format(p.position))
    if p.by_property_name:
        named.append('ValueFromPipelineByPropertyName = $true')
    named.append('HelpMessage = ' + ps_string(p.help))
    lines = ['        [Parameter(' + ', '.join(named) + ')]']
    if p.aliases:
        lines.append('        [Alias(' + ', '.join(ps_string(a) for a in p.aliases) + ')]')
    lines.append('        [{}]'.format(p.type))
    lines.append('        ${}{}'.format(p.name, '' if last else ','))
    return lines


def function_text(spec):
    lines = ['function {} {{'.format(spec.name)]
    lines += _help_block(spec)
    lines.append('    [CmdletBinding(SupportsShouldProcess = $true)]')
    lines.append('    [OutputType({})]'.format(ps_string(spec.output_type)))
    lines.append('    param(')
    for index, p in enumerate(spec.parameters):
        if index:
            lines.append('')
        lines += _parameter_lines(p, index == len(spec.parameters) - 1)
    lines.append('    )')
    lines.append('')
    lines.append('    process {')
    call = ['        Invoke-AzSqlBacpacCmdlet -CmdletName {} -BoundParameters $PSBoundParameters -Caller $PSCmdlet'
            .format(ps_string(spec.name))]
    if spec.should_process:
        target, action = spec.should_process
        call[0] += ' `'
        call.append('            -WhatIfTarget {} -WhatIfAction {}'.format(
            ps_expandable(target), ps_expandable(action)))
    lines += call
    lines.append('    }')
    lines.append('}')
    return '\n'.join(lines)


def enum_text(name):
    members = '\n'.join('    ' + member for member in bridge.ENUMS[name]['values'])
    return '# {}\nenum {} {{\n{}\n}}'.format(bridge.ENUMS[name]['dotnet_type'], name, members)


HEADER = """\
# AzSqlBacpac: New-AzSqlDatabaseExport, New-AzSqlDatabaseImport, Get-AzSqlDatabaseImportExportStatus and
# Stop-AzSqlDatabaseActivity on the local engine of `az sql db bacpac` (azext_bacpac).
#
# GENERATED by scripts/powershell/generate_module.py from scripts/powershell/bridge.py: do not edit by hand.
# Change the table (or the generator's RUNTIME) and run
#     .venv/bin/python scripts/powershell/generate_module.py
# tests/bridge fails when this file differs from the generator's output.
#
# Each function runs `az sql db bacpac <command> ... --output-shape cmdlet --output json` and returns
# PSCustomObjects with the cmdlet's type name and property order. Passwords and keys reach az through
# its standard input and the environment of its process only, never its command line. The az
# executable is $env:{az_env} if set, else `az` from PATH.

#Requires -Version 5.1
"""

RUNTIME = r"""
# ---------------------------------------------------------------------------------------------
# Runtime: the mirror of scripts/powershell/bridge.py (build_az_invocation, parse_az_error, shape_output,
# check_status, windows_command_line, run_cmdlet).

function New-AzSqlBacpacErrorRecord {
    param([string] $Message, [hashtable] $Info, [string] $Recommendation, $Target)
    $exception = New-Object -TypeName $Info['ExceptionType'] -ArgumentList $Message
    $record = [System.Management.Automation.ErrorRecord]::new(
        $exception, $Info['ErrorId'], [System.Management.Automation.ErrorCategory]$Info['Category'], $Target)
    if ($Recommendation) {
        $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new($Message)
        $record.ErrorDetails.RecommendedAction = $Recommendation
    }
    $record
}

function ConvertTo-AzSqlBacpacPlainText {
    param($Value)
    if ($Value -is [System.Security.SecureString]) {
        $pointer = [System.Runtime.InteropServices.Marshal]::SecureStringToCoTaskMemUnicode($Value)
        try {
            return [System.Runtime.InteropServices.Marshal]::PtrToStringUni($pointer)
        }
        finally {
            [System.Runtime.InteropServices.Marshal]::ZeroFreeCoTaskMemUnicode($pointer)
        }
    }
    return [string]$Value
}

# bridge.build_az_invocation: @{ Argv; StdinSecret; EnvSecrets }. Throws ArgumentException.
function ConvertTo-AzSqlBacpacInvocation {
    param([hashtable] $Spec, [System.Collections.IDictionary] $BoundParameters, [bool] $VerboseOutput)
    $settings = $script:AzSqlBacpacSettings
    foreach ($name in $Spec['RuntimeRequired']) {
        if (-not $BoundParameters.ContainsKey($name) -or $null -eq $BoundParameters[$name]) {
            $message = $settings['Messages']['RuntimeRequired'] -f $name, $Spec['Name']
            throw (New-Object System.ArgumentException $message)
        }
    }
    $argv = New-Object System.Collections.Generic.List[string]
    foreach ($word in $Spec['Subcommand']) { $argv.Add($word) }
    $stdinSecret = $null
    $envSecrets = @{}
    foreach ($parameter in $Spec['Parameters']) {
        $name = $parameter['Name']
        if (-not $parameter['Option'] -or $parameter['Convert'] -eq 'none') { continue }
        if (-not $BoundParameters.ContainsKey($name)) { continue }
        $value = $BoundParameters[$name]
        if ($null -eq $value) { continue }
        $text = $null
        switch ($parameter['Convert']) {
            'text' { $text = [string]$value }
            'uri' { $text = ([uri]$value).OriginalString }
            'enum' { $text = $parameter['ValueMap'][$value.ToString()] }
            'bool' { if ($value) { $text = 'true' } else { $text = 'false' } }
            'int64' { $text = ([long]$value).ToString([System.Globalization.CultureInfo]::InvariantCulture) }
            'guid' { $text = ([guid]$value).ToString('D') }
            'secret' { $text = ConvertTo-AzSqlBacpacPlainText -Value $value }
            default { throw (New-Object System.ArgumentException ('Unknown conversion ' + $parameter['Convert'])) }
        }
        if ($null -eq $text) { continue }
        if ($parameter['Secret'] -eq 'stdin') {
            $stdinSecret = $text
            $argv.Add($parameter['Option'] + '=' + $settings['AtFilePrefix'] + '-')
            continue
        }
        if ($parameter['Secret'] -eq 'env') {
            $envSecrets[$parameter['EnvVar']] = $text
            continue
        }
        if ($text.StartsWith($settings['AtFilePrefix'])) {
            throw (New-Object System.ArgumentException ($settings['Messages']['AtFile'] -f $name))
        }
        if ($parameter['Convert'] -eq 'uri' -and $text -match $settings['UriWithQuery']) {
            throw (New-Object System.ArgumentException ($settings['Messages']['UriQuery'] -f $name))
        }
        $argv.Add($parameter['Option'] + '=' + $text)
    }
    foreach ($argument in $Spec['FixedArguments']) { $argv.Add($argument) }
    foreach ($argument in $settings['OutputArguments']) { $argv.Add($argument) }
    if ($VerboseOutput) { $extra = $settings['VerboseArguments'] } else { $extra = $settings['QuietArguments'] }
    foreach ($argument in $extra) { $argv.Add($argument) }
    @{ Argv = $argv.ToArray(); StdinSecret = $stdinSecret; EnvSecrets = $envSecrets }
}

# bridge.windows_command_line: for Windows PowerShell 5.1 (no ArgumentList) and for az.cmd.
function ConvertTo-AzSqlBacpacCommandLine {
    param([string[]] $Arguments, [bool] $Batch)
    $quoted = foreach ($argument in $Arguments) {
        if ($Batch -and $argument -match $script:AzSqlBacpacSettings['BatchUnsafe']) {
            $message = $script:AzSqlBacpacSettings['Messages']['BatchUnsafe'] -f $argument
            throw (New-Object System.ArgumentException $message)
        }
        if (-not $Batch -and $argument.Length -gt 0 -and $argument -notmatch '[\s"]') {
            $argument
            continue
        }
        $builder = New-Object System.Text.StringBuilder
        [void]$builder.Append([char]34)
        $backslashes = 0
        foreach ($char in $argument.ToCharArray()) {
            if ($char -eq [char]92) {
                $backslashes++
                continue
            }
            if ($char -eq [char]34) {
                [void]$builder.Append([char]92, 2 * $backslashes + 1)
                [void]$builder.Append([char]34)
            }
            else {
                [void]$builder.Append([char]92, $backslashes)
                [void]$builder.Append($char)
            }
            $backslashes = 0
        }
        [void]$builder.Append([char]92, 2 * $backslashes)
        [void]$builder.Append([char]34)
        $builder.ToString()
    }
    $quoted -join ' '
}

function Get-AzSqlBacpacAzPath {
    $path = [System.Environment]::GetEnvironmentVariable($script:AzSqlBacpacSettings['AzPathVariable'])
    if ($path) { return $path }
    $command = Get-Command -Name 'az' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($null -eq $command) {
        $settings = $script:AzSqlBacpacSettings
        throw (New-Object System.Management.Automation.CommandNotFoundException (
            $settings['Messages']['AzNotFound'] -f $settings['AzPathVariable']))
    }
    return $command.Path
}

# Run az: arguments on its command line, one secret on its standard input, the others in the
# environment of its process only (never this session's). Returns ExitCode, StdOut, StdErr.
function Invoke-AzSqlBacpacAz {
    param([string[]] $Arguments, [string] $StdinSecret, [hashtable] $EnvSecrets)
    $az = Get-AzSqlBacpacAzPath
    $utf8 = New-Object System.Text.UTF8Encoding($false)
    $startInfo = New-Object System.Diagnostics.ProcessStartInfo
    $startInfo.FileName = $az
    $startInfo.UseShellExecute = $false
    $startInfo.CreateNoWindow = $true
    $startInfo.RedirectStandardInput = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $startInfo.StandardOutputEncoding = $utf8
    $startInfo.StandardErrorEncoding = $utf8
    $startInfo.WorkingDirectory = (Get-Location -PSProvider FileSystem).ProviderPath
    if ($null -ne $startInfo.PSObject.Properties['Environment']) {
        $environment = $startInfo.Environment
    }
    else {
        $environment = $startInfo.EnvironmentVariables
    }
    $environment['PYTHONIOENCODING'] = 'utf-8'
    foreach ($name in @($EnvSecrets.Keys)) { $environment[$name] = $EnvSecrets[$name] }
    $batch = $az -match '\.(cmd|bat)$'
    if (-not $batch -and $null -ne $startInfo.PSObject.Properties['ArgumentList']) {
        foreach ($argument in $Arguments) { $startInfo.ArgumentList.Add($argument) }
    }
    else {
        $startInfo.Arguments = ConvertTo-AzSqlBacpacCommandLine -Arguments $Arguments -Batch $batch
    }
    $process = $null
    try {
        $process = [System.Diagnostics.Process]::Start($startInfo)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        try {
            if ($StdinSecret) {
                $bytes = $utf8.GetBytes($StdinSecret)
                $process.StandardInput.BaseStream.Write($bytes, 0, $bytes.Length)
                $process.StandardInput.BaseStream.Flush()
                [System.Array]::Clear($bytes, 0, $bytes.Length)
            }
        }
        finally {
            $process.StandardInput.Close()
        }
        $process.WaitForExit()
        [pscustomobject]@{ ExitCode = $process.ExitCode; StdOut = $stdout.Result; StdErr = $stderr.Result }
    }
    finally {
        foreach ($name in @($EnvSecrets.Keys)) { [void]$environment.Remove($name) }
        if ($null -ne $process) { $process.Dispose() }
    }
}

# bridge.parse_az_error: @{ Message; Recommendation }.
function Get-AzSqlBacpacAzFailure {
    param([int] $ExitCode, [string] $StdErr)
    $lines = @(([string]$StdErr) -split '\r?\n')
    $messages = New-Object System.Collections.Generic.List[string]
    $recommendation = New-Object System.Collections.Generic.List[string]
    $lastError = -1
    for ($index = 0; $index -lt $lines.Count; $index++) {
        if ($lines[$index].StartsWith('ERROR: ')) {
            $messages.Add($lines[$index].Substring(7).Trim())
            $lastError = $index
        }
    }
    if ($lastError -ge 0) {
        for ($index = $lastError + 1; $index -lt $lines.Count; $index++) {
            $line = $lines[$index]
            if (-not $line.Trim() -or $line -match '^(ERROR|WARNING|INFO|DEBUG): ') { break }
            $recommendation.Add($line.Trim())
        }
    }
    if ($messages.Count -eq 0) {
        $rest = @($lines | Where-Object { $_.Trim() } | ForEach-Object { $_.Trim() })
        if ($rest.Count -gt 0) {
            $messages.Add($rest[-1])
        }
        else {
            $messages.Add(($script:AzSqlBacpacSettings['Messages']['AzExited'] -f $ExitCode))
        }
    }
    @{ Message = ($messages -join ' '); Recommendation = ($recommendation -join ' ') }
}

# bridge.run_cmdlet: build, ShouldProcess, run az, map errors, shape (property order, type name),
# throw on a Failed operation (Get-AzSqlDatabaseImportExportStatus).
function Invoke-AzSqlBacpacCmdlet {
    param(
        [string] $CmdletName,
        [System.Collections.IDictionary] $BoundParameters,
        [System.Management.Automation.PSCmdlet] $Caller,
        [string] $WhatIfTarget,
        [string] $WhatIfAction
    )
    $spec = $script:AzSqlBacpacCmdlets[$CmdletName]
    $settings = $script:AzSqlBacpacSettings
    $verboseOutput = @('SilentlyContinue', 'Ignore') -notcontains [string]$VerbosePreference

    $errorRecord = $null
    try {
        $invocation = ConvertTo-AzSqlBacpacInvocation -Spec $spec -BoundParameters $BoundParameters `
            -VerboseOutput $verboseOutput
    }
    catch {
        $errorRecord = New-AzSqlBacpacErrorRecord -Message $_.Exception.Message -Info $settings['ArgumentError'] `
            -Target $CmdletName
    }
    if ($null -ne $errorRecord) { $Caller.ThrowTerminatingError($errorRecord) }

    if ($WhatIfAction -and -not $Caller.ShouldProcess($WhatIfTarget, $WhatIfAction)) { return }

    try {
        $result = Invoke-AzSqlBacpacAz -Arguments $invocation['Argv'] -StdinSecret $invocation['StdinSecret'] `
            -EnvSecrets $invocation['EnvSecrets']
    }
    catch {
        $info = $settings['AzNotFoundError']
        if ($_.Exception -is [System.ArgumentException]) { $info = $settings['ArgumentError'] }
        $errorRecord = New-AzSqlBacpacErrorRecord -Message $_.Exception.Message -Info $info -Target $CmdletName
    }
    finally {
        $invocation['StdinSecret'] = $null
        $invocation['EnvSecrets'] = $null
    }
    if ($null -ne $errorRecord) { $Caller.ThrowTerminatingError($errorRecord) }

    if ($verboseOutput) {
        foreach ($line in (([string]$result.StdErr) -split '\r?\n')) {
            if (-not $line.Trim() -or $line.StartsWith('ERROR: ')) { continue }
            if ($line.StartsWith('WARNING: ')) { Write-Warning $line.Substring(9) } else { Write-Verbose $line }
        }
    }
    if ($result.ExitCode -ne 0) {
        $failure = Get-AzSqlBacpacAzFailure -ExitCode $result.ExitCode -StdErr $result.StdErr
        $info = $settings['ExitCodeErrors'][$result.ExitCode]
        if ($null -eq $info) { $info = $settings['OtherExitError'] }
        $Caller.ThrowTerminatingError((New-AzSqlBacpacErrorRecord -Message $failure['Message'] -Info $info `
            -Recommendation $failure['Recommendation'] -Target $CmdletName))
    }

    # az sorts JSON keys: put the model's property order back.
    $parsed = $result.StdOut | ConvertFrom-Json
    $noThrow = $BoundParameters.ContainsKey('NoThrowOnFailure') -and $BoundParameters['NoThrowOnFailure']
    foreach ($item in @($parsed)) {
        $ordered = [ordered]@{}
        foreach ($property in $spec['PropertyOrder']) {
            $found = $item.PSObject.Properties[$property]
            if ($null -ne $found) { $ordered[$property] = $found.Value } else { $ordered[$property] = $null }
        }
        $object = [pscustomobject]$ordered
        $object.PSObject.TypeNames.Insert(0, $spec['OutputType'])
        $outcome = $settings['StatusOutcomes'][[string]$object.Status]
        if ($spec['ThrowOnFailed'] -and -not $noThrow -and $outcome -eq 'throw') {
            $message = $object.ErrorMessage
            if (-not $message) { $message = $object.StatusMessage }
            if (-not $message) { $message = $settings['Messages']['OperationFailed'] }
            $failed = New-AzSqlBacpacErrorRecord -Message $message -Info $settings['FailedError'] -Target $object
            $Caller.ThrowTerminatingError($failed)
        }
        $object
    }
}
"""


def render_psm1():
    parts = [HEADER.replace('{az_env}', bridge.AZ_PATH_ENV).rstrip('\n')]
    parts.append('# ---------------------------------------------------------------------------------------------\n'
                 '# Enums: the cmdlets\' own, same names and members (their .NET types belong to Az.Sql).')
    for name in bridge.ENUMS:
        parts.append(enum_text(name))
    parts.append('# ---------------------------------------------------------------------------------------------\n'
                 '# The table (bridge.CMDLETS) as data for the runtime.')
    parts.append('$script:AzSqlBacpacCmdlets = ' + ps_value(
        {name: cmdlet_data(spec) for name, spec in bridge.CMDLETS.items()}, 0))
    parts.append('$script:AzSqlBacpacSettings = ' + ps_value(settings_data(), 0))
    parts.append(RUNTIME.strip('\n'))
    parts.append('# ---------------------------------------------------------------------------------------------\n'
                 '# The cmdlets')
    for spec in bridge.CMDLETS.values():
        parts.append(function_text(spec))
    parts.append('Export-ModuleMember -Function ' + ', '.join(ps_string(n) for n in bridge.CMDLETS))
    return '\n\n'.join(parts) + '\n'


def render_psd1():
    manifest = {
        'RootModule': bridge.MODULE_NAME + '.psm1',
        'ModuleVersion': version(),
        'GUID': bridge.MODULE_GUID,
        'Author': 'azext_bacpac',
        'CompanyName': 'azext_bacpac',
        'Copyright': '(c) azext_bacpac contributors. MIT License.',
        'Description': ('New-AzSqlDatabaseExport, New-AzSqlDatabaseImport, Get-AzSqlDatabaseImportExportStatus and '
                        'Stop-AzSqlDatabaseActivity on the local engine of az sql db bacpac: scripts written for '
                        'Az.Sql run unchanged against SQLite folders and SQL Server.'),
        'PowerShellVersion': '5.1',
        'CompatiblePSEditions': ['Desktop', 'Core'],
        'FunctionsToExport': list(bridge.CMDLETS),
        'CmdletsToExport': [],
        'VariablesToExport': [],
        'AliasesToExport': [],
        'PrivateData': {'PSData': {'Tags': ['Azure', 'Sql', 'BACPAC', 'Export', 'Import', 'azext_bacpac']}},
    }
    return ('# Module manifest of AzSqlBacpac. GENERATED by scripts/powershell/generate_module.py: do not edit.\n'
            + ps_value(manifest, 0) + '\n')


def outputs():
    return {
        os.path.join(MODULE_DIR, bridge.MODULE_NAME + '.psm1'): render_psm1(),
        os.path.join(MODULE_DIR, bridge.MODULE_NAME + '.psd1'): render_psd1(),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true', help='only compare; exit 1 when a file differs')
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs().items():
        current = None
        if os.path.exists(path):
            with open(path, encoding='utf-8', newline='') as handle:
                current = handle.read()
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w', encoding='utf-8', newline='\n') as handle:
                handle.write(text)
    for path in stale:
        print(('differs: ' if args.check else 'wrote: ') + os.path.relpath(path, REPO))
    return 1 if (args.check and stale) else 0


if __name__ == '__main__':
    sys.exit(main())
