"""Where the embedded stack keeps things, and its small persistent state file.

Everything lives under ``<project root>/.rarelog/`` (git-ignored), so removing
that folder resets the stack completely. The project root is ``RARELOG_HOME``
when set, otherwise the nearest parent of the working directory holding a
``pyproject.toml``, otherwise the working directory itself.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class StackError(RuntimeError):
    """Something the stack cannot do; the message tells the user what to fix."""


def say(msg: str) -> None:
    """One progress line on stderr (stdout stays clean for `env`)."""
    print(msg, file=sys.stderr, flush=True)


def project_root() -> Path:
    home = os.environ.get("RARELOG_HOME")
    if home:
        return Path(home).resolve()
    cwd = Path.cwd().resolve()
    for d in (cwd, *cwd.parents):
        if (d / "pyproject.toml").is_file():
            return d
    return cwd


@dataclass(frozen=True)
class Paths:
    root: Path

    @classmethod
    def discover(cls) -> "Paths":
        return cls(project_root())

    # --- top level -------------------------------------------------------
    @property
    def base(self) -> Path:
        return self.root / ".rarelog"

    @property
    def state_file(self) -> Path:
        return self.base / "stack.json"

    @property
    def log(self) -> Path:
        return self.base / "log"

    @property
    def run(self) -> Path:
        return self.base / "run"

    @property
    def state(self) -> Path:
        """Scratch state other modules may keep (e.g. service checkpoints)."""
        return self.base / "state"

    @property
    def secrets(self) -> Path:
        return self.base / "secrets"

    # --- downloads (kept by `clean`) --------------------------------------
    @property
    def cache(self) -> Path:
        return self.base / "cache"

    @property
    def m2(self) -> Path:
        return self.cache / "m2"

    @property
    def kafka_libs(self) -> Path:
        return self.cache / "kafka-libs"

    @property
    def broker_pom(self) -> Path:
        return self.root / "deploy" / "stack" / "kafka-broker.pom.xml"

    # --- kafka --------------------------------------------------------------
    @property
    def kafka(self) -> Path:
        return self.base / "kafka"

    @property
    def kafka_data(self) -> Path:
        return self.kafka / "data"

    @property
    def kafka_properties(self) -> Path:
        return self.kafka / "server.properties"

    @property
    def kafka_log4j(self) -> Path:
        return self.kafka / "log4j2.properties"

    # --- postgres -----------------------------------------------------------
    @property
    def pg(self) -> Path:
        return self.base / "pg"

    @property
    def pg_data(self) -> Path:
        return self.pg / "data"

    @property
    def pg_run(self) -> Path:
        """Unix socket directory (kept out of /var/run so no root setup is needed)."""
        return self.pg / "run"

    def pid_file(self, name: str) -> Path:
        return self.run / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        return self.log / f"{name}.log"

    def data_dirs(self) -> list[Path]:
        """What `clean` deletes: everything except the download cache."""
        return [self.kafka, self.pg, self.log, self.run, self.state, self.secrets, self.state_file]

    def ensure_base(self) -> None:
        # 0755 on purpose: when running as root, the postgres user must be able
        # to traverse .rarelog/ to reach its data and socket directories.
        for d in (self.base, self.log, self.run, self.cache):
            d.mkdir(parents=True, exist_ok=True)
        self.base.chmod(0o755)


# --- stack.json ---------------------------------------------------------------
# Holds what must stay stable between starts: chosen ports and the Kafka cluster
# id. Nothing secret goes here (passwords live in .rarelog/secrets/).


def load_state(paths: Paths) -> dict[str, Any]:
    try:
        data = json.loads(paths.state_file.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise StackError(f"cannot read {paths.state_file.relative_to(paths.root)}: {e}; delete it to start afresh") from e
    return data if isinstance(data, dict) else {}


def save_state(paths: Paths, state: dict[str, Any]) -> None:
    paths.base.mkdir(parents=True, exist_ok=True)
    tmp = paths.state_file.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, paths.state_file)  # atomic: a crash never leaves half a file


def rel(paths: Paths, p: Path) -> str:
    """Path relative to the project root, for messages."""
    try:
        return str(p.relative_to(paths.root))
    except ValueError:
        return str(p)
