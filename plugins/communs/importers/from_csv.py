"""``csv``: any table of actors, read through a mapping file (``--mapping``, TOML).

The file is read row by row (its size does not matter). It may be UTF-8 with or without BOM,
UTF-16 with BOM or Windows-1252 (a UTF-8 file's rows holding invalid bytes are reported and
skipped), separated by ``;``, ``,``, tabs or
``|``, with CRLF or LF line ends (all guessed, or set in ``[file]``). The mapping names the
columns (``[columns]``), constants (``[values]``) and value maps (``[maps.*]``): see
``communs.importers.mapping``. Column names are matched exactly, else ignoring case, accents and
punctuation; a column the mapping names but the file lacks is a usage error (exit status 2).

The source id of a row is its ``id`` column; without one, the row's name and commune (as
written in the file), so that re-importing the same file finds the same records.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from communs.i18n import _
from communs.importers.build import Context, Dataset, build_actor
from communs.importers.cleaning import BadRow, bad_row_skip, open_table
from communs.importers.mapping import Mapping
from communs.importers.model import ImportUsageError, Item, Reason, Skip
from communs.records.text import fold, slugify
from communs.records.values import one_line

MULTILINE = ("description",)


def resolve_columns(columns: list[str], wanted: dict[str, list[str]], path: Path, what: str = "colonne") -> dict[str, list[str]]:
    """The file's own column names for the mapping's (exact, else folded), or a usage error."""
    exact = set(columns)
    by_fold = {fold(column): column for column in columns}
    resolved: dict[str, list[str]] = {}
    for field_name, names in wanted.items():
        found = []
        for name in names:
            if name in exact:
                found.append(name)
            elif fold(name) in by_fold:
                found.append(by_fold[fold(name)])
            else:
                import difflib

                close = difflib.get_close_matches(name, columns, n=1)
                hint = " " + _("Vouliez-vous écrire « {name} » ?").format(name=close[0]) if close else ""
                raise ImportUsageError(
                    _("La {what} « {name} » ([columns] {field}) n'existe pas dans {path}.").format(what=what, name=name, field=field_name, path=path.name)
                    + hint + " " + _("Colonnes du fichier : {columns}.").format(columns=", ".join(columns[:40]))
                )
        resolved[field_name] = found
    return resolved


def row_values(row: dict[str, Any], columns: dict[str, list[str]]) -> dict[str, Any]:
    """The raw values of one row: several columns for one field are joined."""
    values: dict[str, Any] = {}
    for field_name, names in columns.items():
        parts = [row.get(name) for name in names]
        if len(parts) == 1:
            values[field_name] = parts[0]
            continue
        texts = [str(part).strip() for part in parts if part not in (None, "") and str(part).strip()]
        values[field_name] = ("\n\n" if field_name in MULTILINE else " ").join(texts)
    return values


class CsvReader:
    format_name = "csv"

    def __init__(self, path: Path, mapping: Mapping) -> None:
        if mapping.path is None:
            raise ImportUsageError(_("Le format csv a besoin d'un fichier de correspondance (--mapping) qui nomme les colonnes ; voir « communs import --help »."))
        if mapping.record != "actor":
            raise ImportUsageError(_("Le format csv n'importe que des acteurs (record = \"actor\") ; les événements viennent d'un flux iCalendar (format ical)."))
        if "name" not in mapping.columns:
            raise ImportUsageError(_("Fichier de correspondance {path} : [columns] name est obligatoire.").format(path=mapping.path))
        self.path = path
        self.mapping = mapping
        self.table = open_table(path, encoding=mapping.file.get("encoding"), delimiter=mapping.file.get("delimiter"))
        self.columns = resolve_columns(self.table.columns, mapping.columns, path)

    def dataset(self) -> Dataset:
        return Dataset(name=slugify(self.path.stem, max_length=40))

    def items(self, ctx: Context) -> Iterator[Item | Skip]:
        for row in self.table.rows():
            if isinstance(row, BadRow):
                yield bad_row_skip(row, self.table)
                continue
            line, values = row
            raw = row_values(values, self.columns)
            identifier = one_line(raw.get("id"))
            if not identifier:
                if "id" in self.columns:
                    yield Skip(line, Reason("no-source-id", _("identifiant absent (colonne {column}).").format(column=", ".join(self.columns["id"]))), name=one_line(raw.get("name")))
                    continue
                identifier = " | ".join(one_line(raw.get(key)) for key in ("name", "insee", "city", "postal_code") if one_line(raw.get(key)))
            raw["source_id"] = identifier
            raw["source_url"] = raw.pop("url", None)
            raw.pop("id", None)
            yield build_actor(ctx, raw, line)
