"""Whether a process is still there: the one liveness check of the extension.

Used to tell a killed worker (whose record must end Failed) from a live one, and to remove the
scratch files of killed exports and imports (never those of a live process, or of another user's).
"""
import os


def pid_alive(pid):
    """False only when process `pid` certainly does not exist. Where there is no cheap check (not
    POSIX), or the process belongs to another user, it counts as alive: nothing of it is touched."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def process_start_time(pid):
    """The kernel's start time of pid (clock ticks since boot, from /proc), or None where unknown.
    With the pid it names one process: a pid reused after a reboot or a wrap-around differs."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return fields[19].decode()
    except (OSError, IndexError):
        return None


def command_line(pid):
    """The process's command line as bytes (b'' for a zombie), or None where /proc does not tell."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read()
    except OSError:
        return None
