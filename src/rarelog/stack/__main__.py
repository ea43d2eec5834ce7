"""python -m rarelog.stack up [--no-services] | down | clean | env | status [--json]"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys

from . import StackError, clean, down, embedded_env, status, up
from .postgres import mask_url


def _print_status(st: dict) -> None:  # type: ignore[type-arg]
    k, pg = st["kafka"], st["postgres"]
    print(f"root           {st['root']}")
    print(f"kafka          {'running pid ' + str(k['pid']) if k['running'] else 'stopped'}"
          f"  port {k['port'] or '-'}  controller {k['controller_port'] or '-'}")  # fmt: skip
    print(f"postgres       {'running pid ' + str(pg['pid']) if pg['running'] else 'stopped'}  port {pg['port'] or '-'}")
    for name, s in st["services"].items():
        print(f"{name:<14} {'running pid ' + str(s['pid']) if s['running'] else 'stopped'}")


def _run_with_stack(cmd: list[str]) -> int:
    before = status()
    was_running = before["kafka"]["running"] or before["postgres"]["running"]
    env = up(start_services=False)
    try:
        return subprocess.call(cmd, env={**os.environ, **env})
    finally:
        if not was_running:
            down()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rarelog.stack", description="Embedded development stack.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="start Kafka, PostgreSQL and the services (idempotent)")
    p_up.add_argument("--no-services", action="store_true", help="only Kafka, PostgreSQL, topics and migrations")
    sub.add_parser("down", help="stop everything, keep the data")
    sub.add_parser("clean", help="down, then delete data, logs and secrets (keeps downloaded jars)")
    sub.add_parser("env", help="print `export K=V` lines for the stack's settings")
    p_run = sub.add_parser("run", help="run a command with Kafka and PostgreSQL up; stop them after "
                                       "if this command started them (used by `make test`)")
    p_run.add_argument("cmd", nargs=argparse.REMAINDER)
    p_st = sub.add_parser("status", help="show what is running")
    p_st.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    try:
        if args.command == "up":
            env = up(start_services=not args.no_services)
            if "DATABASE_URL" in env:
                print(f"DATABASE_URL={mask_url(env['DATABASE_URL'])}", file=sys.stderr)
            print("run `eval \"$(python -m rarelog.stack env)\"` to use it from this shell", file=sys.stderr)
        elif args.command == "down":
            down()
        elif args.command == "clean":
            clean()
        elif args.command == "env":
            env = embedded_env()
            for k in sorted(env):
                print(f"export {k}={shlex.quote(env[k])}")
            if "KAFKA_BOOTSTRAP_SERVERS" not in env or "DATABASE_URL" not in env:
                print("warning: the stack has not been set up yet; run `python -m rarelog.stack up`", file=sys.stderr)
        elif args.command == "run":
            return _run_with_stack([c for c in args.cmd if c != "--"] if args.cmd[:1] == ["--"] else args.cmd)
        elif args.command == "status":
            st = status()
            if args.json:
                print(json.dumps(st, indent=2))
            else:
                _print_status(st)
    except StackError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
