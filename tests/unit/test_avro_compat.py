"""Unit tests for rarelog_kit.avro_compat: each Avro schema-resolution rule, both ways."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fastavro.schema import parse_schema

try:
    from rarelog_kit import avro_compat
except ModuleNotFoundError:  # the distribution is not installed: import from the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "kit"))
    from rarelog_kit import avro_compat

from rarelog_kit.avro_compat import (
    check_transitive,
    compatibility_problems,
    reader_incompatibilities,
)

MISSING = "reader field missing from writer and has no default"


def record(name: str, *fields: dict, **extra) -> dict:
    return {"type": "record", "name": name, "fields": list(fields), **extra}


def field(name: str, type_, **extra) -> dict:
    return {"name": name, "type": type_, **extra}


BASE = record("Patient", field("id", "string"))


# --- record fields -----------------------------------------------------------------

def test_identical_schemas_are_fully_compatible():
    assert compatibility_problems(BASE, BASE, "FULL") == []


def test_adding_field_with_default_is_full_compatible():
    new = record("Patient", field("id", "string"), field("age", "int", default=0))
    assert compatibility_problems(new, BASE, "FULL") == []


def test_adding_field_without_default_breaks_backward_only():
    new = record("Patient", field("id", "string"), field("age", "int"))
    assert compatibility_problems(new, BASE, "BACKWARD") == [f"BACKWARD: Patient.age: {MISSING}"]
    assert compatibility_problems(new, BASE, "FORWARD") == []  # old reader skips 'age'
    assert compatibility_problems(new, BASE, "FULL") == [f"BACKWARD: Patient.age: {MISSING}"]


def test_removing_field_without_default_breaks_forward_only():
    old = record("Patient", field("id", "string"), field("age", "int"))
    assert compatibility_problems(BASE, old, "FORWARD") == [f"FORWARD: Patient.age: {MISSING}"]
    assert compatibility_problems(BASE, old, "BACKWARD") == []


def test_removing_field_with_default_is_full_compatible():
    old = record("Patient", field("id", "string"), field("age", "int", default=0))
    assert compatibility_problems(BASE, old, "FULL") == []


def test_null_default_counts_as_a_default():
    new = record("Patient", field("id", "string"), field("note", ["null", "string"], default=None))
    assert compatibility_problems(new, BASE, "FULL") == []


def test_field_alias_matches_renamed_field():
    old = record("Patient", field("pid", "string"))
    new = record("Patient", field("id", "string", aliases=["pid"]))
    assert reader_incompatibilities(new, old) == []  # new reads old via the alias
    assert reader_incompatibilities(old, new) == [f"Patient.pid: {MISSING}"]


def test_field_type_change_reports_path_and_types():
    new = record("Patient", field("id", "int"))
    assert reader_incompatibilities(new, BASE) == [
        "Patient.id: writer type 'string' cannot be read as 'int'"]


# --- record names ------------------------------------------------------------------

def test_record_name_mismatch():
    assert reader_incompatibilities(record("Other", field("id", "string")), BASE) == [
        "Other: writer record 'Patient' does not match reader record 'Other' by name or alias"]


def test_nested_record_renamed_with_alias():
    addr = record("Address", field("city", "string"))
    loc = record("Location", field("city", "string"), aliases=["Address"])
    old = record("Patient", field("home", addr))
    new = record("Patient", field("home", loc))
    assert compatibility_problems(new, old, "BACKWARD") == []
    assert compatibility_problems(new, old, "FORWARD") == [
        "FORWARD: Patient.home: writer record 'Location' does not match reader record "
        "'Address' by name or alias"]


def test_names_compared_unqualified_and_aliases_may_be_qualified():
    writer = record("OldName", field("id", "string"), namespace="org.old")
    reader = record("Patient", field("id", "string"), namespace="org.new", aliases=["org.old.OldName"])
    assert reader_incompatibilities(reader, writer) == []
    assert reader_incompatibilities(record("Patient", field("id", "string"), namespace="a.b"),
                                    record("Patient", field("id", "string"), namespace="c")) == []


# --- enums -------------------------------------------------------------------------

def sex_enum(*symbols: str, **extra) -> dict:
    return record("SdmmrRecord", field("identity", record("Identity", field(
        "sex", {"type": "enum", "name": "Sex", "symbols": list(symbols), **extra}))))


def test_enum_symbol_added_without_default_breaks_forward():
    old, new = sex_enum("F", "M"), sex_enum("F", "M", "X")
    assert compatibility_problems(new, old, "BACKWARD") == []
    assert compatibility_problems(new, old, "FORWARD") == [
        "FORWARD: SdmmrRecord.identity.sex: writer symbol 'X' not in reader enum "
        "and reader enum has no default"]


def test_enum_symbol_added_with_reader_default_is_full_compatible():
    old = sex_enum("F", "M", "U", default="U")
    new = sex_enum("F", "M", "U", "X", default="U")
    assert compatibility_problems(new, old, "FULL") == []


def test_enum_symbol_removed_breaks_backward_unless_default():
    old, new = sex_enum("F", "M", "U"), sex_enum("F", "M")
    assert compatibility_problems(new, old, "FULL") == [
        "BACKWARD: SdmmrRecord.identity.sex: writer symbol 'U' not in reader enum "
        "and reader enum has no default"]
    assert compatibility_problems(sex_enum("F", "M", default="F"), old, "FULL") == []


# --- primitives and promotions -----------------------------------------------------

@pytest.mark.parametrize("writer,reader", [
    ("int", "long"), ("int", "float"), ("int", "double"), ("long", "float"),
    ("long", "double"), ("float", "double"), ("string", "bytes"), ("bytes", "string"),
])
def test_allowed_promotions(writer, reader):
    assert reader_incompatibilities(reader, writer) == []


@pytest.mark.parametrize("writer,reader", [
    ("long", "int"), ("double", "float"), ("float", "long"), ("boolean", "int"), ("null", "string"),
])
def test_disallowed_promotions(writer, reader):
    assert reader_incompatibilities(reader, writer) == [
        f"{reader}: writer type '{writer}' cannot be read as '{reader}'"]


def test_int_to_long_promotion_is_one_way():
    old = record("Lab", field("count", "int"))
    new = record("Lab", field("count", "long"))
    assert compatibility_problems(new, old, "BACKWARD") == []
    assert compatibility_problems(new, old, "FORWARD") == [
        "FORWARD: Lab.count: writer type 'long' cannot be read as 'int'"]


# --- unions ------------------------------------------------------------------------

def test_union_branch_added_to_non_union():
    old = record("Patient", field("note", "string"))
    new = record("Patient", field("note", ["null", "string"], default=None))
    assert compatibility_problems(new, old, "BACKWARD") == []
    assert compatibility_problems(new, old, "FORWARD") == [
        "FORWARD: Patient.note: writer type 'null' cannot be read as 'string'"]


def test_union_branch_added_to_union():
    old = record("Patient", field("note", ["null", "string"]))
    new = record("Patient", field("note", ["null", "string", "long"]))
    assert compatibility_problems(new, old, "BACKWARD") == []
    assert compatibility_problems(new, old, "FORWARD") == [
        "FORWARD: Patient.note: writer type 'long' not readable by any branch of "
        "reader union ['null', 'string']"]


def test_union_branch_may_be_read_through_promotion():
    assert reader_incompatibilities(["null", "double"], ["null", "int", "float"]) == []


def test_union_reports_details_of_matching_named_branch():
    old = record("Patient", field("addr", ["null", record("Address", field("city", "string"))]))
    new = record("Patient", field("addr", ["null", record("Address", field("city", "string"),
                                                          field("zip", "string"))]))
    assert reader_incompatibilities(new, old) == [f"Patient.addr.zip: {MISSING}"]


# --- arrays and maps ---------------------------------------------------------------

ITEM_OLD = record("Item", field("code", "string"))
ITEM_NEW = record("Item", field("code", "string"), field("qty", "int"))


def test_array_of_records_recurses_into_items():
    old = record("Order", field("items", {"type": "array", "items": ITEM_OLD}))
    new = record("Order", field("items", {"type": "array", "items": ITEM_NEW}))
    assert compatibility_problems(new, old, "FULL") == [f"BACKWARD: Order.items[].qty: {MISSING}"]


def test_map_of_records_recurses_into_values():
    old = record("Order", field("byId", {"type": "map", "values": ITEM_OLD}))
    new = record("Order", field("byId", {"type": "map", "values": ITEM_NEW}))
    assert compatibility_problems(new, old, "FULL") == [f"BACKWARD: Order.byId{{}}.qty: {MISSING}"]


def test_array_cannot_be_read_as_map():
    assert reader_incompatibilities({"type": "map", "values": "int"},
                                    {"type": "array", "items": "int"}) == [
        "map: writer type 'array' cannot be read as 'map'"]


# --- fixed -------------------------------------------------------------------------

def test_fixed_size_and_name_must_match():
    md5 = {"type": "fixed", "name": "Hash", "size": 16}
    assert reader_incompatibilities(md5, dict(md5)) == []
    assert reader_incompatibilities({**md5, "size": 32}, md5) == [
        "Hash: writer fixed size 16 differs from reader size 32"]
    assert reader_incompatibilities({**md5, "name": "Digest"}, md5) == [
        "Digest: writer fixed 'Hash' does not match reader fixed 'Digest' by name or alias"]


# --- recursion ---------------------------------------------------------------------

def linked_list(*extra: dict) -> dict:
    return record("Node", field("value", "int"), field("next", ["null", "Node"], default=None), *extra)


@pytest.mark.parametrize("parse", [lambda s: s, parse_schema,
                                   lambda s: parse_schema(s, expand=True)])
def test_recursive_linked_list_terminates(parse):
    old, new = parse(linked_list()), parse(linked_list(field("label", "string")))
    assert compatibility_problems(old, old, "FULL") == []
    # Reported once, not once per level of (infinite) nesting.
    assert compatibility_problems(new, old, "FULL") == [f"BACKWARD: Node.label: {MISSING}"]
    added = parse(linked_list(field("label", "string", default="")))
    assert compatibility_problems(added, old, "FULL") == []


def test_mutually_recursive_types_terminate():
    tree = record("Tree", field("kids", {"type": "array", "items": record(
        "Branch", field("sub", "Tree"), field("w", "int"))}))
    tree2 = record("Tree", field("kids", {"type": "array", "items": record(
        "Branch", field("sub", "Tree"), field("w", "long"))}))
    assert reader_incompatibilities(tree2, tree) == []
    assert reader_incompatibilities(tree, tree2) == [
        "Tree.kids[].w: writer type 'long' cannot be read as 'int'"]


# --- logical types -----------------------------------------------------------------

TS_MILLIS = {"type": "long", "logicalType": "timestamp-millis"}


def test_timestamp_millis_and_long_are_interchangeable():
    old = record("Event", field("at", "long"))
    new = record("Event", field("at", TS_MILLIS))
    assert compatibility_problems(new, old, "FULL") == []


def test_logical_type_underlying_type_still_checked():
    assert reader_incompatibilities("int", TS_MILLIS) == [
        "int: writer type 'long' cannot be read as 'int'"]
    assert reader_incompatibilities(TS_MILLIS, {"type": "int", "logicalType": "date"}) == []


def test_decimal_precision_and_scale_must_match():
    dec = {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}
    assert reader_incompatibilities(dec, dict(dec)) == []
    assert reader_incompatibilities({**dec, "scale": 3}, dec) == [
        "bytes: writer decimal(precision=10, scale=2) differs from reader decimal(precision=10, scale=3)"]
    assert reader_incompatibilities("bytes", dec) == []  # plain reader ignores the logical type


# --- parsed schemas, modes and transitive checks -----------------------------------

def test_fastavro_parsed_schemas_give_same_answers():
    old = record("Patient", field("id", "string"), field("sex", {
        "type": "enum", "name": "Sex", "symbols": ["F", "M"]}), namespace="org.rarelog")
    new = record("Patient", field("id", "string"), field("sex", {
        "type": "enum", "name": "Sex", "symbols": ["F", "M", "X"]}), namespace="org.rarelog")
    expected = ["FORWARD: Patient.sex: writer symbol 'X' not in reader enum and reader enum has no default"]
    assert compatibility_problems(new, old, "FULL") == expected
    assert compatibility_problems(parse_schema(new, expand=True), parse_schema(old, expand=True),
                                  "FULL") == expected
    assert compatibility_problems(parse_schema(new), old, "FULL") == expected


def test_named_type_reference_is_followed():
    sex = {"type": "enum", "name": "Sex", "symbols": ["F", "M"]}
    schema = record("Pair", field("a", sex), field("b", "Sex"))
    assert reader_incompatibilities(schema, schema) == []


def test_unknown_mode_rejected_and_none_checks_nothing():
    with pytest.raises(ValueError):
        compatibility_problems(BASE, BASE, "SIDEWAYS")
    assert compatibility_problems(record("X", field("a", "int")), BASE, "none") == []


def test_check_transitive_labels_each_earlier_version():
    v1 = record("Patient", field("id", "string"))
    v2 = record("Patient", field("id", "string"), field("age", "int", default=0))
    v3 = record("Patient", field("id", "string"), field("age", "int"))  # default dropped
    assert check_transitive(v2, [("v1", v1)]) == []
    assert check_transitive(v3, [("v1", v1), ("v2", v2)]) == [f"v1: BACKWARD: Patient.age: {MISSING}"]
    assert check_transitive(v3, [v1, v2], mode="FULL_TRANSITIVE") == [
        f"#0: BACKWARD: Patient.age: {MISSING}"]
    # Forward only: old readers skip the new field, so nothing to report.
    assert check_transitive(v3, [("v1", v1), ("v2", v2)], mode="FORWARD") == []


def test_check_transitive_catches_drift_invisible_pairwise():
    v1 = record("Lab", field("x", "int"))
    v2 = record("Lab")  # dropping x: new readers just skip it
    v3 = record("Lab", field("x", "string", default=""))  # fine against v2, not against v1
    assert compatibility_problems(v3, v2, "BACKWARD") == []
    assert check_transitive(v3, [("v1", v1), ("v2", v2)], mode="BACKWARD") == [
        "v1: BACKWARD: Lab.x: writer type 'int' cannot be read as 'string'"]


def test_module_exports():
    assert avro_compat.MODES == ("BACKWARD", "FORWARD", "FULL", "NONE")
