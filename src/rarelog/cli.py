"""rarelog — the command-line tool. Each command is a thin shell over a module of its own."""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

SERVICES = ("ingest", "pseudonymizer", "reconciler", "registry-store")


def cmd_serve(args: argparse.Namespace) -> int:
    """Run one service in the foreground (the container entrypoint)."""
    import importlib
    import os

    from pydantic import ValidationError

    from rarelog.stack import embedded_env

    for name, value in embedded_env().items():  # the embedded stack fills what the environment lacks
        os.environ.setdefault(name, value)
    module = importlib.import_module(f"rarelog_{args.service.replace('-', '_')}.entrypoint")
    try:
        return module.main()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            print(f"rarelog serve {args.service}: setting {where}: {error['msg']}", file=sys.stderr)
        return 2


def cmd_submit(args: argparse.Namespace) -> int:
    from rarelog import settings as cli_settings
    from rarelog.submit import print_summary, submit_files

    s = cli_settings.load()
    bootstrap = cli_settings.require(s.kafka_bootstrap_servers, "KAFKA_BOOTSTRAP_SERVERS")
    try:
        summary = submit_files([Path(f) for f in args.files], bootstrap, s.topic_prefix, args.encoding,
                               s.kafka_client_config, wait=not args.no_wait, timeout_s=args.timeout)
    except (OSError, ValueError) as exc:
        print(f"rarelog submit: {exc}", file=sys.stderr)
        return 2
    print_summary(summary)
    return 0


def cmd_linkage_review(args: argparse.Namespace) -> int:
    from rarelog import review
    from rarelog import settings as cli_settings

    s = cli_settings.load()
    if not (args.accept or args.reject or args.split):
        review.print_queue(review.pending(cli_settings.require(s.database_url, "DATABASE_URL"), s.warehouse_schema,
                                          args.limit))
        return 0
    bootstrap = cli_settings.require(s.kafka_bootstrap_servers, "KAFKA_BOOTSTRAP_SERVERS")
    reviewer = args.reviewer or getpass.getuser()  # looked up only here: a container user may have no name
    if args.split:
        value = review.verdict("SPLIT", reviewer, record_keys=args.split)
    else:
        value = review.verdict("ACCEPT" if args.accept else "REJECT", reviewer, args.accept or args.reject)
    offset = review.publish(bootstrap, value, s.topic_prefix, s.kafka_client_config)
    try:
        refusal = review.outcome(bootstrap, offset, s.topic_prefix, s.kafka_client_config, args.timeout)
    except TimeoutError as exc:
        print(f"rarelog linkage review: verdict published; {exc}", file=sys.stderr)
        return 1
    if refusal:
        print(f"rarelog linkage review: the reconciler refused the verdict: {refusal}", file=sys.stderr)
        return 1
    print(f"{value['verdict'].lower()} applied by the reconciler (verdict {value['verdict_id']})")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from rarelog import settings as cli_settings
    from rarelog.pipeline import progress

    s = cli_settings.load()
    stages = progress(cli_settings.require(s.kafka_bootstrap_servers, "KAFKA_BOOTSTRAP_SERVERS"),
                      cli_settings.require(s.database_url, "DATABASE_URL"), s.topic_prefix, s.warehouse_schema,
                      s.kafka_client_config)
    for st in stages:
        print(f"{st.stage:15} {st.topic:32} position {st.consumed:>10,} of {st.end:>10,}  "
              f"{'caught up' if st.caught_up else 'behind'}")
    return 0 if all(st.caught_up for st in stages) else 1


def cmd_views(args: argparse.Namespace) -> int:
    from rarelog import settings as cli_settings
    from rarelog.views import print_headline

    s = cli_settings.load()
    print_headline(cli_settings.require(s.database_url, "DATABASE_URL"), s.warehouse_schema, s.analytics_schema,
                   args.top)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from rarelog import report
    from rarelog import settings as cli_settings

    s = cli_settings.load()
    out = Path(args.out)
    written = report.write(out, cli_settings.require(s.database_url, "DATABASE_URL"), s.warehouse_schema,
                           s.analytics_schema, args.top)
    print(f"{out} ({len(written.charts)} charts)")
    return 0


def cmd_rejects(args: argparse.Namespace) -> int:
    from rarelog import settings as cli_settings
    from rarelog.rejects import print_rejects

    s = cli_settings.load()
    print_rejects(cli_settings.require(s.kafka_bootstrap_servers, "KAFKA_BOOTSTRAP_SERVERS"), s.topic_prefix,
                  centre=args.centre, since=args.since, show_identity=args.show_identity,
                  client_config=s.kafka_client_config)
    return 0


def cmd_linkage_eval(args: argparse.Namespace) -> int:
    from rarelog import linkage_eval

    return linkage_eval.main(args.rest)


def cmd_replay(args: argparse.Namespace) -> int:
    from rarelog import replay
    from rarelog import settings as cli_settings

    s = cli_settings.load()
    target = replay.Target(cli_settings.require(s.database_url, "DATABASE_URL"),
                           {"bootstrap.servers": cli_settings.require(s.kafka_bootstrap_servers,
                                                                      "KAFKA_BOOTSTRAP_SERVERS"),
                            **s.kafka_client_config}, s.topic_prefix, s.warehouse_schema, s.analytics_schema)
    if (args.as_of is None) != (args.into is None) or (args.verify and args.as_of is not None):
        print("rarelog replay: --as-of and --into go together, without --verify", file=sys.stderr)
        return 2
    try:
        if args.verify:
            return replay.run_verify(target, args.keep)
        if args.as_of is not None:
            return replay.run_as_of(target, args.as_of, args.into, args.analytics_into)
        return replay.run_switch(target, args.drop_old)
    except ValueError as exc:
        print(f"rarelog replay: {exc}", file=sys.stderr)
        return 2


def cmd_omop(args: argparse.Namespace) -> int:
    from rarelog import omop
    from rarelog import settings as cli_settings

    s = cli_settings.load()
    return omop.run_refresh(cli_settings.require(s.database_url, "DATABASE_URL"), s.warehouse_schema, args.vocabulary)


DEATHS_IMPORT = """\
Reads INSEE deceased-persons files (unreadable lines are reported with their line number, exact
duplicates skipped), pseudonymises every death here with the pseudonymizer's key
(RARELOG_PSEUDONYM_KEY_FILE, as the pseudonymizer's), publishes it to registry.deaths.pseudonymized
and waits for the reconciler's verdict on each. A match becomes a VitalStatusVerified patient event;
a death already verified is not published again, so importing a file twice changes nothing. With
DATABASE_URL, it then waits for the warehouse and counts the verified deaths that contradict a
centre's report (registry.vital_status_conflict)."""


def cmd_deaths_import(args: argparse.Namespace) -> int:
    from rarelog import settings as cli_settings
    from rarelog.deaths import importer
    from rarelog_kit.runner import StartupError
    from rarelog_pseudonymizer.keys import load_key_ring

    s = cli_settings.load()
    bootstrap = cli_settings.require(s.kafka_bootstrap_servers, "KAFKA_BOOTSTRAP_SERVERS")
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        print(f"rarelog deaths import: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    import os

    from rarelog.stack import embedded_env
    key_file = embedded_env().get("RARELOG_PSEUDONYM_KEY_FILE")  # the environment's, else the embedded stack's
    previous = [Path(p.strip()) for p in os.environ.get("RARELOG_PSEUDONYM_PREVIOUS_KEY_FILES", "").split(",") if p.strip()]
    try:
        ring = load_key_ring(Path(key_file) if key_file else None, previous)
    except StartupError as exc:
        print(f"rarelog deaths import: {exc}", file=sys.stderr)
        return 2
    try:
        summary = importer.import_files([Path(f) for f in args.files], ring, bootstrap, prefix=s.topic_prefix,
                                        client_config=s.kafka_client_config, wait=not args.no_wait,
                                        timeout_s=args.timeout)
        if summary.reported and s.database_url:
            summary.conflicts = importer.conflicts(summary, bootstrap, s.database_url, prefix=s.topic_prefix,
                                                   schema=s.warehouse_schema, client_config=s.kafka_client_config,
                                                   timeout_s=args.timeout)
    except TimeoutError as exc:
        print(f"rarelog deaths import: {exc}", file=sys.stderr)
        return 1
    importer.print_summary(summary)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from rarelog.demo import run_demo

    return run_demo(patients=args.patients, centres=args.centres, seed=args.seed)


def _timestamp(text: str):
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rarelog", description="Event-sourced national rare-disease registry.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run one service in the foreground")
    s.add_argument("service", choices=SERVICES)
    s.set_defaults(func=cmd_serve)

    from rarelog.cohort import cli as cohort_cli

    s = sub.add_parser("generate", help="write a deterministic synthetic cohort (JSON Lines + ground truth)",
                       description=cohort_cli.DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    cohort_cli.add_arguments(s)
    s.set_defaults(func=cohort_cli.run)

    s = sub.add_parser("submit", help="publish submissions (JSON Lines, or CSV as in docs/csv-submissions.md) "
                                      "and report what ingest accepted and refused")
    s.add_argument("files", nargs="+", help="*.jsonl / *.json (one submission per line) or *.csv")
    s.add_argument("--encoding", choices=("json", "avro"), default="json",
                   help="send each submission as JSON (default) or re-encoded as Avro")
    s.add_argument("--no-wait", action="store_true", help="do not wait for ingest's verdict")
    s.add_argument("--timeout", type=float, default=900, help="seconds to wait for ingest (900)")
    s.set_defaults(func=cmd_submit)

    s = sub.add_parser("status", help="how far each service has got; exit 1 while any is behind")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("views", help="print the analysts' headline views")
    s.add_argument("--top", type=int, default=10)
    s.set_defaults(func=cmd_views)

    s = sub.add_parser("report", help="write the headline views as charts in one self-contained HTML page "
                                      "(published views only, small cells suppressed)")
    s.add_argument("--out", default="report.html", help="the HTML file to write (report.html)")
    s.add_argument("--top", type=int, default=15, help="how many ORPHAcodes to chart (15)")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("rejects", help="list dead-lettered submissions with their reasons")
    s.add_argument("--centre", help="only this centre's submissions")
    s.add_argument("--since", type=_timestamp, help="only those refused at or after this time (ISO 8601)")
    s.add_argument("--show-identity", action="store_true",
                   help="also print local record ids (identifying: not on a shared screen)")
    s.set_defaults(func=cmd_rejects)

    s = sub.add_parser("linkage", help="record linkage: 'rarelog linkage eval --dataset febrl4|febrl1|synthetic', "
                                         "'rarelog linkage review'")
    linkage = s.add_subparsers(dest="linkage_command", required=True)
    e = linkage.add_parser("eval", help="precision, recall and F1 of the real encodings and scoring on a data set",
                           add_help=False)
    e.add_argument("rest", nargs=argparse.REMAINDER)
    e.set_defaults(func=cmd_linkage_eval)
    r = linkage.add_parser("review", help="list possible matches awaiting review (field agreement, never identity), "
                                          "or decide one: --accept / --reject REVIEW_ID, --split RECORD_KEY...")
    what = r.add_mutually_exclusive_group()
    what.add_argument("--accept", metavar="REVIEW_ID", help="the two are one patient: merge them")
    what.add_argument("--reject", metavar="REVIEW_ID", help="the two are different patients")
    what.add_argument("--split", metavar="RECORD_KEY", nargs="+",
                      help="take these records (all of one patient) out into a new patient: undoes a wrong link")
    r.add_argument("--reviewer", help="who decides (default: the login name)")
    r.add_argument("--limit", type=int, default=50, help="how many possible matches to list (50)")
    r.add_argument("--timeout", type=float, default=60, help="seconds to wait for the reconciler (60)")
    r.set_defaults(func=cmd_linkage_review)

    s = sub.add_parser("replay", help="rebuild the warehouse from the patient events into fresh schemas and "
                                      "switch to it; --verify: compare two replays; --as-of: a past state")
    mode = s.add_mutually_exclusive_group()
    mode.add_argument("--verify", action="store_true",
                      help="replay twice (and compare with the live warehouse when it has not moved): "
                           "print per-table checksums, exit 1 on any difference")
    mode.add_argument("--drop-old", action="store_true", help="drop the previous warehouse after the switch")
    s.add_argument("--keep", action="store_true", help="with --verify: keep the replayed schemas")
    s.add_argument("--as-of", type=_timestamp, help="only the events appended to the log by then (ISO 8601; "
                                                    "UTC unless a zone is given); needs --into, never switches")
    s.add_argument("--into", metavar="SCHEMA", help="with --as-of: the row-level schema to create")
    s.add_argument("--analytics-into", metavar="SCHEMA", help="with --as-of: the views' schema "
                                                              "(default SCHEMA_analytics)")
    s.set_defaults(func=cmd_replay)

    s = sub.add_parser("omop", help="the OMOP CDM v5.4 tables (schema <warehouse schema>_omop): "
                                    "'rarelog omop refresh' rebuilds them from the registry tables")
    omop = s.add_subparsers(dest="omop_command", required=True)
    o = omop.add_parser("refresh", help="truncate and fill the OMOP tables in one transaction")
    o.add_argument("--vocabulary", metavar="SCHEMA", help="schema holding an OHDSI vocabulary export (concept, "
                                                          "concept_relationship, vocabulary) to look concept ids up "
                                                          "in; default: the OMOP schema itself when it holds one")
    o.set_defaults(func=cmd_omop)

    from rarelog import operate
    operate.add_parsers(sub)

    from rarelog.access import cli as access_cli
    access_cli.add_parsers(sub)

    from rarelog.deaths import evaluate as deaths_eval
    from rarelog.deaths import generate as deaths_generate

    s = sub.add_parser("deaths", help="INSEE deceased-persons files: 'rarelog deaths import' verifies vital "
                                      "status against them; 'generate' writes test files, 'eval' measures the matching")
    deaths = s.add_subparsers(dest="deaths_command", required=True)
    i = deaths.add_parser("import", help="pseudonymise the deaths of INSEE files, have the reconciler match them "
                                         "against the registry's patients, and summarise",
                          description=DEATHS_IMPORT, formatter_class=argparse.RawDescriptionHelpFormatter)
    i.add_argument("files", nargs="+", help="INSEE deceased-persons files (fixed width, as published)")
    i.add_argument("--no-wait", action="store_true", help="publish only: do not wait for the reconciler's matching")
    i.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the matching (1800)")
    i.set_defaults(func=cmd_deaths_import)
    v = deaths.add_parser("eval", help="precision and recall of the death matching on a generated file, "
                                       "in process (no broker)")
    deaths_eval.add_arguments(v)
    v.set_defaults(func=deaths_eval.run)
    g = deaths.add_parser("generate", help="an INSEE-format file with deaths of a synthetic cohort's patients "
                                           "among strangers, and its ground truth",
                          description=deaths_generate.DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    deaths_generate.add_arguments(g)
    g.set_defaults(func=deaths_generate.run)

    s = sub.add_parser("demo", help="generate, submit and materialise a synthetic cohort (used by 'make demo')")
    s.add_argument("--patients", type=int, default=2500)
    s.add_argument("--centres", type=int, default=20)
    s.add_argument("--seed", type=int, default=2026)
    s.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["linkage", "eval"]:  # its own parser, options and all
        from rarelog import linkage_eval
        return linkage_eval.main(argv[2:])
    args = parser().parse_args(argv)
    return args.func(args)
