"""Just enough of PowerShell's syntax to read the bridge module back without PowerShell.

tokenize() knows strings ('...' with '' escapes, "..." with backtick escapes and $(...) inside),
comments (# and <# #>), variables, numbers, words and punctuation. On top of it:

- functions(): each top-level `function Name { ... }` with its attributes ([CmdletBinding(...)],
  [OutputType(...)]) and its param() block: for every parameter its attributes
  ([Parameter(...)] named arguments, [Alias(...)]) and its [Type];
- enums(): `enum Name { Member ... }`;
- data(): a data literal (@{...}, @(...), strings, numbers, $true/$false/$null), as in a .psd1.

Here-strings are not supported (the generated module has none; tokenize() refuses them).
"""

import re
from collections import OrderedDict, namedtuple

Token = namedtuple('Token', 'kind value line')

_PUNCT = ('@{', '@(', '$(', '::', '(', ')', '[', ']', '{', '}', ',', ';', '=', '.', '+', '!', '|', '>', '<')
_WORD = re.compile(r'[A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*')
_NUMBER = re.compile(r'\d+')
_VARIABLE = re.compile(r'\$(?:\{[^}]+\}|[A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z_][A-Za-z0-9_]*)?)')


class ParseError(Exception):
    pass


def _double_quoted(text, start, line):
    """End index (after the closing quote) of a "..." string starting at `start`, and its raw body."""
    index, depth = start + 1, 0
    while index < len(text):
        char = text[index]
        if char == '`':
            index += 2
            continue
        if depth == 0 and char == '"':
            if text.startswith('""', index):
                index += 2
                continue
            return index + 1, text[start + 1:index]
        if text.startswith('$(', index):
            depth += 1
            index += 2
            continue
        if depth and char == ')':
            depth -= 1
        index += 1
    raise ParseError('unterminated string at line {}'.format(line))


def tokenize(text):
    tokens, index, line = [], 0, 1
    while index < len(text):
        char = text[index]
        if char == '\n':
            tokens.append(Token('newline', '\n', line))
            line += 1
            index += 1
        elif char in ' \t\r':
            index += 1
        elif text.startswith('`\n', index) or text.startswith('`\r\n', index):
            index += 2 if text[index + 1] == '\n' else 3      # line continuation
            line += 1
        elif text.startswith('<#', index):
            end = text.index('#>', index) + 2
            line += text.count('\n', index, end)
            index = end
        elif char == '#':
            end = text.find('\n', index)
            index = len(text) if end < 0 else end
        elif text.startswith("@'", index) or text.startswith('@"', index):
            raise ParseError('here-strings are not supported (line {})'.format(line))
        elif char == "'":
            end = index + 1
            while True:
                end = text.index("'", end)
                if text.startswith("''", end):
                    end += 2
                    continue
                break
            tokens.append(Token('string', text[index + 1:end].replace("''", "'"), line))
            line += text.count('\n', index, end)
            index = end + 1
        elif char == '"':
            end, body = _double_quoted(text, index, line)
            tokens.append(Token('xstring', body, line))
            line += text.count('\n', index, end)
            index = end
        elif char == '$' and not text.startswith('$(', index):
            match = _VARIABLE.match(text, index)
            if not match:
                raise ParseError('bad variable at line {}'.format(line))
            tokens.append(Token('variable', match.group(0)[1:], line))
            index = match.end()
        elif char == '-' and _WORD.match(text, index + 1):
            match = _WORD.match(text, index + 1)
            tokens.append(Token('operator', '-' + match.group(0), line))   # -eq, -ArgumentList, ...
            index = match.end()
        elif _NUMBER.match(text, index) and not _WORD.match(text, index):
            match = _NUMBER.match(text, index)
            tokens.append(Token('number', int(match.group(0)), line))
            index = match.end()
        elif _WORD.match(text, index):
            match = _WORD.match(text, index)
            tokens.append(Token('word', match.group(0), line))
            index = match.end()
        else:
            for punct in _PUNCT:
                if text.startswith(punct, index):
                    tokens.append(Token('punct', punct, line))
                    index += len(punct)
                    break
            else:
                tokens.append(Token('punct', char, line))
                index += 1
    return tokens


_OPEN = {'(': ')', '[': ']', '{': '}', '@{': '}', '@(': ')', '$(': ')'}


def matching(tokens, start):
    """Index of the token closing the bracket at tokens[start]."""
    stack = []
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token.kind != 'punct':
            continue
        if token.value in _OPEN:
            stack.append(_OPEN[token.value])
        elif token.value in (')', ']', '}'):
            if not stack or stack.pop() != token.value:
                raise ParseError('unbalanced {!r} at line {}'.format(token.value, token.line))
            if not stack:
                return index
    raise ParseError('unclosed bracket from line {}'.format(tokens[start].line))


def _split_top(tokens, separator=','):
    """tokens split at `separator` punctuation outside brackets (newlines dropped)."""
    parts, current, depth = [], [], 0
    for token in tokens:
        if token.kind == 'punct' and token.value in _OPEN:
            depth += 1
        elif token.kind == 'punct' and token.value in (')', ']', '}'):
            depth -= 1
        if depth == 0 and token.kind == 'punct' and token.value == separator:
            parts.append(current)
            current = []
            continue
        if token.kind != 'newline':
            current.append(token)
    if current:
        parts.append(current)
    return parts


# ---------------------------------------------------------------------------------------------
# data literals

def data(tokens, start=0):
    """(value, index after it) of the data literal at tokens[start]."""
    while tokens[start].kind == 'newline':
        start += 1
    token = tokens[start]
    if token.kind == 'string':
        return token.value, start + 1
    if token.kind == 'number':
        return token.value, start + 1
    if token.kind == 'variable' and token.value.lower() in ('true', 'false', 'null'):
        return {'true': True, 'false': False, 'null': None}[token.value.lower()], start + 1
    if token.kind == 'punct' and token.value == '@(':
        end = matching(tokens, start)
        items = []
        for part in _split_entries(tokens[start + 1:end], (',',)):
            value, used = data(part)
            if used != len(part):
                raise ParseError('unexpected {!r} in an array at line {}'.format(part[used].value, part[used].line))
            items.append(value)
        return items, end + 1
    if token.kind == 'punct' and token.value == '@{':
        end = matching(tokens, start)
        table = OrderedDict()
        for part in _split_entries(tokens[start + 1:end], (';',)):
            key_token = part[0]
            if key_token.kind not in ('word', 'string', 'number') or part[1].value != '=':
                raise ParseError('bad hashtable entry at line {}'.format(key_token.line))
            value, used = data(part, 2)
            if used != len(part):
                raise ParseError('unexpected {!r} in a hashtable at line {}'.format(part[used].value, part[used].line))
            if key_token.value in table:
                raise ParseError('duplicate key {!r} at line {}'.format(key_token.value, key_token.line))
            table[key_token.value] = value
        return table, end + 1
    raise ParseError('not a data literal: {!r} at line {}'.format(token.value, token.line))


def _split_entries(tokens, separators):
    """Entries of @(...) or @{...}: split at the separators and at newlines, outside brackets."""
    parts, current, depth = [], [], 0
    for token in tokens:
        if token.kind == 'punct' and token.value in _OPEN:
            depth += 1
        elif token.kind == 'punct' and token.value in (')', ']', '}'):
            depth -= 1
        if depth == 0 and (token.kind == 'newline' or (token.kind == 'punct' and token.value in separators)):
            if current:
                parts.append(current)
            current = []
            continue
        current.append(token)
    if current:
        parts.append(current)
    return parts


def assignment(tokens, variable):
    """The data literal assigned to $<variable> at the top level."""
    for index, token in enumerate(tokens):
        if token.kind == 'variable' and token.value.lower() == variable.lower() \
                and tokens[index + 1].value == '=':
            value, _ = data(tokens, index + 2)
            return value
    raise KeyError(variable)


# ---------------------------------------------------------------------------------------------
# functions, param blocks, enums

Attribute = namedtuple('Attribute', 'name positional named')
ParameterDecl = namedtuple('ParameterDecl', 'name type attributes')
Function = namedtuple('Function', 'name attributes parameters body')


def _attribute(tokens):
    """[Name(args)] or [Type] from the tokens between the brackets."""
    name_end = 0
    while name_end < len(tokens) and not (tokens[name_end].kind == 'punct' and tokens[name_end].value == '('):
        name_end += 1
    name = ''.join(str(t.value) for t in tokens[:name_end])
    if name_end == len(tokens):
        return Attribute(name, None, None)          # a type literal
    close = matching(tokens, name_end)
    positional, named = [], OrderedDict()
    for part in _split_top(tokens[name_end + 1:close]):
        if len(part) >= 2 and part[0].kind == 'word' and part[1].value == '=':
            value, used = data(part, 2)
            named[part[0].value] = value
        else:
            value, used = data(part)
            positional.append(value)
        if used != len(part):
            raise ParseError('unexpected {!r} in [{}(...)] at line {}'.format(part[used].value, name, part[used].line))
    return Attribute(name, positional, named)


def _leading_attributes(tokens, index):
    """Attributes [..] starting at tokens[index] (newlines skipped); returns (attributes, next index)."""
    attributes = []
    while True:
        while index < len(tokens) and tokens[index].kind == 'newline':
            index += 1
        if index < len(tokens) and tokens[index].kind == 'punct' and tokens[index].value == '[':
            close = matching(tokens, index)
            attributes.append(_attribute(tokens[index + 1:close]))
            index = close + 1
        else:
            return attributes, index


def _param_block(tokens):
    parameters = []
    for part in _split_top(tokens):
        attributes, index = _leading_attributes(part, 0)
        if index != len(part) - 1 or part[index].kind != 'variable':
            raise ParseError('bad parameter declaration at line {}'.format(part[0].line))
        types = [a.name for a in attributes if a.positional is None]
        if len(types) > 1:
            raise ParseError('parameter ${} has more than one [Type]'.format(part[index].value))
        parameters.append(ParameterDecl(part[index].value, types[0] if types else None,
                                        [a for a in attributes if a.positional is not None]))
    return parameters


def functions(tokens):
    out = OrderedDict()
    depth = 0
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind == 'punct' and token.value in _OPEN:
            depth += 1
        elif token.kind == 'punct' and token.value in (')', ']', '}'):
            depth -= 1
        elif depth == 0 and token.kind == 'word' and token.value.lower() == 'function':
            name = tokens[index + 1].value
            open_index = index + 2
            if tokens[open_index].value != '{':
                raise ParseError('function {} without a body'.format(name))
            close = matching(tokens, open_index)
            body = tokens[open_index + 1:close]
            attributes, at = _leading_attributes(body, 0)
            parameters = None
            if at < len(body) and body[at].kind == 'word' and body[at].value.lower() == 'param':
                param_open = at + 1
                param_close = matching(body, param_open)
                parameters = _param_block(body[param_open + 1:param_close])
                at = param_close + 1
            out[name] = Function(name, attributes, parameters, body[at:])
            index = close + 1
            continue
        index += 1
    return out


def enums(tokens):
    out = OrderedDict()
    for index, token in enumerate(tokens):
        if token.kind == 'word' and token.value.lower() == 'enum' and tokens[index + 2].value == '{':
            close = matching(tokens, index + 2)
            members = [t.value for t in tokens[index + 3:close] if t.kind != 'newline']
            if not all(re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', str(m)) for m in members):
                raise ParseError('enum {}: members must be plain names'.format(tokens[index + 1].value))
            out[tokens[index + 1].value] = members
    return out
