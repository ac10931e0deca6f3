"""How validation problems are shown: to a person (text), to GitHub Actions, to programs (JSON)."""

from __future__ import annotations

import json
from typing import Iterable

import click

from communs.i18n import _, ngettext
from communs.records.problems import Problem

FORMATS = ("text", "github", "json")


def _location(found: Problem) -> str:
    parts = [found.file or "?"]
    if found.line:
        parts.append(str(found.line))
        if found.column:
            parts.append(str(found.column))
    return ":".join(parts)


def summary_line(checked: int, errors: int, warnings: int) -> str:
    head = ngettext("{n} fiche vérifiée", "{n} fiches vérifiées", checked).format(n=checked)
    if not errors and not warnings:
        return _("{head} : aucun problème.").format(head=head)
    parts = []
    if errors:
        parts.append(ngettext("{n} erreur", "{n} erreurs", errors).format(n=errors))
    if warnings:
        parts.append(ngettext("{n} avertissement", "{n} avertissements", warnings).format(n=warnings))
    return _("{head} : {parts}.").format(head=head, parts=_(" et ").join(parts))


def format_text(problems: Iterable[Problem], checked: int, *, color: bool = False) -> str:
    lines = []
    errors = warnings = 0
    for found in problems:
        if found.is_error:
            errors += 1
            label = click.style(_("erreur"), fg="red", bold=True) if color else _("erreur")
        else:
            warnings += 1
            label = click.style(_("avertissement"), fg="yellow", bold=True) if color else _("avertissement")
        field = f" {found.pointer[1:]}" if found.pointer else ""
        lines.append(f"{_location(found)}: {label} [{found.code}]{field} — {found.message}")
    lines.append(summary_line(checked, errors, warnings))
    return "\n".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(problems: Iterable[Problem], checked: int) -> str:
    """Workflow commands: each problem becomes an annotation on its file and line."""
    lines = []
    errors = warnings = 0
    for found in problems:
        command = "error" if found.is_error else "warning"
        errors += found.is_error
        warnings += not found.is_error
        properties = []
        if found.file:
            properties.append(f"file={_escape_property(found.file)}")
        if found.line:
            properties.append(f"line={found.line}")
        if found.column:
            properties.append(f"col={found.column}")
        title = found.code + (f" {found.pointer[1:]}" if found.pointer else "")
        properties.append(f"title={_escape_property(title)}")
        lines.append(f"::{command} {','.join(properties)}::{_escape_data(found.message)}")
    lines.append(summary_line(checked, errors, warnings))
    return "\n".join(lines)


def format_json(problems: Iterable[Problem], checked: int) -> str:
    items = list(problems)
    document = {
        "checked": checked,
        "errors": [p.as_dict() for p in items if p.is_error],
        "warnings": [p.as_dict() for p in items if not p.is_error],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)
