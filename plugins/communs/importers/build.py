"""From the raw values of one item (whatever the format) to record data, cleaned and mapped.

Format readers extract a ``Raw`` dict per item (strings as found, lists, numbers) and call
``build_actor`` or ``build_event``, which resolve the commune, map values onto the closed
vocabularies, clean links and numbers, compose a summary when there is none, and return an
``Item`` (with notes saying what was changed or guessed) or a ``Skip`` (with the reason).

Policies shared by every format:

* an address is written only with a street or a complement (a postal code alone only helps to
  find the commune), and its postal code only when it belongs to the commune;
* coordinates outside the commune's département box, or too far from its centre for the
  validator, are dropped: the record then sits at its commune's centre, as the site places a
  record without ``geo`` (flagged ``geo-fallback``);
* a required value that cannot be mapped has a default from the mapping's ``[values]``; an
  actor's kind falls back to ``autre`` (flagged); without any theme the row is skipped;
* values outside a closed vocabulary are dropped (flagged); free labels become tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from communs.i18n import _
from communs.importers.cleaning import (
    first_sentence,
    iter_unique,
    markdown_text,
    parse_number,
    parse_point,
    plausible_point,
    shorten,
    split_list,
)
from communs.importers.mapping import Mapping, Vocabulary
from communs.importers.model import Item, Note, Reason, Skip
from communs.importers.places import Places
from communs.records.communes import Commune, Communes
from communs.records.text import fold
from communs.records.values import (
    clean_email,
    clean_phone,
    clean_url,
    normalise_postal_code,
    one_line,
    tag_slug,
)

Raw = dict[str, Any]
MAX_TAGS = 20
MAX_DISCIPLINES = 8
MAX_THEMES = 6
_SIRET = re.compile(r"^[0-9]{14}$")
_RNA = re.compile(r"^W[0-9][0-9A-Z][0-9]{7}$")
_WIKIDATA = re.compile(r"^Q[1-9][0-9]*$")
_OSM = re.compile(r"^(?:node|way|relation)/[1-9][0-9]*$")
CULTURE = "culture"
SOCIAL = ("mastodon", "peertube", "bluesky", "facebook", "instagram", "linkedin", "youtube")


@dataclass
class Dataset:
    """What every record of one import carries in its ``source`` block."""

    name: str
    url: str | None = None
    licence: str | None = None
    credit: str | None = None


@dataclass
class Context:
    """Everything the builders need, loaded once per import."""

    communes: Communes
    places: Places
    mapping: Mapping
    dataset: Dataset
    vocabularies: dict[str, Vocabulary] = field(default_factory=dict)

    def vocabulary(self, name: str) -> Vocabulary:
        if name not in self.vocabularies:
            self.vocabularies[name] = self.mapping.vocabulary(name)
        return self.vocabularies[name]

    def label(self, name: str, value: str) -> str:
        return self.vocabulary(name).labels.get(value, value)


def _source(ctx: Context, raw: Raw) -> dict[str, Any]:
    source: dict[str, Any] = {"dataset": ctx.dataset.name, "id": one_line(raw["source_id"])[:200]}
    url = clean_url(raw.get("source_url")) or ctx.dataset.url
    if url:
        source["url"] = url
    if ctx.dataset.licence:
        source["licence"] = ctx.dataset.licence[:200]
    if ctx.dataset.credit:
        source["credit"] = ctx.dataset.credit[:300]
    return source


def _map_list(ctx: Context, vocabulary: str, values: list[str], notes: list[Note], *, leftovers: list[str] | None = None) -> list[str]:
    """Our values for a list of the file's values; unknown ones are noted (or kept as tags)."""
    found: list[str] = []
    for value in values:
        mapped = ctx.vocabulary(vocabulary).resolve(value)
        if mapped is None:
            if leftovers is not None:
                leftovers.append(value)
            else:
                notes.append(Note("unknown-value", _("{field} : « {value} » n'est pas dans la liste fermée, ignoré.").format(field=vocabulary, value=value)))
            continue
        found.extend(mapped)
    return list(iter_unique(found))


def _place(ctx: Context, raw: Raw, notes: list[Note], line: int, name: str) -> tuple[Commune, tuple[float, float] | None] | Skip:
    """The commune of an item and the point to write (None: the commune's centre)."""
    point = None
    lat, lon = parse_number(raw.get("lat")), parse_number(raw.get("lon"))
    if plausible_point(lat, lon):
        point = (lat, lon)
    elif raw.get("latlon") not in (None, ""):
        parsed = parse_point(raw.get("latlon"))
        if parsed is not None and plausible_point(*parsed):
            point = parsed
    had_point = point is not None or any(raw.get(key) not in (None, "") for key in ("lat", "lon", "latlon"))
    values = ctx.mapping.values
    resolution = ctx.places.resolve(
        insee=raw.get("insee"),
        city=raw.get("city"),
        postal_code=raw.get("postal_code"),
        departement=raw.get("departement") or values.get("departement"),
        region=raw.get("region"),
        lat=point[0] if point else None,
        lon=point[1] if point else None,
    )
    if resolution.problem is not None and resolution.problem.code == "no-commune" and any(values.get(key) for key in ("insee", "city", "postal_code")):
        # The row says nothing of its place: the mapping's default commune applies.
        resolution = ctx.places.resolve(insee=values.get("insee"), city=values.get("city"), postal_code=values.get("postal_code"), departement=values.get("departement"))
    if resolution.problem is not None:
        return Skip(line, resolution.problem, resolution.departement_hint, name)
    commune = resolution.commune
    assert commune is not None
    notes.extend(resolution.notes)
    if point is None:
        if had_point or raw.get("expect_point"):
            notes.append(Note("geo-fallback", _("coordonnées absentes ou illisibles : fiche placée au centre de {name}.").format(name=commune.name)))
        return commune, None
    if raw.get("centre_means_none") and ctx.places.is_centre(commune, *point):
        return commune, None
    checked, note = ctx.places.check_point(commune, *point)
    if note is not None:
        notes.append(note)
    return commune, checked


def _address(raw: Raw, commune: Commune, notes: list[Note], *, prefix: str = "") -> dict[str, str] | None:
    street = one_line(raw.get(prefix + "street"))[:200]
    complement = one_line(raw.get(prefix + "complement"))[:200]
    if complement and (complement == street or fold(complement) == fold(commune.name)):
        complement = ""
    if not street and not complement:
        return None
    address: dict[str, str] = {}
    if street:
        address["street"] = street
    if complement:
        address["complement"] = complement
    postal = normalise_postal_code(raw.get(prefix + "postal_code"))
    if postal:
        if postal in commune.postal_codes:
            address["postal_code"] = postal
        else:
            notes.append(Note("postal-code-dropped", _("code postal {postal} qui n'est pas celui de {name} ({expected}), écarté.").format(
                postal=postal, name=commune.name, expected=", ".join(commune.postal_codes) or "?")))
    return address


def _series_exceptions(found: list[dict[str, Any]], raw: Raw, commune: Commune) -> list[dict[str, Any]]:
    """A source's exceptions of a series, placed in the record's time zone, one per day."""
    localise = raw.get("localise") or (lambda moment, _commune: moment)
    written: dict[str, dict[str, Any]] = {}
    for item in found:
        day = localise(item["day"], commune)
        key = (day.date() if isinstance(day, datetime) else day).isoformat()
        entry: dict[str, Any] = {"date": key}
        if item.get("status"):
            entry["status"] = item["status"]
        if item.get("status") == "moved":
            entry["start"] = _moment_text(localise(item["start"], commune))
            if item.get("end") is not None:
                entry["end"] = _moment_text(localise(item["end"], commune))
        written[key] = entry if key not in written or entry.get("status") else written[key]
    return [written[key] for key in sorted(written)]


def _contact(raw: Raw, commune: Commune, notes: list[Note]) -> dict[str, str]:
    contact: dict[str, str] = {}
    for key, cleaner, label in (
        ("website", clean_url, _("site web")),
        ("email", clean_email, _("courriel")),
        ("phone", lambda value: clean_phone(value, commune.code), _("téléphone")),
    ):
        value = raw.get(key)
        if not one_line(value):
            continue
        cleaned = cleaner(value)
        if cleaned:
            contact[key] = cleaned
        else:
            notes.append(Note("value-dropped", _("{label} inutilisable « {value} », écarté.").format(label=label, value=shorten(one_line(value), 80))))
    return contact


def in_commune(name: str) -> str:
    """"à Saint-Paul", "au Port", "aux Avirons": French contracts "à le" and "à les"."""
    if name.startswith("Le "):
        return "au " + name[3:]
    if name.startswith("Les "):
        return "aux " + name[4:]
    return "à " + name


def _tags(values: list[str]) -> list[str]:
    tags = [tag for tag in (tag_slug(value) for value in values) if tag]
    return list(iter_unique(tags))[:MAX_TAGS]


def build_actor(ctx: Context, raw: Raw, line: int) -> Item | Skip:
    """An actor from raw values (keys: see ``mapping.COLUMN_FIELDS``, plus ``source_id``)."""
    notes: list[Note] = []
    name = shorten(one_line(raw.get("name")), 150)
    if len(name) < 2:
        return Skip(line, Reason("no-name", _("nom absent.")), name=name)
    placed = _place(ctx, raw, notes, line, name)
    if isinstance(placed, Skip):
        return placed
    commune, point = placed
    values = ctx.mapping.values

    kind = None
    raw_kind = one_line(raw.get("kind"))
    if raw_kind:
        mapped = ctx.vocabulary("kind").resolve(raw_kind)
        kind = mapped[0] if mapped else None
    if kind is None:
        kind = values.get("kind")
        if kind is not None and raw_kind:
            notes.append(Note("unknown-value", _("type d'acteur « {value} » inconnu : « {kind} » (valeur par défaut).").format(value=raw_kind, kind=kind)))
        if kind is None:
            kind = "autre"
            notes.append(Note("kind-default", _("type d'acteur « {value} » inconnu : « autre » retenu.").format(value=raw_kind) if raw_kind else _("type d'acteur absent : « autre » retenu.")))

    leftover: list[str] = []
    themes = _map_list(ctx, "themes", split_list(raw.get("themes")), notes)
    if not themes:
        themes = list(values.get("themes", []))
    if not themes:
        return Skip(line, Reason("no-theme", _("aucune thématique reconnue : indiquez-la dans le fichier de correspondance ([columns] themes, [maps.themes] ou [values] themes).")), (commune.departement,), name)
    disciplines = _map_list(ctx, "disciplines", split_list(raw.get("disciplines")), notes, leftovers=leftover)
    disciplines = list(iter_unique(disciplines + list(values.get("disciplines", []))))[:MAX_DISCIPLINES]
    tags = _tags(split_list(raw.get("tags")) + leftover + list(values.get("tags", [])))

    description = markdown_text(raw.get("description"))
    summary = shorten(one_line(raw.get("summary")), 250)
    if len(summary) < 10:
        summary = first_sentence(description) if description else ""
        if len(summary) < 10:
            label = ctx.label("kind", kind) if kind != "autre" else _("Acteur local")
            summary = _("{kind} {where}.").format(kind=label, where=in_commune(commune.name))
        notes.append(Note("summary-built", _("résumé composé : « {summary} ».").format(summary=summary)))

    data: dict[str, Any] = {"name": name, "kind": kind, "summary": summary}
    if description and description != summary:
        data["description"] = description
    data["themes"] = themes[:MAX_THEMES]
    if disciplines:
        data["disciplines"] = disciplines
    if tags:
        data["tags"] = tags
    data["commune"] = commune.code
    address = _address(raw, commune, notes)
    if address:
        data["address"] = address
    if point is not None:
        data["geo"] = {"lat": round(point[0], 6), "lon": round(point[1], 6)}
    contact = _contact(raw, commune, notes)
    if contact:
        data["contact"] = contact
    social = {}
    for network in SOCIAL:
        if one_line(raw.get(network)):
            url = clean_url(raw.get(network))
            if url:
                social[network] = url
            else:
                notes.append(Note("value-dropped", _("{network} inutilisable « {value} », écarté.").format(network=network, value=shorten(one_line(raw.get(network)), 80))))
    if social:
        data["social"] = social
    identifiers = {}
    for key, pattern, clean in (
        ("siret", _SIRET, lambda v: re.sub(r"[\s.]", "", v)),
        ("rna", _RNA, lambda v: v.replace(" ", "").upper()),
        ("wikidata", _WIKIDATA, lambda v: v.strip()),
        ("osm", _OSM, lambda v: v.strip()),
    ):
        value = one_line(raw.get(key))
        if value:
            cleaned = clean(value)
            if pattern.match(cleaned):
                identifiers[key] = cleaned
            else:
                notes.append(Note("value-dropped", _("{key} « {value} » mal formé, écarté.").format(key=key.upper() if key != "wikidata" else "Wikidata", value=value)))
    if identifiers:
        data["identifiers"] = identifiers
    hours = one_line(raw.get("opening_hours"))
    if hours:
        data["opening_hours"] = hours[:255]
    raw_status = one_line(raw.get("status")) or values.get("status")
    if raw_status:
        mapped = ctx.vocabulary("status").resolve(raw_status)
        if mapped:
            data["status"] = mapped[0]
    data["source"] = _source(ctx, raw)
    return Item(line=line, kind="actor", data=data, source_id=data["source"]["id"], notes=notes, id_hint=raw.get("id_hint"))


def with_source(built: Item | Skip, source_id: str) -> Item | Skip:
    """A row skipped this time still names its source id: its record is not gone from the source."""
    if isinstance(built, Skip):
        built.source_id = source_id
    return built


def _moment_text(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


def _event_details(raw: Raw, data: dict[str, Any], notes: list[Note]) -> None:
    """What richer formats (OpenAgenda) say of an event: attendance, online address, price,
    registration, accessibility and age, already in our shapes; links cleaned, empty parts left out."""
    attendance = raw.get("attendance")
    if attendance in ("online", "mixed"):
        data["attendance"] = attendance
    for key, label in (("online_url", _("adresse en ligne")), ("registration", _("inscription"))):
        value = one_line(raw.get(key))
        if not value:
            continue
        url = clean_url(value)
        if url:
            data[key] = url
        else:
            notes.append(Note("value-dropped", _("{label} inutilisable « {value} », écarté.").format(label=label, value=shorten(value, 80))))
    for key in ("price", "accessibility", "age"):
        value = raw.get(key)
        if isinstance(value, dict) and value:
            data[key] = value


def build_event(ctx: Context, raw: Raw, line: int) -> Item | Skip:
    """An event from raw values: title, start and end (date or aware datetime), type, themes,
    venue_name, venue street/postal_code, lat/lon, city/insee/postal_code, website, recurrence."""
    from communs.records.dates import format_day

    notes: list[Note] = list(raw.get("notes", []))
    title = shorten(one_line(raw.get("title")), 150)
    if len(title) < 3:
        return Skip(line, Reason("no-name", _("titre absent.")), name=title)
    start = raw.get("start")
    if not isinstance(start, (date, datetime)):
        return Skip(line, Reason("no-date", _("date de début absente ou illisible.")), name=title)
    placed = _place(ctx, raw, notes, line, title)
    if isinstance(placed, Skip):
        return placed
    commune, point = placed
    end = raw.get("end")
    localise = raw.get("localise")
    if localise is not None:
        start = localise(start, commune)
        end = localise(end, commune) if end is not None else None
    values = ctx.mapping.values

    categories = split_list(raw.get("categories"))
    leftover: list[str] = []
    event_type = None
    for category in categories:
        mapped = ctx.vocabulary("type").resolve(category)
        if mapped:
            event_type = mapped[0]
            break
    event_type = event_type or values.get("type") or "autre"
    themes = _map_list(ctx, "themes", categories + split_list(raw.get("themes")), notes, leftovers=leftover)
    disciplines = _map_list(ctx, "disciplines", categories, notes, leftovers=[])
    if not themes:
        themes = list(values.get("themes", []))
    if not themes and disciplines:
        themes = [CULTURE]  # disciplines are culture's
    if not themes:
        return Skip(line, Reason("no-theme", _("aucune thématique reconnue : indiquez-la dans le fichier de correspondance ([values] themes ou [maps.themes]).")), (commune.departement,), title)
    type_words = {category for category in categories if ctx.vocabulary("type").resolve(category)}
    tags = _tags([value for value in leftover if value not in type_words] + list(values.get("tags", [])))

    description = markdown_text(raw.get("description"))
    summary = shorten(one_line(raw.get("summary")), 250) or (first_sentence(description) if description else "")
    if len(summary) < 10:
        day = start.date() if isinstance(start, datetime) else start
        label = ctx.label("type", event_type) if event_type != "autre" else _("Événement")
        summary = _("{type} le {day} {where}.").format(type=label, day=format_day(day, weekday=True), where=in_commune(commune.name))
        notes.append(Note("summary-built", _("résumé composé : « {summary} ».").format(summary=summary)))

    data: dict[str, Any] = {"title": title, "type": event_type, "summary": summary}
    if description and description != summary:
        data["description"] = description
    data["themes"] = themes[:MAX_THEMES]
    if disciplines:
        data["disciplines"] = disciplines[:MAX_DISCIPLINES]
    if tags:
        data["tags"] = tags
    data["commune"] = commune.code
    venue_name = shorten(one_line(raw.get("venue_name")), 150)
    if len(venue_name) >= 2:
        venue: dict[str, Any] = {"name": venue_name}
        address = _address(raw, commune, notes)
        if address:
            venue["address"] = address
        if point is not None:
            venue["geo"] = {"lat": round(point[0], 6), "lon": round(point[1], 6)}
        data["venue"] = venue
    data["start"] = _moment_text(start)
    if end is not None and end != start:
        data["end"] = _moment_text(end)
    if raw.get("recurrence"):
        data["recurrence"] = raw["recurrence"]
        exceptions = _series_exceptions(raw.get("exceptions") or [], raw, commune)
        if exceptions:
            data["exceptions"] = exceptions
    status = raw.get("status")
    if status:
        data["status"] = status
    _event_details(raw, data, notes)
    contact = _contact(raw, commune, notes)
    if contact:
        data["contact"] = contact
    data["source"] = _source(ctx, raw)
    return Item(line=line, kind="event", data=data, source_id=data["source"]["id"], notes=notes, id_hint=raw.get("id_hint"))
