"""A study's access over its lifetime: grant, change of analysts, revocation, expiry; each in one
transaction with its audit row, so that no grant exists unaudited (DDL and roles are
transactional in PostgreSQL)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from rarelog.access import objects
from rarelog.access.keys import StudySecret
from rarelog.access.request import AccessError, GrantRequest, schema_of


@dataclass(frozen=True)
class Place:
    """Where the warehouse and the access bookkeeping are, and who acts (the OS user; the
    database user is the connection's)."""
    database_url: str
    registry: str
    access: str
    os_user: str


def audit(conn: psycopg.Connection, place: Place, action: str, study: str, parameters: dict) -> None:
    conn.execute(f"INSERT INTO {place.access}.audit (action, study, os_user, parameters) VALUES (%s, %s, %s, %s)",
                 (action, study, place.os_user, Jsonb(parameters)))


def grant(place: Place, req: GrantRequest, secret: StudySecret) -> tuple[int, list[str]]:
    """Creates the study's role, schema and views and grants the role to the login roles. Returns
    the cohort's size and the studies whose expired grants were swept first (so that an expired
    study id may be granted again)."""
    with psycopg.connect(place.database_url) as conn:
        objects.ensure(conn, place.access)
        objects.check_warehouse(conn, place.registry)
        swept = _expire_due(conn, place)
        _refuse_clashes(conn, place, req)
        conn.execute(f"""INSERT INTO {place.access}.study_grant (study, orphacodes, first_year, last_year, expires_on,
                             expires_at, tables, login_roles, approval, key_id, granted_by)
                         VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                     (req.study, list(req.orphacodes), req.first_year, req.last_year, req.expires_on, req.expires_at,
                      list(req.tables), list(req.login_roles), req.approval, secret.key_id, place.os_user))
        conn.execute(f"INSERT INTO {place.access}.study_key (study, key) VALUES (%s, %s)",
                     (req.study, secret.study_key(req.study)))
        name = req.name  # validated: [a-z][a-z0-9_]*, safe unquoted
        conn.execute(f"CREATE ROLE {name} NOLOGIN")
        conn.execute(f"CREATE SCHEMA {name}")
        conn.execute(f"GRANT USAGE ON SCHEMA {name} TO {name}")
        conn.execute(f"GRANT EXECUTE ON FUNCTION {place.access}.study_open(text) TO {name}")
        objects.rebuild(conn, place.registry, place.access)
        for login in req.login_roles:
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(name), sql.Identifier(login)))
        audit(conn, place, "grant", req.study, {
            "orphacodes": list(req.orphacodes), "years": [req.first_year, req.last_year],
            "expires_on": req.expires_on.isoformat(), "tables": list(req.tables),
            "login_roles": list(req.login_roles), "approval": req.approval, "key_id": secret.key_id,
            "registry": place.registry})
        size = conn.execute(f"SELECT count(*) FROM {place.access}.study_cohort WHERE study = %s",
                            (req.study,)).fetchone()[0]
    return size, swept


def _refuse_clashes(conn: psycopg.Connection, place: Place, req: GrantRequest) -> None:
    found = conn.execute(f"SELECT granted_at, granted_by FROM {place.access}.study_grant "
                         "WHERE study = %s AND status = 'active'", (req.study,)).fetchone()
    if found:
        raise AccessError(f"study {req.study} exists: granted {found[0]:%Y-%m-%d %H:%M} UTC by {found[1]}; "
                          "revoke it first, or use `rarelog access members` to change its analysts")
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (req.name,)).fetchone():
        raise AccessError(f"a role {req.name} already exists in the PostgreSQL cluster (another database's study, "
                          "or made by hand): choose another study id")
    if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (req.name,)).fetchone():
        raise AccessError(f"a schema {req.name} already exists: choose another study id")
    _check_logins(conn, req.login_roles)
    if not conn.execute("SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]:
        raise AccessError(f"{conn.info.user} may not create roles (CREATEROLE): run as the services' database user")


def _check_logins(conn: psycopg.Connection, logins: tuple[str, ...] | list[str]) -> None:
    known = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY (%s)", (list(logins),))}
    missing = [r for r in logins if r not in known]
    if missing:
        raise AccessError(f"login role(s) {', '.join(missing)} do not exist: an operator creates them first "
                          "(CREATE ROLE <name> LOGIN …)")


def _active(conn: psycopg.Connection, place: Place, study: str) -> tuple:
    row = conn.execute(f"SELECT expires_on, login_roles FROM {place.access}.study_grant "
                       "WHERE study = %s AND status = 'active' FOR UPDATE", (study,)).fetchone()
    if row:
        return row
    ended = conn.execute(f"SELECT status, ended_at FROM {place.access}.study_grant WHERE study = %s "
                         "ORDER BY grant_id DESC LIMIT 1", (study,)).fetchone()
    raise AccessError(f"unknown study {study}: no active grant"
                      + (f" (its last grant was {ended[0]} on {ended[1]:%Y-%m-%d})" if ended else ""))


def _end(conn: psycopg.Connection, place: Place, study: str, status: str) -> None:
    """Drops everything the study could read, then its role; the grant row and the audit stay."""
    name = schema_of(study)
    conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    conn.execute(f"DELETE FROM {place.access}.study_key WHERE study = %s", (study,))
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
        # The role owns nothing, and its only privilege outside its schema is this one (DROP OWNED
        # would need membership of the role, which the services' user lacks); DROP ROLE takes back
        # its memberships, and refuses, naming them, if someone granted it more by hand.
        conn.execute(f"REVOKE ALL ON FUNCTION {place.access}.study_open(text) FROM {name}")
        conn.execute(f"DROP ROLE {name}")
    conn.execute(f"UPDATE {place.access}.study_grant SET status = %s, ended_at = now(), ended_by = %s "
                 "WHERE study = %s AND status = 'active'", (status, place.os_user, study))


def revoke(place: Place, study: str, reason: str | None) -> None:
    with psycopg.connect(place.database_url) as conn:
        objects.ensure(conn, place.access)
        expires_on, logins = _active(conn, place, study)
        _end(conn, place, study, "revoked")
        audit(conn, place, "revoke", study, {"reason": reason, "login_roles": list(logins),
                                             "expires_on": expires_on.isoformat()})


def _expire_due(conn: psycopg.Connection, place: Place) -> list[str]:
    due = conn.execute(f"SELECT study, expires_on FROM {place.access}.study_grant "
                       "WHERE status = 'active' AND expires_at <= now() ORDER BY study FOR UPDATE").fetchall()
    for study, expires_on in due:
        _end(conn, place, study, "expired")
        audit(conn, place, "expire", study, {"expires_on": expires_on.isoformat()})
    return [s for s, _ in due]


def expire(place: Place) -> list[str]:
    """Turns every grant past its expiry into an expired one: schema and role dropped."""
    with psycopg.connect(place.database_url) as conn:
        objects.ensure(conn, place.access)
        return _expire_due(conn, place)


def members(place: Place, study: str, add: tuple[str, ...], remove: tuple[str, ...]) -> list[str]:
    """Grants the study's role to `add`, takes it from `remove`; returns the analysts after."""
    with psycopg.connect(place.database_url) as conn:
        objects.ensure(conn, place.access)
        _, logins = _active(conn, place, study)
        _check_logins(conn, add)
        name = sql.Identifier(schema_of(study))
        for login in add:
            conn.execute(sql.SQL("GRANT {} TO {}").format(name, sql.Identifier(login)))
        # A login role dropped meanwhile lost its membership with it: nothing to revoke.
        existing = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY (%s)",
                                               (list(remove),))}
        for login in remove:
            if login in existing:
                conn.execute(sql.SQL("REVOKE {} FROM {}").format(name, sql.Identifier(login)))
        after = list(dict.fromkeys(r for r in [*logins, *add] if r not in remove))
        conn.execute(f"UPDATE {place.access}.study_grant SET login_roles = %s WHERE study = %s AND status = 'active'",
                     (after, study))
        audit(conn, place, "members", study, {"added": list(add), "removed": list(remove), "login_roles": after})
        return after


def refresh_after_replay(place: Place) -> list[str]:
    """After a replay switched the warehouse: the studies' views read the tables they were made
    over, which now hold the previous warehouse; rebuild them over the live one. Nothing to do
    where no study was ever granted."""
    with psycopg.connect(place.database_url) as conn:
        if conn.execute("SELECT to_regclass(%s)", (f"{place.access}.study_grant",)).fetchone()[0] is None:
            return []
    return refresh(place)


def refresh(place: Place) -> list[str]:
    with psycopg.connect(place.database_url) as conn:
        objects.ensure(conn, place.access)
        studies = objects.rebuild(conn, place.registry, place.access)
        for study in studies:
            audit(conn, place, "refresh", study, {"registry": place.registry})
        return studies


@dataclass(frozen=True)
class Listed:
    study: str
    status: str            # active, expired (past its expiry, not swept yet), revoked, expired
    orphacodes: list[str]
    years: tuple[int, int]
    expires_on: date
    tables: list[str]
    login_roles: list[str]
    granted_at: datetime
    granted_by: str
    ended_at: datetime | None


def listing(place: Place, all_grants: bool) -> tuple[list[Listed], list[str]]:
    """The grants (active only unless `all_grants`) and what is wrong with the views. Read-only."""
    with psycopg.connect(place.database_url) as conn:
        if conn.execute("SELECT to_regclass(%s)", (f"{place.access}.study_grant",)).fetchone()[0] is None:
            return [], []
        rows = conn.execute(f"""
            SELECT study, CASE WHEN status = 'active' AND expires_at <= now() THEN 'expired, not swept'
                               ELSE status END,
                   orphacodes, first_year, last_year, expires_on, tables, login_roles, granted_at, granted_by, ended_at
            FROM {place.access}.study_grant WHERE %s OR status = 'active' ORDER BY study, grant_id""",
                            (all_grants,)).fetchall()
        listed = [Listed(r[0], r[1], r[2], (r[3], r[4]), *r[5:]) for r in rows]
        return listed, objects.health(conn, place.registry, place.access)
