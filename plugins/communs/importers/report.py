"""The import's report: French text for people, JSON for scripts."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict
from typing import Any

from communs.i18n import _, ngettext
from communs.importers.engine import ImportResult
from communs.importers.model import note_label

MAX_LISTED = 30  # lines per section of the text report; the JSON report lists everything
MAX_NOTE_LINES = 8


def _number(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:MAX_NOTE_LINES])
    if len(numbers) > MAX_NOTE_LINES:
        shown += ", …"
    return shown


def _more(total: int) -> str:
    if total <= MAX_LISTED:
        return ""
    return "  " + _("… et {n} autres (--format json pour la liste complète).").format(n=_number(total - MAX_LISTED))


def format_text(result: ImportResult) -> str:
    lines: list[str] = []
    head = _("Import {format} de {file} dans {content} (jeu de données « {dataset} »)").format(
        format=result.format, file=result.file, content=result.content, dataset=result.dataset)
    if result.dry_run:
        head += " — " + _("simulation : rien n'a été écrit")
    lines.append(head)
    lines.append(ngettext("{n} ligne lue en {seconds:.1f} s.", "{n} lignes lues en {seconds:.1f} s.", result.rows).format(n=_number(result.rows), seconds=result.seconds))
    created, updated, unchanged, duplicates = (result.of(status) for status in ("created", "updated", "unchanged", "duplicate"))
    would = result.dry_run
    counts = [
        (_("à créer") if would else _("créées"), len(created)),
        (_("à mettre à jour") if would else _("mises à jour"), len(updated)),
        (_("inchangées"), len(unchanged)),
        (_("ignorées"), len(result.skipped)),
        (_("doublons probables (non créés)"), len(duplicates)),
        (_("conflits (champs modifiés à la main, non écrasés)"), len(result.conflicts)),
    ]
    if result.filtered:
        counts.append((_("hors des communes ou départements demandés"), result.filtered))
    if result.absent:
        counts.append((_("fiches des imports précédents absentes du fichier (gardées)"), len(result.absent)))
    width = max(len(label) for label, _count in counts)
    lines.extend(f"  {label.ljust(width)} : {_number(count)}" for label, count in counts)

    notes: dict[str, list[int]] = defaultdict(list)
    examples: dict[str, str] = {}
    for outcome in created + updated:
        for note in outcome.notes:
            if outcome.line not in notes[note.code]:
                notes[note.code].append(outcome.line)
            examples.setdefault(note.code, f"{_('ligne')} {outcome.line} : {note.message}")
    if notes:
        lines += ["", _("Corrections et signalements dans les fiches écrites :")]
        for code, numbers in sorted(notes.items(), key=lambda item: -len(item[1])):
            lines.append(f"  {note_label(code)} : {_number(len(numbers))} ({_('lignes')} {_lines(numbers)})")
            lines.append(f"    {_('par exemple')} {examples[code]}")

    if result.skipped:
        reasons = Counter(skipped.code for skipped in result.skipped)
        lines += ["", _("Lignes ignorées ({n}) :").format(n=_number(len(result.skipped))) + " " + ", ".join(f"{code} {_number(n)}" for code, n in reasons.most_common())]
        for skipped in result.skipped[:MAX_LISTED]:
            name = f" « {skipped.name} »" if skipped.name else ""
            lines.append(f"  {_('ligne')} {skipped.line}{name} : {skipped.reason}")
        more = _more(len(result.skipped))
        if more:
            lines.append(more)

    if duplicates:
        lines += ["", _("Doublons probables, non créés ({n}) :").format(n=_number(len(duplicates)))]
        for outcome in duplicates[:MAX_LISTED]:
            match = outcome.matches[0]
            other = match.get("id") or ""
            lines.append(f"  {_('ligne')} {outcome.line} « {outcome.name} » ({outcome.commune}) : {_('ressemble à')} « {match['name']} » ({other}) — {match['reason']}")
        more = _more(len(duplicates))
        if more:
            lines.append(more)

    if result.conflicts:
        lines += ["", _("Conflits ({n}) : champs modifiés à la main depuis le dernier import et changés dans la source, non écrasés :").format(n=_number(len(result.conflicts)))]
        for outcome in result.conflicts[:MAX_LISTED]:
            lines.append(f"  {_('ligne')} {outcome.line} {outcome.path} : {', '.join(outcome.conflicts)}")
        more = _more(len(result.conflicts))
        if more:
            lines.append(more)

    if updated:
        lines += ["", (_("À mettre à jour ({n}) :") if would else _("Mises à jour ({n}) :")).format(n=_number(len(updated)))]
        for outcome in updated[:MAX_LISTED]:
            lines.append(f"  {_('ligne')} {outcome.line} {outcome.path} : {', '.join(outcome.fields)}")
        more = _more(len(updated))
        if more:
            lines.append(more)

    if result.absent:
        lines += ["", _("Fiches d'imports précédents absentes du fichier (à vérifier, rien n'est supprimé) :")]
        lines += [f"  {path}" for path in result.absent[:MAX_LISTED]]
        more = _more(len(result.absent))
        if more:
            lines.append(more)

    lines.append("")
    if result.dry_run:
        lines.append(_("Simulation : les fiches ont été vérifiées une à une, rien n'a été écrit."))
    elif result.validation is None:
        lines.append(_("Aucune fiche écrite."))
    else:
        from communs.records.reporting import format_text as problems_text

        report = result.validation
        lines.append(_("Vérification des fiches écrites (communs validate) :"))
        # Errors are listed; warnings only when few (otherwise counted by code below).
        shown = [problem for problem in report.problems if problem.is_error][:MAX_LISTED]
        if not shown and len(report.problems) <= 5:
            shown = list(report.problems)
        if shown:
            body = problems_text(shown, report.checked).split("\n")
            lines += [f"  {line}" for line in body[:-1]]
        if len(report.errors) > MAX_LISTED:
            lines.append(_more(len(report.errors)))
        errors, warnings = len(report.errors), len(report.warnings)
        from communs.records.reporting import summary_line

        lines.append("  " + summary_line(report.checked, errors, warnings))
        if warnings:
            codes = Counter(problem.code for problem in report.warnings)
            lines.append("  " + _("avertissements : {codes}").format(codes=", ".join(f"{code} {_number(n)}" for code, n in codes.most_common())))
    if result.rolled_back:
        lines.append(_("Import annulé : des fiches écrites ne sont pas valides ; tout a été remis en l'état, rien n'a été écrit."))
    if result.state_file:
        lines.append(_("État de l'import enregistré dans {path} (à committer avec les fiches).").format(path=result.state_file))
    if not result.imported:
        lines.append(_("Rien n'a pu être importé."))
    return "\n".join(lines)


def as_dict(result: ImportResult) -> dict[str, Any]:
    def outcome(item) -> dict[str, Any]:
        data = asdict(item)
        data["notes"] = [{"code": note.code, "message": note.message} for note in item.notes]
        return data

    validation = None
    if result.validation is not None:
        validation = {
            "ok": result.validation.ok,
            "checked": result.validation.checked,
            "errors": len(result.validation.errors),
            "warnings": len(result.validation.warnings),
            "problems": [problem.as_dict() for problem in result.validation.problems],
        }
    return {
        "format": result.format,
        "file": result.file,
        "content": result.content,
        "dataset": result.dataset,
        "dry_run": result.dry_run,
        "rows": result.rows,
        "seconds": round(result.seconds, 3),
        "counts": {
            "created": len(result.of("created")),
            "updated": len(result.of("updated")),
            "unchanged": len(result.of("unchanged")),
            "skipped": len(result.skipped),
            "duplicates": len(result.of("duplicate")),
            "conflicts": len(result.conflicts),
            "filtered": result.filtered,
            "absent": len(result.absent),
        },
        "records": [outcome(item) for item in result.outcomes],
        "skipped": [asdict(item) for item in result.skipped],
        "absent": list(result.absent),
        "state_file": result.state_file,
        "rolled_back": result.rolled_back,
        "validation": validation,
        "exit_status": result.exit_status,
    }


def format_json(result: ImportResult) -> str:
    return json.dumps(as_dict(result), ensure_ascii=False, indent=2)
