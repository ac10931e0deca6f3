"""Property-based tests: whatever a contributor types, the validator answers and never crashes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from click.testing import CliRunner
from conftest import ACTOR, EVENT, Tree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communs.cli import main
from communs.records.problems import CODES
from communs.records.schemas import default_schemas
from communs.records.yamlreader import read_yaml

SETTINGS = settings(max_examples=int(__import__("os").environ.get("COMMUNS_HYPOTHESIS_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["97411", "97400", "culture", "https://x.example.org", "javascript:alert(1)", "2026-12-20", "2026-02-30T25:00:00+04:00", "FREQ=WEEKLY;BYDAY=SA", "<script>", "compagnie-ti-kaz"]),
)
values = st.recursive(scalars, lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)), max_leaves=12)
BASES = {"actor": yaml.safe_load(ACTOR), "event": yaml.safe_load(EVENT)}
FIELDS = sorted(set(BASES["actor"]) | set(BASES["event"]) | {"area", "venue", "recurrence", "status", "age", "social", "identifiers"})


def _mutate(base: dict, operations: list) -> dict:
    record = dict(base)
    for action, field, value in operations:
        if action == "delete":
            record.pop(field, None)
        elif action == "set":
            record[field] = value
        elif action == "nest" and isinstance(record.get(field), dict):
            inner = dict(record[field])
            inner[str(value)[:10]] = value
            record[field] = inner
    return record


mutations = st.lists(st.tuples(st.sampled_from(["delete", "set", "nest"]), st.sampled_from(FIELDS), values), max_size=4)


def _assert_sane(report) -> None:
    for found in report.problems:
        assert found.code in CODES
        assert found.code != "internal-error", found.message
        assert found.line is None or found.line >= 1
        assert found.message


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes_the_reader(text):
    parsed = read_yaml(text)
    assert parsed.ok or parsed.problems


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash_the_validator(raw):
    with tempfile.TemporaryDirectory() as folder:
        tree = Tree(Path(folder))
        tree.write("actor", "97411", "compagnie-ti-kaz.yml", raw)
        _assert_sane(tree.validate())


@SETTINGS
@given(st.sampled_from(["actor", "event"]), mutations)
def test_mutated_records_never_crash_and_both_validators_agree(kind, operations):
    record = _mutate(BASES[kind], operations)
    schemas = default_schemas()
    fast = schemas.is_valid(kind, record)
    reference = not list(schemas._python[kind].iter_errors(record))
    assert fast == reference, record
    with tempfile.TemporaryDirectory() as folder:
        tree = Tree(Path(folder))
        tree.actor()
        text = yaml.safe_dump(record, allow_unicode=True, sort_keys=False)
        if kind == "event":
            tree.event(text)
        else:
            tree.write("actor", "97411", "autre-acteur.yml", text)
        _assert_sane(tree.validate())


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=200))
def test_command_line_exit_status_is_always_0_1_or_2(text):
    with tempfile.TemporaryDirectory() as folder:
        tree = Tree(Path(folder))
        tree.write("actor", "97411", "compagnie-ti-kaz.yml", text, hint=False)
        for output_format in ("text", "json", "github"):
            result = CliRunner().invoke(main, ["validate", "--content", str(tree.content), "--format", output_format])
            assert result.exit_code in (0, 1, 2)
            assert result.exception is None or isinstance(result.exception, SystemExit)
