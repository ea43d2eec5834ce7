"""A local checkpoint of the reconciler's state: the changelog stays the source of truth, the
file only spares reading it from the beginning (the Kafka Streams way, docs/decisions/0005).

A checkpoint is the pickled `LinkageState` as of changelog offset X: every committed entry
below X is in it, none from X on. A restart loads it and applies the changelog from X to its
end. It is used only if it is whole (length and CRC), for this topic, made by the same state
code and settings, and younger than the window in which the compacted changelog still holds
every tombstone written after it. Anything else: the caller rebuilds from the changelog.

File: one JSON header line padded to HEADER_BYTES, then pickle protocol 5. Written to a temp
file, fsynced, renamed over the old one: a crash leaves the old checkpoint or the new, never
half of one. Mode 0600: it holds pseudonyms and record keys (pseudonymised data).
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from .state import LinkageState

FORMAT = 2  # 2: sealed linkage (the pseudonym index by record, deaths by digest)
HEADER_BYTES = 4096
# A replaced or withdrawn record leaves a dead row in the index that only a rebuild drops; a
# checkpoint carries them on. Past this share, the restart rebuilds (and checkpoints) instead.
DEAD_ROWS_MAX = 0.25
_CHUNK = 1 << 20


class Unusable(Exception):
    """The checkpoint cannot stand for the changelog up to its offset; the message says why."""


@dataclass(frozen=True)
class Header:
    format: int
    topic: str
    offset: int
    created_at: float   # wall clock (s) taken before the offset was read: the age rule's origin
    length: int         # payload bytes
    crc32: int          # of the payload: catches torn or rotted files (not an attack: see `read`)
    code: str           # fingerprint of the modules whose objects are pickled
    settings: dict      # what a fresh state would be built with (see `settings_of`)
    dead_rows: float    # share of the index's rows that are dead


def code_fingerprint() -> str:
    """Any change to the pickled classes' code invalidates checkpoints: one full rebuild after an
    upgrade is cheaper than unpickling objects whose layout or meaning (e.g. how blocking keys
    are derived) moved. Taken once, at import: it must describe the code this process runs."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted([here / "state.py", here / "checkpoint.py", *(here / "linkage").glob("*.py")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


CODE = code_fingerprint()


def settings_of(state: LinkageState) -> dict:
    """What a full rebuild takes from the settings rather than the changelog: the thresholds and
    refit points, and the starting model while none is logged. A checkpoint made under others
    would decide differently from a rebuild."""
    model = None if state.model_logged else hashlib.sha256(
        json.dumps(state.index.model.to_dict(), sort_keys=True).encode()).hexdigest()[:32]
    return {"assign": repr(state.assign), "refit_at": list(state.refit_at), "blip": state.blip, "model": model}


def path_for(directory: Path, topic: str) -> Path:
    return Path(directory) / f"{topic}.checkpoint"


class _Writer:
    def __init__(self, handle):
        self.handle, self.crc, self.length = handle, 0, 0

    def write(self, data) -> int:
        self.crc, self.length = zlib.crc32(data, self.crc), self.length + memoryview(data).nbytes
        return self.handle.write(data)


class _Reader:
    def __init__(self, handle):
        self.handle, self.crc, self.length = handle, 0, 0

    def _seen(self, data) -> None:
        self.crc, self.length = zlib.crc32(data, self.crc), self.length + len(data)

    def read(self, n: int = -1) -> bytes:
        data = self.handle.read(n)
        self._seen(data)
        return data

    def readinto(self, buffer) -> int:
        n = self.handle.readinto(buffer)
        self._seen(memoryview(buffer).cast("B")[:n])
        return n

    def readline(self) -> bytes:
        data = self.handle.readline()
        self._seen(data)
        return data


def write(directory: Path, topic: str, offset: int, state: LinkageState, created_at: float) -> Path:
    """Writes the checkpoint of `state` as of changelog `offset` atomically; returns its path."""
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = path_for(directory, topic)
    for stale in directory.glob(f".{final.name}.*.tmp"):  # left by a kill mid-write (one instance)
        stale.unlink(missing_ok=True)
    temp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(b" " * HEADER_BYTES)  # the header needs the CRC: written last, in place
            writer = _Writer(handle)
            pickle.dump(state, writer, protocol=5)
            summary = state.summary()
            dead = 1 - summary["index_rows"] / max(state.index.store.size, 1)
            header = Header(FORMAT, topic, offset, created_at, writer.length, writer.crc, CODE,
                            settings_of(state), round(dead, 4))
            line = json.dumps(header.__dict__, sort_keys=True).encode()
            if len(line) >= HEADER_BYTES:
                raise ValueError("checkpoint header too long")
            handle.seek(0)
            handle.write(line.ljust(HEADER_BYTES - 1) + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, final)
        dir_fd = os.open(directory, os.O_RDONLY)  # the rename itself must survive a power cut
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return final


def read_header(path: Path) -> Header:
    with open(path, "rb") as handle:
        raw = handle.read(HEADER_BYTES)
    try:
        header = Header(**json.loads(raw))
    except (ValueError, TypeError) as exc:
        raise Unusable(f"unreadable header: {exc}") from None
    if header.format != FORMAT:
        raise Unusable(f"format {header.format}, this code reads {FORMAT}")
    return header


def read(directory: Path, topic: str, fresh: LinkageState, max_age_s: float,
         now: float | None = None) -> tuple[LinkageState, Header]:
    """The checkpoint's state and header, or Unusable. `fresh` is a state as the settings build it.

    Unpickling runs code named by the file, so only a file this user owns and no one else can
    write is read (the state directory is the service's own volume); the CRC is for accidents."""
    path = path_for(directory, topic)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise Unusable("no checkpoint") from None
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise Unusable(f"{path.name} is not private to this user (mode {info.st_mode & 0o777:o})")
    header = read_header(path)
    if info.st_size != HEADER_BYTES + header.length:
        raise Unusable("truncated or overlong")
    if header.topic != topic:
        raise Unusable(f"made for topic {header.topic!r}")
    if header.code != CODE:
        raise Unusable("made by other code")
    age = (time.time() if now is None else now) - header.created_at
    if not 0 <= age <= max_age_s:
        raise Unusable(f"{age:.0f} s old; the changelog keeps tombstones long enough for {max_age_s:.0f} s")
    if header.dead_rows > DEAD_ROWS_MAX:
        raise Unusable(f"{header.dead_rows:.0%} of its index rows are dead: a rebuild drops them")
    wanted = settings_of(fresh)
    if header.settings["model"] is None:  # the model is logged: the changelog, not settings, decides it
        wanted["model"] = None
    if header.settings != wanted:
        raise Unusable("made under other settings")
    with open(path, "rb") as handle:
        handle.seek(HEADER_BYTES)
        reader = _Reader(handle)
        try:
            state = pickle.load(reader)
        except Exception as exc:  # a corrupt payload may fail anywhere in unpickling
            raise Unusable(f"payload unreadable: {type(exc).__name__}") from None
    if (reader.length, reader.crc) != (header.length, header.crc32):
        raise Unusable("checksum mismatch")
    if not isinstance(state, LinkageState):
        raise Unusable(f"holds a {type(state).__name__}")
    return state, header


class Schedule:
    """When to write: after a commit, once something changed, if `min_records` decisions or
    `interval_s` seconds have passed since the last checkpoint (the first for a bulk load, the
    second for a trickle, so the tail to replay stays short and the checkpoint young)."""

    def __init__(self, interval_s: float, min_records: int, clock=time.monotonic):
        self.interval_s, self.min_records, self.clock = interval_s, min_records, clock
        self.decisions, self.last = 0, clock()

    def note(self, decisions: int = 1) -> None:
        self.decisions += decisions

    def due(self) -> bool:
        return self.decisions > 0 and (self.decisions >= self.min_records
                                       or self.clock() - self.last >= self.interval_s)

    def done(self) -> None:
        self.decisions, self.last = 0, self.clock()
