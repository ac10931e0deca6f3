"""Rewrites of records that a new version of communs requires, applied by ``communs upgrade``.

An instance depends on a pinned communs; when a new version changes what a valid record is (a
schema change, or a new vintage of the reference of communes), it brings a migration here. Every
migration is a pure function of a record's data and is idempotent: it changes only records that
need it, so ``communs upgrade`` needs no memory of what it ran before, and ``communs review`` can
tell that a change is exactly a migration's by applying the migrations to the old record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from communs.i18n import _
from communs.records.communes import Commune, Communes


@dataclass(frozen=True)
class Migration:
    name: str
    since: str  # the communs version that brought it
    summary: str  # what it does, in French, for the people who review its changes
    rewrite: Callable[[str, dict[str, Any], Communes], dict[str, Any] | None]  # None: nothing to change


def _successor(code: Any, communes: Communes) -> Commune | None:
    """The current commune that took over a code that is no longer a current commune's."""
    if not isinstance(code, str):
        return None
    commune = communes.get(code)
    if commune is None or commune.is_current or commune.parent is None:
        return None
    parent = communes.get(commune.parent)
    return parent if parent is not None and parent.is_current else None


def merged_communes(kind: str, data: dict[str, Any], communes: Communes) -> dict[str, Any] | None:
    """Records of a commune that merged into a commune nouvelle (or of a municipal arrondissement)
    move to the current commune, as each yearly Code officiel géographique requires; so do the
    communes of ``area``."""
    changed = dict(data)
    successor = _successor(data.get("commune"), communes)
    if successor is not None:
        changed["commune"] = successor.code
    area = data.get("area")
    if isinstance(area, list):
        codes = [(_successor(code, communes) or communes.get(code) or code) for code in area]
        current = [code.code if isinstance(code, Commune) else code for code in codes]
        kept = [code for index, code in enumerate(current) if code != changed.get("commune") and code not in current[:index]]
        if kept != area:
            changed["area"] = kept
            if not kept:
                del changed["area"]
    return changed if changed != data else None


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "communes-fusionnees",
        "0.1.0",
        _("Fiches d'une commune fusionnée (ou d'un arrondissement municipal) rattachées à la commune actuelle, d'après le Code officiel géographique livré."),
        merged_communes,
    ),
)


def migrate(kind: str, data: dict[str, Any], communes: Communes, migrations: tuple[Migration, ...] = MIGRATIONS) -> tuple[dict[str, Any], list[Migration]]:
    """The record as the current version wants it, and the migrations that changed it."""
    applied = []
    for migration in migrations:
        rewritten = migration.rewrite(kind, data, communes)
        if rewritten is not None:
            data = rewritten
            applied.append(migration)
    return data, applied
