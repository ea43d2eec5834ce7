-- Study access bookkeeping: grants, the studies' keys, the audit, and the expiry check the study
-- views call. Applied (idempotently) by every `rarelog access` command, as the warehouse's owner.
-- {access} is a schema name; literal braces are doubled (str.format).
--
-- The schema is private: no role but its owner has USAGE on it, so study roles (and stewards,
-- whose default privileges cover registry and analytics only) can read neither the keys nor the
-- cohort view that maps patient_id to each study's pseudonym. The study views read it with their
-- owner's rights. It stays outside the warehouse pair, which a replay rebuilds and renames.

CREATE EXTENSION IF NOT EXISTS pgcrypto;  -- hmac(), for the study pseudonyms
CREATE SCHEMA IF NOT EXISTS {access};
REVOKE ALL ON SCHEMA {access} FROM PUBLIC;

-- One row per grant; a study id may be granted again once its previous grant has ended (the
-- same id derives the same key: an extension keeps the pseudonyms).
CREATE TABLE IF NOT EXISTS {access}.study_grant (
    grant_id bigserial PRIMARY KEY,
    study text NOT NULL,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'expired')),
    orphacodes text[] NOT NULL,
    first_year int NOT NULL,           -- year of the patient's first contact, inclusive
    last_year int NOT NULL,
    expires_on date NOT NULL,          -- the last day of access
    expires_at timestamptz NOT NULL,   -- its end: midnight UTC after expires_on
    tables text[] NOT NULL,
    login_roles text[] NOT NULL,       -- kept up to date by `rarelog access members`
    approval text,                     -- the committee's decision reference
    key_id text NOT NULL,              -- fingerprint of the platform secret the study key derives from
    granted_at timestamptz NOT NULL DEFAULT now(),
    granted_by text NOT NULL,
    ended_at timestamptz,
    ended_by text
);
CREATE UNIQUE INDEX IF NOT EXISTS study_grant_active_idx ON {access}.study_grant (study) WHERE status = 'active';

-- The derived key of each active study (never the platform secret); deleted when access ends.
CREATE TABLE IF NOT EXISTS {access}.study_key (
    study text PRIMARY KEY,
    key bytea NOT NULL CHECK (length(key) >= 32)
);

-- Every grant, revocation, expiry, change of analysts and refresh: who (OS and database user),
-- when, what. Append-only: a trigger refuses changes, so a mistaken statement cannot rewrite it
-- (its owner could still drop the trigger: the audit protects against accidents, not the owner).
CREATE TABLE IF NOT EXISTS {access}.audit (
    audit_id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    action text NOT NULL CHECK (action IN ('grant', 'revoke', 'expire', 'members', 'refresh')),
    study text NOT NULL,
    os_user text NOT NULL,
    db_user text NOT NULL DEFAULT session_user,
    parameters jsonb NOT NULL
);

CREATE OR REPLACE FUNCTION {access}.refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rarelog: the access audit is append-only';
END
$$;
CREATE OR REPLACE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {access}.audit
    FOR EACH STATEMENT EXECUTE FUNCTION {access}.refuse_audit_change();

-- Called by every study view (as the querying role): true while the study's grant is active and
-- unexpired, otherwise an error that says so. SECURITY DEFINER because the caller may not read
-- the grants; a fixed search_path so that the caller's objects cannot stand in for ours. An
-- expired grant stops working by itself, before `rarelog access expire` drops it.
CREATE OR REPLACE FUNCTION {access}.study_open(p_study text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g record;
BEGIN
    SELECT expires_on, expires_at INTO g FROM {access}.study_grant WHERE study = p_study AND status = 'active';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'rarelog: study % has no active access grant', p_study
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF g.expires_at <= now() THEN
        RAISE EXCEPTION 'rarelog: access for study % expired at the end of % (UTC)', p_study, g.expires_on
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'A renewal needs the scientific committee''s approval and a new grant.';
    END IF;
    RETURN true;
END
$$;
-- Each study role is granted EXECUTE by name (store.py); nobody else needs it.
REVOKE ALL ON FUNCTION {access}.study_open(text) FROM PUBLIC;
