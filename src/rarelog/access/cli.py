"""`rarelog access grant | revoke | list | expire | members | refresh`: thin shells over store.py."""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import psycopg

from rarelog.access import request, store
from rarelog.access.request import AccessError


def who() -> str:
    """The OS user, for the audit; a container user may have no name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def place() -> store.Place:
    from rarelog import settings as cli_settings
    from rarelog.access.settings import AccessSettings

    s = cli_settings.load()
    return store.Place(cli_settings.require(s.database_url, "DATABASE_URL"), s.warehouse_schema,
                       AccessSettings().access_schema, who())


def cmd_grant(args: argparse.Namespace) -> int:
    from rarelog.access.keys import load_secret
    from rarelog.access.settings import AccessSettings
    from rarelog.stack import embedded_env
    from rarelog_kit.reference import orphanet

    today = datetime.now(timezone.utc).date()
    req = request.grant_request(args.study, args.orphacodes, args.years, args.expires, args.tables, args.login_role,
                                args.approval, orphanet(), today)
    settings, stack = AccessSettings(), embedded_env()  # the environment's files, else the embedded stack's
    pseudonym_key = settings.pseudonym_key_file or stack.get("RARELOG_PSEUDONYM_KEY_FILE")
    study_key = settings.study_key_file or stack.get("RARELOG_STUDY_KEY_FILE")
    secret = load_secret(Path(study_key) if study_key else None, pseudonym_key)
    size, swept = store.grant(place(), req, secret)
    for study in swept:
        print(f"expired grant of study {study} ended (schema and role dropped)")
    print(f"study {req.study} granted: schema and role {req.name}, views {', '.join(req.tables)}; "
          f"cohort {size} patients ({', '.join(req.orphacodes)}, first contact {req.first_year}-{req.last_year}); "
          f"analysts: {', '.join(req.login_roles) or 'none yet (rarelog access members --add)'}; "
          f"access ends at the end of {req.expires_on} (UTC)")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    study = request.study_id(args.study)
    store.revoke(place(), study, args.reason)
    print(f"study {study} revoked: schema and role {request.schema_of(study)} dropped")
    return 0


def cmd_expire(_args: argparse.Namespace) -> int:
    swept = store.expire(place())
    print(f"expired: {', '.join(swept)}" if swept else "no grant past its expiry")
    return 0


def cmd_members(args: argparse.Namespace) -> int:
    study = request.study_id(args.study)
    add, remove = request.login_roles(args.add), request.login_roles(args.remove)
    if not (add or remove):
        raise AccessError("nothing to do: --add and/or --remove login roles")
    after = store.members(place(), study, add, remove)
    print(f"study {study} analysts: {', '.join(after) or 'none'}")
    return 0


def cmd_refresh(_args: argparse.Namespace) -> int:
    studies = store.refresh(place())
    print(f"views rebuilt over the live warehouse: {', '.join(studies)}" if studies else "no active study")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    grants, problems = store.listing(place(), args.all)
    if not grants:
        print("no study grant" if args.all else "no active study grant (--all: past ones too)")
    for g in grants:
        ended = f"  ended {g.ended_at:%Y-%m-%d}" if g.ended_at else ""
        print(f"{g.study:24} {g.status:18} {','.join(g.orphacodes)}  first contact {g.years[0]}-{g.years[1]}  "
              f"expires {g.expires_on}{ended}  tables {','.join(g.tables)}  analysts {','.join(g.login_roles) or '-'}  "
              f"granted {g.granted_at:%Y-%m-%d} by {g.granted_by}")
    for problem in problems:
        print(f"warning: {problem}: run `rarelog access refresh`", file=sys.stderr)
    if any(g.status == "expired, not swept" for g in grants):
        print("warning: expired grants refuse every query but still exist: run `rarelog access expire`",
              file=sys.stderr)
    return 1 if problems else 0


def run(args: argparse.Namespace) -> int:
    """Refusals print one line and exit 2; none shows a key (AccessError messages never hold one)."""
    try:
        return args.access_func(args)
    except AccessError as exc:
        print(f"rarelog access {args.access_command}: {exc}", file=sys.stderr)
    except psycopg.errors.LockNotAvailable:
        print(f"rarelog access {args.access_command}: a study's views are in use by an open transaction "
              "(pg_stat_activity); try again", file=sys.stderr)
    except psycopg.Error as exc:
        print(f"rarelog access {args.access_command}: PostgreSQL refused: {str(exc).strip()}", file=sys.stderr)
    return 2


def add_parsers(sub) -> None:
    s = sub.add_parser("access", help="governed access for approved studies (docs/privacy.md, Study access): "
                                      "grant, revoke, list, expire, members, refresh")
    s.set_defaults(func=run)
    access = s.add_subparsers(dest="access_command", required=True)

    g = access.add_parser("grant", help="create schema and role study_<id>: views of the approved cohort and columns, "
                                        "with a pseudonym of the study's own (needs RARELOG_STUDY_KEY_FILE)")
    g.add_argument("--study", required=True, help="study id: lower-case letters, digits, '_' (names study_<id>)")
    g.add_argument("--orphacodes", required=True, help="comma-separated ORPHAcodes (166,558 or ORPHA:558); "
                                                       "exactly these codes, no descendants")
    g.add_argument("--years", required=True, help="YYYY-YYYY: the years of the patients' first contact with an "
                                                  "expert centre (inclusive)")
    g.add_argument("--expires", required=True, help="YYYY-MM-DD: the last day of access (ends at midnight UTC)")
    g.add_argument("--tables", nargs="+", action="extend", metavar="TABLE",
                   help=f"the views granted (default all): {', '.join(request.TABLES)}")
    g.add_argument("--login-role", nargs="+", action="extend", metavar="NAME",
                   help="existing login roles of the study's analysts, granted the study role")
    g.add_argument("--approval", help="the committee's decision reference, kept in the grant and the audit")
    g.set_defaults(access_func=cmd_grant)

    r = access.add_parser("revoke", help="drop the study's schema and role (audited)")
    r.add_argument("--study", required=True)
    r.add_argument("--reason", help="why, for the audit")
    r.set_defaults(access_func=cmd_revoke)

    ls = access.add_parser("list", help="grants and their status; exit 1 when study views need a refresh")
    ls.add_argument("--all", action="store_true", help="also revoked and expired grants")
    ls.set_defaults(access_func=cmd_list)

    e = access.add_parser("expire", help="end every grant past its expiry (run daily; grant does it too)")
    e.set_defaults(access_func=cmd_expire)

    m = access.add_parser("members", help="grant the study role to login roles, or take it back")
    m.add_argument("--study", required=True)
    m.add_argument("--add", nargs="+", action="extend", metavar="NAME", default=[])
    m.add_argument("--remove", nargs="+", action="extend", metavar="NAME", default=[])
    m.set_defaults(access_func=cmd_members)

    f = access.add_parser("refresh", help="rebuild every study's views over the live warehouse (after a replay "
                                          "switch, which leaves them on the old schemas or drops them)")
    f.set_defaults(access_func=cmd_refresh)
