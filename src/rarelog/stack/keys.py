"""Secrets of the embedded stack: the pseudonym key, the study secret and the database passwords.

They are generated once, live in ``.rarelog/secrets/`` (0700) as 0600 files and
are never printed. Files are written atomically so a crash cannot leave an empty
key that would silently change every pseudonym.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .paths import Paths

PSEUDONYM_KEY = "pseudonym.key"
STUDY_KEY = "study.key"  # the platform secret study pseudonyms derive from (rarelog access)
POSTGRES_PASSWORD = "postgres-password"
RARELOG_DB_PASSWORD = "rarelog-db-password"


def ensure_secrets_dir(paths: Paths) -> Path:
    paths.secrets.mkdir(parents=True, exist_ok=True)
    paths.secrets.chmod(0o700)
    return paths.secrets


def write_private(path: Path, content: str) -> None:
    """Create ``path`` with mode 0600 (never world-readable, not even briefly)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(content)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def ensure_secret(paths: Paths, name: str) -> str:
    """The secret stored as ``name``, generated (URL-safe, 32 chars) on first use."""
    path = ensure_secrets_dir(paths) / name
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    value = secrets.token_urlsafe(24)  # URL-safe: can go into DATABASE_URL as is
    write_private(path, value)
    return value


def read_secret(paths: Paths, name: str) -> str | None:
    try:
        return (paths.secrets / name).read_text().strip() or None
    except OSError:
        return None


def pseudonym_key_file(paths: Paths) -> Path:
    return paths.secrets / PSEUDONYM_KEY


def study_key_file(paths: Paths) -> Path:
    return paths.secrets / STUDY_KEY


def ensure_pseudonym_key(paths: Paths, name: str = PSEUDONYM_KEY) -> Path:
    """32 random bytes, hex encoded, no trailing newline (the study secret is made the same way,
    as a key of its own: a study pseudonym must not be computable from the record pseudonyms')."""
    path = ensure_secrets_dir(paths) / name
    if not path.exists() or not path.read_text().strip():
        write_private(path, os.urandom(32).hex())
    return path
