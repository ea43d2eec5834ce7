"""Host prerequisites: Java 17+, Maven and PostgreSQL, installed from Debian when we may.

A fresh machine (or CI) has none of what the project installed by hand before,
so `up` installs what is missing itself when it runs as root on a Debian-like
system; anywhere else it stops with the exact package names to install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from .paths import StackError, say

JAVA_MIN = 17
PG_LIB = Path("/usr/lib/postgresql")

_apt_updated = False


def is_root() -> bool:
    return os.geteuid() == 0


def can_apt() -> bool:
    return is_root() and shutil.which("apt-get") is not None


def apt_install(packages: Sequence[str], why: str) -> None:
    global _apt_updated
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _apt_updated:
        say(f"{why}: apt-get update")
        _run_apt(["apt-get", "update"], env)
        _apt_updated = True
    argv = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    say(f"{why}: {' '.join(argv)}")
    _run_apt(argv, env)


def _run_apt(argv: list[str], env: dict[str, str]) -> None:
    res = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if res.returncode != 0:
        out = "\n".join((res.stdout + res.stderr).splitlines()[-20:])
        raise StackError(f"`{' '.join(argv)}` failed (exit {res.returncode}):\n{out}")


def java_major(java: str = "java") -> int | None:
    """Major version of `java` on PATH, or None when there is none."""
    exe = shutil.which(java)
    if exe is None:
        return None
    try:
        res = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_java_version(res.stderr + res.stdout)


def parse_java_version(text: str) -> int | None:
    """`openjdk version "17.0.15"` -> 17; the old `"1.8.0_392"` scheme -> 8."""
    m = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not m:
        return None
    major = int(m.group(1))
    if major == 1 and m.group(2):
        major = int(m.group(2))
    return major


def ensure_java_and_maven(need_maven: bool = True) -> None:
    """Java 17+ always; Maven only when the broker jars still have to be fetched."""
    major = java_major()
    need: list[str] = []
    if major is None or major < JAVA_MIN:
        need.append("openjdk-17-jre-headless")
    if need_maven and shutil.which("mvn") is None:
        need.append("maven")
    if not need:
        return
    found = "no java on PATH" if major is None else f"found Java {major}"
    if not can_apt():
        missing = " and ".join(
            (["Java 17+ is required to run the Kafka broker"] if "openjdk-17-jre-headless" in need else [])
            + (["Maven (mvn) is required to fetch the broker jars"] if "maven" in need else [])
        )
        raise StackError(f"{missing} ({found}); install {' '.join(need)} (e.g. sudo apt-get install {' '.join(need)})")
    # maven pulls in a JDK of its own choosing; asking for both together keeps it at 17.
    apt_install(["openjdk-17-jre-headless", "maven"], "kafka")
    major = java_major()
    if major is None or major < JAVA_MIN or (need_maven and shutil.which("mvn") is None):
        raise StackError(
            f"Java {JAVA_MIN}+ and mvn are still not usable after installing them "
            f"(java on PATH is {'missing' if major is None else major}); check `java -version` and `update-alternatives --config java`"
        )


def pg_bindir() -> Path | None:
    """Binaries of the highest PostgreSQL major version from Debian's packages."""
    if not PG_LIB.is_dir():
        return None
    versions = [p for p in PG_LIB.iterdir() if p.name.isdigit() and (p / "bin" / "pg_ctl").exists()]
    if not versions:
        return None
    return max(versions, key=lambda p: int(p.name)) / "bin"


def ensure_postgres() -> Path:
    bindir = pg_bindir()
    if bindir is None:
        if not can_apt():
            raise StackError(
                f"PostgreSQL server binaries not found under {PG_LIB}/<version>/bin; "
                "install Debian's postgresql package (sudo apt-get install postgresql)"
            )
        apt_install(["postgresql"], "postgres")
        bindir = pg_bindir()
        if bindir is None:
            raise StackError(f"installed postgresql but found no pg_ctl under {PG_LIB}/<version>/bin")
    if is_root():
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            raise StackError(
                "running as root, PostgreSQL must run as the `postgres` system user, which does not exist; "
                "install Debian's postgresql package (it creates the user) or run as a normal user"
            ) from None
    return bindir
