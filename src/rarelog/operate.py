"""What an operator's install runs before the services start (the Helm chart's hook Jobs):
`rarelog migrate` and `rarelog topics create [--acls FILE]`.

The ACL file lists the bindings to create and the identified topics that only the principals it
names may read. Existing bindings are never deleted (others may have made them); a principal the
file does not name that can read an identified topic makes the command fail, naming it.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import (AclBinding, AclBindingFilter, AclOperation, AclPermissionType, AdminClient,
                                   ResourcePatternType, ResourceType)

from rarelog import settings as cli_settings


def cmd_migrate(_args: argparse.Namespace) -> int:
    from rarelog_registry_store.migrations import migrate

    s = cli_settings.load()
    applied = migrate(cli_settings.require(s.database_url, "DATABASE_URL"), s.warehouse_schema, s.analytics_schema)
    print(f"migrations applied: {', '.join(applied)}" if applied else "the warehouse is up to date")
    return 0


def cmd_topics_create(args: argparse.Namespace) -> int:
    from rarelog_kit.topics import TopicLayoutError, ensure_topics

    s = cli_settings.load()
    bootstrap = cli_settings.require(s.kafka_bootstrap_servers, "KAFKA_BOOTSTRAP_SERVERS")
    try:
        created = ensure_topics(bootstrap, s.topic_prefix, partitions=args.partitions,
                                client_config=s.kafka_client_config)
    except TopicLayoutError as exc:
        print(f"rarelog topics create: {exc}", file=sys.stderr)
        return 1
    print(f"topics created: {', '.join(created)}" if created else "every topic exists")
    if not args.acls:
        return 0
    document = json.loads(Path(args.acls).read_text())
    admin = AdminClient({"bootstrap.servers": bootstrap, **s.kafka_client_config})
    bindings = [binding_of(b) for b in document["bindings"]]
    for binding, future in admin.create_acls(bindings, request_timeout=30).items():
        try:
            future.result()
        except KafkaException as exc:
            print(f"rarelog topics create: cannot create ACL {describe(binding)}: {exc.args[0].str()}", file=sys.stderr)
            return 1
    print(f"ACL bindings ensured: {len(bindings)}")
    intruders = readers_not_granted(admin, document)
    for topic, principal in intruders:
        print(f"rarelog topics create: {principal} may read {topic}, an identified topic, without being granted it "
              "in the ACL file: remove that binding", file=sys.stderr)
    return 1 if intruders else 0


def binding_of(b: dict) -> AclBinding:
    return AclBinding(ResourceType[b["resource_type"]], b["resource_name"], ResourcePatternType[b["pattern_type"]],
                      b["principal"], b.get("host", "*"), AclOperation[b["operation"]],
                      AclPermissionType[b.get("permission", "ALLOW")])


def describe(b: AclBinding) -> str:
    return f"{b.permission_type.name} {b.principal} {b.operation.name} {b.restype.name} {b.name}"


def readers_not_granted(admin: AdminClient, document: dict) -> list[tuple[str, str]]:
    """(topic, principal) for every ALLOW READ/ALL binding matching an identified topic (literal,
    prefixed or wildcard) whose principal the file does not grant READ on that topic."""
    granted = {(b["resource_name"], b["principal"]) for b in document["bindings"]
               if b["resource_type"] == "TOPIC" and b["operation"] == "READ"}
    found = []
    for topic in document.get("exclusive_read_topics", []):
        query = AclBindingFilter(ResourceType.TOPIC, topic, ResourcePatternType.MATCH, None, None,
                                 AclOperation.ANY, AclPermissionType.ALLOW)
        for b in admin.describe_acls(query, request_timeout=30).result():
            if b.operation in (AclOperation.READ, AclOperation.ALL) and (topic, b.principal) not in granted:
                found.append((topic, b.principal))
    return sorted(set(found))


def add_parsers(sub) -> None:
    s = sub.add_parser("migrate", help="apply the warehouse's missing SQL migrations (idempotent)")
    s.set_defaults(func=cmd_migrate)
    s = sub.add_parser("topics", help="'rarelog topics create': the registry's topics (and Kafka ACLs)")
    topics = s.add_subparsers(dest="topics_command", required=True)
    c = topics.add_parser("create", help="create the missing topics; existing ones are left as they are")
    c.add_argument("--partitions", type=int, default=6, help="partitions of the topics that may have several (6)")
    c.add_argument("--acls", metavar="FILE", help="JSON: the ACL bindings to ensure and the identified topics "
                                                  "no other principal may read (deploy/helm/rarelog/README.md)")
    c.set_defaults(func=cmd_topics_create)
