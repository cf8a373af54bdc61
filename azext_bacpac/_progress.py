"""A one-line progress indication on stderr when it is a terminal (plain lines otherwise: _progress_plain).

The pipeline calls the object with progress events; it redraws one line (at most ~5 times a second)
and clears it at the end, so stdout keeps only the JSON result and logs stay clean. It is off with
--only-show-errors or `az config set core.disable_progress_bar=true`; make_progress picks plain lines
when stderr is not a TTY.
"""

import shutil
import sys
import time

_INTERVAL = 0.2


def _get(event, *names):
    for name in names:
        if name in event and event[name] is not None:
            return event[name]
    return None


def _size(num):
    for unit in ('B', 'KB', 'MB', 'GB'):
        if abs(num) < 1024:
            return '{:.0f} {}'.format(num, unit) if unit == 'B' else '{:.1f} {}'.format(num, unit)
        num /= 1024.0
    return '{:.1f} TB'.format(num)


def format_event(verb, event, bar=True):
    """One line of text for a progress event (a dict; unknown keys are ignored); without `bar`, no bar."""
    parts = [verb]
    done, total = _get(event, 'tablesDone', 'tables_done'), _get(event, 'tablesTotal', 'tables_total')
    if done is not None and total:
        parts.append('{}/{} tables'.format(done, total))
    rows = _get(event, 'rows', 'rowsDone', 'rows_done')
    if rows is not None:
        parts.append('{:,} rows'.format(rows))
    size = _get(event, 'bytes', 'bytesDone', 'bytes_done')
    if isinstance(size, (int, float)):
        parts.append(_size(size))
    table = _get(event, 'table', 'name')
    if table:
        parts.append(str(table))
    percent = _get(event, 'percent', 'percentComplete')
    if percent is None:
        for done_key, total_key in (('bytes', 'bytesTotal'), ('rows', 'rowsTotal'), ('tablesDone', 'tablesTotal')):
            done_value, total_value = event.get(done_key), event.get(total_key)
            if isinstance(done_value, (int, float)) and isinstance(total_value, (int, float)) and total_value:
                percent = min(100.0, 100.0 * done_value / total_value)
                break
    if isinstance(percent, (int, float)):
        filled = int(percent / 5)
        shown = '{:.2f} %'.format(percent)
        parts.insert(1, '[{}{}] {}'.format('#' * filled, '-' * (20 - filled), shown) if bar else shown)
    eta = event.get('eta')
    if isinstance(eta, (int, float)):
        minutes, seconds = divmod(int(eta), 60)
        parts.append('ETA {}:{:02d}:{:02d}'.format(minutes // 60, minutes % 60, seconds))
    message = _get(event, 'message', 'phase')
    if message:
        parts.append(str(message))
    return parts[0] + ': ' + ', '.join(parts[1:]) if len(parts) > 1 else parts[0] + '...'


def progress_wanted(cli_ctx):
    """False with --only-show-errors or core.disable_progress_bar."""
    if getattr(cli_ctx, 'only_show_errors', False):
        return False
    try:
        return not cli_ctx.config.getboolean('core', 'disable_progress_bar', fallback=False)
    except Exception:  # pylint: disable=broad-except
        return True


def make_progress(cli_ctx, verb, stream=None):
    """The terminal's one-line bar, or plain lines (with CI codes) when stderr is not a terminal."""
    stream = stream or sys.stderr
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        terminal = False
    if terminal:
        return ProgressLine(cli_ctx, verb, stream)
    from azext_bacpac._progress_plain import PlainProgress
    return PlainProgress(cli_ctx, verb, stream)


class ProgressLine:
    def __init__(self, cli_ctx, verb, stream=None):
        self.verb = verb
        self.stream = stream or sys.stderr
        self._last = 0.0
        self._width = 0
        self.enabled = self._wanted(cli_ctx)

    def _wanted(self, cli_ctx):
        try:
            if not self.stream.isatty():
                return False
        except (AttributeError, ValueError):
            return False
        return progress_wanted(cli_ctx)

    def __call__(self, *args, **kwargs):
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < _INTERVAL:
            return
        self._last = now
        event = dict(kwargs)
        if len(args) == 1 and isinstance(args[0], dict):
            event = dict(args[0], **kwargs)
        elif len(args) == 1 and hasattr(args[0], '__dict__'):
            event = dict(vars(args[0]), **kwargs)
        self._draw(format_event(self.verb, event))

    def _draw(self, text):
        columns = shutil.get_terminal_size((80, 20)).columns - 1
        text = text[:columns]
        pad = max(0, self._width - len(text))
        self._width = len(text)
        try:
            self.stream.write('\r' + text + ' ' * pad)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False

    def close(self):
        if self.enabled and self._width:
            try:
                self.stream.write('\r' + ' ' * self._width + '\r')
                self.stream.flush()
            except (OSError, ValueError):
                pass
        self._width = 0
