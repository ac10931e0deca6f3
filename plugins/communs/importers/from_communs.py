"""``communs``: the records of another communs directory, from its JSON exports
(``/donnees/acteurs.json`` and ``/donnees/evenements.json``), without loss.

Give either file: the other one, when it lies beside it under its usual name, is read too
(actors first, so that events keep their organisers and venues). Each record keeps its id and
every field of our schema as it was published (the export's added fields — ``url``,
``commune_name``, ``date_maj``, ``position_precision`` — are left out, and so is a picture, whose
file the export does not hold: noted for each record that had one); only its ``source``
changes: it names the directory it comes from (``dataset``: the source's name; ``id``: the
record's id; ``url``: its page there when the export gives the site's address), under that
directory's licence, crediting it and, when the record itself came from elsewhere, that first
source too (« communs — La Réunion, d'après Ministère de la Culture »).

No cleaning is applied (the other directory validated its records with the same schemas); the
engine still checks each record and the whole directory after writing, so a record that this
directory refuses (another territory's commune, an id already taken) is reported, not written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from communs.i18n import _
from communs.importers.build import Context, Dataset
from communs.importers.jsonfile import load_items
from communs.importers.mapping import Mapping
from communs.importers.model import ImportUsageError, Item, Note, Reason, Skip
from communs.records.content import ACTOR, EVENT, RECORD_ID
from communs.records.text import slugify
from communs.records.values import URL_PATTERN, one_line

FILES = {ACTOR: "acteurs.json", EVENT: "evenements.json"}
NAME_FIELD = {ACTOR: "name", EVENT: "title"}


def schema_fields(kind: str) -> tuple[str, ...]:
    """The fields a record of this kind may hold, from its JSON Schema (``id`` excepted)."""
    from communs.records.schemas import default_schemas

    return tuple(name for name in default_schemas().roots[kind]["properties"] if name != "id")


class CommunsReader:
    format_name = "communs"

    def __init__(self, path: Path, mapping: Mapping) -> None:
        self.path = path
        self.mapping = mapping
        if path.name in FILES.values():
            # The usual names: the other export, beside it, comes along (actors first).
            siblings = [(kind, path.with_name(name)) for kind, name in FILES.items()]
            self.files = [(kind, file) for kind, file in siblings if file == path or file.is_file()]
        else:
            # Another name: the kind is told by the records themselves (a name or a title).
            self.files = [("", path)]
        self.documents: list[tuple[str, Path, Any, list[tuple[int, Any]]]] = []
        for kind, file in self.files:
            document, items = load_items(file, ("data",), _("fiches communs"))
            if not isinstance(document, dict) or not isinstance(document.get("source"), str):
                raise ImportUsageError(_("{path} n'est pas un export JSON d'un annuaire communs (champs « source » et « data » attendus).").format(path=file))
            self.documents.append((kind, file, document, items))

    def dataset(self) -> Dataset:
        document = self.documents[0][2]
        origin = _text(document.get("source"))
        url = origin if URL_PATTERN.match(origin) else None
        name = _text(document.get("name")) or ("" if url else origin)
        return Dataset(name=slugify(name or self.path.stem, max_length=40) or "communs", url=url, licence=_text(document.get("licence")) or None, credit=name or None)

    def items(self, ctx: Context) -> Iterator[Item | Skip]:
        fields = {kind: schema_fields(kind) for kind in (ACTOR, EVENT)}
        for kind, file, document, items in self.documents:
            site = ctx.dataset.url or ""
            for line, record in items:
                if not isinstance(record, dict):
                    yield Skip(line, Reason("not-a-record", _("ce n'est pas une fiche (un objet JSON).")))
                    continue
                record_kind = kind or (EVENT if "title" in record and "name" not in record else ACTOR)
                record_id = one_line(record.get("id"))
                name = one_line(record.get(NAME_FIELD[record_kind]))
                if not RECORD_ID.match(record_id):
                    yield Skip(line, Reason("no-id", _("identifiant absent ou invalide « {id} ».").format(id=record_id[:80])), name=name)
                    continue
                if not isinstance(record.get("commune"), str):
                    yield Skip(line, Reason("no-commune", _("commune absente.")), name=name)
                    continue
                data = {key: record[key] for key in fields[record_kind] if key in record and key not in ("source", "image")}
                data["source"] = self._source(ctx, record, record_id, site)
                notes = []
                if isinstance(record.get("image"), dict):
                    # The picture is a file of the other directory: the export names it, it does not hold it.
                    notes.append(Note("value-dropped", _("image de l'autre annuaire non reprise (le fichier n'est pas dans l'export) : ajoutez-la avec sa licence si vous la voulez.")))
                yield Item(line=line, kind=record_kind, data=data, source_id=record_id, notes=notes, id_hint=record_id)

    @staticmethod
    def _source(ctx: Context, record: dict[str, Any], record_id: str, site: str) -> dict[str, Any]:
        dataset = ctx.dataset
        source: dict[str, Any] = {"dataset": dataset.name, "id": record_id}
        page = record.get("url")
        if isinstance(page, str) and page.startswith("/") and site:
            page = urljoin(site, page)
        if isinstance(page, str) and URL_PATTERN.match(page):
            source["url"] = page
        elif dataset.url:
            source["url"] = dataset.url
        if dataset.licence:
            source["licence"] = dataset.licence[:200]
        credit = dataset.credit or ""
        first = record.get("source") if isinstance(record.get("source"), dict) else {}
        earlier = _text(first.get("credit"))
        if earlier and earlier != credit:
            credit = _("{directory}, d'après {source}").format(directory=credit, source=earlier) if credit else earlier
        if credit:
            source["credit"] = credit[:300]
        return source


def _text(value: Any) -> str:
    return one_line(value) if isinstance(value, str) else ""
