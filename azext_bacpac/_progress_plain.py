"""Progress where nobody has a terminal: plain lines on stderr for build logs and redirected output.

A line at each phase, at each table and at a steady pace (every 15 s) in between: phase, table, rows,
bytes, percent and ETA. Under Azure Pipelines (TF_BUILD) also `##vso[task.setprogress value=N;]`, so
the task shows a percentage; under GitHub Actions (GITHUB_ACTIONS) the lines of each table are grouped
(`::group::` / `::endgroup::`). Without those variables no such codes are printed. Off with
--only-show-errors or `az config set core.disable_progress_bar=true`, as the terminal bar.
"""

import os
import sys
import time

from azext_bacpac._progress import format_event

EVERY_SECONDS = 15.0


def _truthy(value):
    return str(value or '').strip().lower() in ('1', 'true', 'yes', 'on')


class PlainProgress:
    def __init__(self, cli_ctx, verb, stream=None, environ=None, clock=time.monotonic, every=EVERY_SECONDS):
        from azext_bacpac._progress import progress_wanted
        environ = os.environ if environ is None else environ
        self.verb, self.stream, self.clock, self.every = verb, stream or sys.stderr, clock, every
        self.azure_pipelines = _truthy(environ.get('TF_BUILD'))
        self.github_actions = _truthy(environ.get('GITHUB_ACTIONS'))
        self.enabled = progress_wanted(cli_ctx)
        self._last_line = None
        self._key = None
        self._group = None
        self._percent = None

    def __call__(self, event):
        if not self.enabled:
            return
        now = self.clock()
        table, phase = event.get('table'), event.get('message') or event.get('phase')
        key = (phase, table)
        if key == self._key and self._last_line is not None and now - self._last_line < self.every:
            self._set_progress(event)
            return
        if self.github_actions and table != self._group:
            self._end_group()
            if table:
                self._write('::group::{} {}'.format(self.verb, table))
                self._group = table
        self._key, self._last_line = key, now
        self._write(format_event(self.verb, event, bar=False))
        self._set_progress(event)

    def _set_progress(self, event):
        percent = event.get('percent')
        if self.azure_pipelines and isinstance(percent, (int, float)) and int(percent) != self._percent:
            self._percent = int(percent)
            self._write('##vso[task.setprogress value={};]{}'.format(self._percent, self.verb))

    def _end_group(self):
        if self._group is not None:
            self._write('::endgroup::')
            self._group = None

    def _write(self, text):
        try:
            self.stream.write(text + '\n')
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False

    def close(self):
        if self.enabled and self.github_actions:
            self._end_group()
