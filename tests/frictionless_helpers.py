"""The built CSV files read by frictionless, the reference implementation of Frictionless Data,
with the descriptions we publish (or the national schema they follow): what a re-user's
``frictionless validate`` would report."""

from __future__ import annotations

import json
from pathlib import Path

from frictionless import Package, Resource, Schema

FIXTURES = Path(__file__).parent / "fixtures"
LAMEDNUM_SCHEMA = FIXTURES / "lamednum" / "schema.json"


def lamednum_schema() -> dict:
    """The copy of the national schema of lieux de médiation numérique (see its SOURCE.md)."""
    return json.loads(LAMEDNUM_SCHEMA.read_text(encoding="utf-8"))


def published_package(folder: Path) -> dict:
    """``folder``/datapackage.json, with the national schema it names by address read from our
    copy (the tests have no network; SOURCE.md says they are the same file)."""
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if isinstance(resource.get("schema"), str):
            resource["schema"] = lamednum_schema()
    return descriptor


Problem = tuple[int | None, str | None, str]  # row number, field name, error type


def problems(report) -> list[Problem]:
    return [(row, field, kind) for row, field, kind in report.flatten(["rowNumber", "fieldName", "type"])]


def package_problems(folder: Path) -> dict[str, list[Problem]]:
    """Every resource of ``folder``'s data package, validated: resource name -> problems."""
    report = Package(published_package(folder), basepath=str(folder)).validate()
    return {task.name: problems(task) for task in report.tasks}


def csv_problems(path: Path, schema: dict) -> list[Problem]:
    """A CSV file validated against a Table Schema, as ``frictionless validate --schema``."""
    report = Resource(path=path.name, basepath=str(path.parent), schema=Schema.from_descriptor(schema)).validate()
    return problems(report)
