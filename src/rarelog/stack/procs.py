"""Detached processes tracked by pid files, and loopback port helpers.

A pid file alone is not trusted: pids get reused, so a process only counts as
ours when it is alive and its command line still carries our marker.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

HOST = "127.0.0.1"

# Popen objects of children started by this interpreter: kept so they can be
# reaped (no zombies, no "still running" ResourceWarning) when we stop them.
_children: dict[int, subprocess.Popen[bytes]] = {}


def cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The state letter follows the parenthesised command name, which may itself hold ')'.
    return stat[stat.rfind(")") + 2 : stat.rfind(")") + 3] == "Z"


def alive(pid: int) -> bool:
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return not _is_zombie(pid)


def _reap(pid: int) -> None:
    child = _children.get(pid)
    if child is not None and child.poll() is not None:
        del _children[pid]


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def running_pid(pid_file: Path, marker: Sequence[str]) -> int | None:
    """Pid from ``pid_file`` if that process is alive and its argv contains all of ``marker``."""
    pid = read_pid(pid_file)
    if pid is None or not alive(pid):
        return None
    argv = cmdline(pid) or []
    if not all(m in argv for m in marker):
        return None
    return pid


def spawn(
    argv: Sequence[str],
    *,
    pid_file: Path,
    log_file: Path,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start ``argv`` detached: own session (no terminal signals), output appended to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as out:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    _children[proc.pid] = proc
    pid_file.write_text(f"{proc.pid}\n")
    return proc.pid


def _signal_group(pid: int, sig: int) -> None:
    # The process leads its own session/group (start_new_session), so signalling the
    # group also reaches anything it forked.
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return not alive(pid)


def stop(pid: int, timeout: float) -> bool:
    """SIGTERM, wait up to ``timeout`` s, then SIGKILL. Returns True if it exited on SIGTERM."""
    return not stop_many([pid], timeout)


def stop_many(pids: Collection[int], timeout: float) -> list[int]:
    """Stop several processes at once (one shared grace period); returns those that needed SIGKILL."""
    live = [p for p in pids if alive(p)]
    for pid in live:
        _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while live and time.monotonic() < deadline:
        time.sleep(0.1)
        live = [p for p in live if alive(p)]
    for pid in live:
        _signal_group(pid, signal.SIGKILL)
    for pid in live:
        wait_gone(pid, 5)
    return live


def tail(path: Path, lines: int = 30) -> str:
    try:
        data = path.read_bytes()[-64 * 1024 :]
    except OSError:
        return f"(no log at {path})"
    return "\n".join(data.decode(errors="replace").splitlines()[-lines:])


# --- ports ------------------------------------------------------------------


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(exclude: Collection[int] = ()) -> int:
    """A port free on 127.0.0.1 right now, below the kernel's range for outgoing connections: a
    server port inside it can be taken as the source port of some client's connection while the
    server is down (clients retrying a lost broker make hundreds), and the server could not restart."""
    low = _ephemeral_low()
    if low > 20_500:
        candidates = list(range(20_000, low))
        random.shuffle(candidates)
        for port in candidates[:500]:
            if port not in exclude and port_bindable(port):
                return port
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((HOST, 0))
            port = int(s.getsockname()[1])
        if port not in exclude:
            return port
    raise RuntimeError("could not find a free port on 127.0.0.1")


def port_bindable(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:port (TIME_WAIT leftovers are fine, as for the servers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def used_ports(state: Mapping[str, object]) -> set[int]:
    """Every port already assigned in stack.json, so new picks never collide with them."""
    ports: set[int] = set()
    for section in state.values():
        if isinstance(section, Mapping):
            for key, value in section.items():
                if str(key).endswith("port") and isinstance(value, int):
                    ports.add(value)
    return ports
