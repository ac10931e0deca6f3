"""``/donnees/lieux-mediation-numerique.csv``: the directory's places of digital inclusion in the
national schema of *lieux de médiation numérique* (LaMednum ``standard-mediation-num`` 1.0.2, a
Table Schema published on schema.data.gouv.fr), so that the national map (ANCT) and any portal
that follows the schema can take them as they are.

Which actors
    Those whose themes include ``numerique`` (the vocabulary's *Numérique*), that are active
    (an inactive or defunct actor receives no one), and that receive the public somewhere: an
    address with a street, and a postal code (the record's, or its commune's when the commune has
    only one). An actor without a street has no place a person can go to; the schema requires
    ``adresse``. The file is published even when no actor qualifies (its header only), so that
    its address never disappears from a harvester's list.

Mapping (LaMednum field: from the record)
    ``id``: id. ``pivot``: identifiers.siret, else identifiers.rna, else ``00000000000000``
    (14 zeros, the value the national map's own tools write for a place without either; the
    schema requires the field and documents no value for the unknown). ``nom``: name.
    ``commune``: the commune's name (COG). ``code_postal``: address.postal_code (see above).
    ``code_insee``: the commune's INSEE code. ``adresse`` / ``complement_adresse``:
    address.street / address.complement. ``latitude`` / ``longitude``: geo, empty when the record
    has none (never the commune's centre). ``typologie``: ``ASSO`` for an association,
    ``TIERS_LIEUX`` for a tiers-lieu (data.inclusion's vocabulary), empty for other kinds, which
    the vocabulary does not map one to one. ``telephone``: contact.phone in E.164, without spaces,
    as the schema's pattern demands (empty for a country code the schema does not list).
    ``courriels``: contact.email. ``site_web``: contact.website and the social network pages,
    ``|``-separated. ``horaires``: opening_hours (both are OpenStreetMap's syntax).
    ``presentation_resume`` / ``presentation_detail``: summary / description (Markdown).
    ``source``: the site's name (who collected the data). ``date_maj``: the day of the record's
    last change in Git (``exports`` computes it for every export), the build day outside Git.
    The other fields (services, publics, labels, access...) have no counterpart in our records and
    stay empty; none of them is required.

Format
    As the schema's README asks: UTF-8 (no BOM), comma-separated, ``"`` quotes where needed, ``.``
    decimals, ``|`` between the values of one field; every column of the schema, in its order.
    Free text goes through the same guard against spreadsheet formulas as our own CSV files.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from functools import partial
from typing import Any

from communs.records.directory import Directory
from communs.records.record import Record
from communs.settings import SiteSettings
from communs.site import exports
from communs.site.history import History
from communs.site.pieces import Pieced

FILE = exports.LAMEDNUM_CSV
RESOURCE = "lieux-mediation-numerique"
THEME = "numerique"
SCHEMA_VERSION = "1.0.2"
# The schema at the commit of its version 1.0.2 (its own "uri" names a tag that was never pushed).
SCHEMA_URL = "https://raw.githubusercontent.com/LaMednum/standard-mediation-num/13b05e2eba70227343ae5b176a155ac3878867e7/schema.json"
DELIMITER = ","
LIST_SEPARATOR = "|"
UNKNOWN_PIVOT = "00000000000000"
# The schema's fields, in its order (a file must have them all, in this order).
COLUMNS = (
    "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse",
    "latitude", "longitude", "typologie", "telephone", "courriels", "site_web", "horaires",
    "presentation_resume", "presentation_detail", "source", "itinerance", "structure_parente",
    "date_maj", "services", "publics_specifiquement_adresses", "prise_en_charge_specifique",
    "frais_a_charge", "dispositif_programmes_nationaux", "formations_labels",
    "autres_formations_labels", "modalites_acces", "modalites_accompagnement", "fiche_acces_libre",
    "prise_rdv",
)
# Free text, which a spreadsheet could take for a formula.
_TEXT = ("nom", "commune", "adresse", "complement_adresse", "presentation_resume", "presentation_detail", "source", "horaires")
# data.inclusion's typologies of structures, for the kinds that have exactly one.
TYPOLOGIES = {"association": "ASSO", "tiers-lieu": "TIERS_LIEUX"}
# The schema's telephone pattern: the country codes of France and its overseas territories.
PHONE = re.compile(r"\+(?:33|590|594|262|596|269|687|689|508|681)[0-9]{6,9}")


def postal_code(directory: Directory, record: Record) -> str | None:
    """The record's postal code, else its commune's when the commune has only one."""
    own = (record.data.get("address") or {}).get("postal_code")
    if own:
        return str(own)
    codes = directory.commune(record.folder).postal_codes
    return codes[0] if len(codes) == 1 else None


def places(directory: Directory) -> list[Record]:
    """The actors that are places of digital inclusion (see the module's docstring)."""
    return [
        record
        for record in directory.actors.values()
        if THEME in record.data.get("themes", [])
        and record.data.get("status", "active") == "active"
        and (record.data.get("address") or {}).get("street")
        and postal_code(directory, record) is not None
    ]


def _pivot(record: Record) -> str:
    identifiers = record.data.get("identifiers") or {}
    return str(identifiers.get("siret") or identifiers.get("rna") or UNKNOWN_PIVOT)


def _phone(record: Record) -> str:
    found = exports.e164((record.data.get("contact") or {}).get("phone", ""), record.folder)
    return found if found is not None and PHONE.fullmatch(found) else ""


def _websites(directory: Directory, record: Record) -> list[str]:
    pages = [(record.data.get("contact") or {}).get("website")]
    social = record.data.get("social") or {}
    pages += [social[name] for name in directory.schemas.properties(record.kind, ["social"]) if name in social]
    return [str(page) for page in pages if page]


def row(directory: Directory, site: SiteSettings, record: Record, history: History | None = None) -> dict[str, Any]:
    """One place as the schema's fields (empty strings for what the record does not say)."""
    data = record.data
    address = data.get("address") or {}
    contact = data.get("contact") or {}
    position = directory.own_position(record)
    found: dict[str, Any] = {
        "id": record.id,
        "pivot": _pivot(record),
        "nom": record.name,
        "commune": directory.commune(record.folder).name,
        "code_postal": postal_code(directory, record),
        "code_insee": record.folder,
        "adresse": address.get("street", ""),
        "complement_adresse": address.get("complement", ""),
        "latitude": round(position[0], exports.COORDINATE_DIGITS) if position else "",
        "longitude": round(position[1], exports.COORDINATE_DIGITS) if position else "",
        "typologie": TYPOLOGIES.get(data.get("kind", ""), ""),
        "telephone": _phone(record),
        "courriels": contact.get("email", ""),
        "site_web": LIST_SEPARATOR.join(_websites(directory, record)),
        "horaires": data.get("opening_hours", ""),
        "presentation_resume": data.get("summary", ""),
        "presentation_detail": data.get("description", ""),
        "source": site.site_name,
        "date_maj": exports.modified_day(site, history, record) or site.build_date.isoformat(),
    }
    for name in _TEXT:
        found[name] = exports.spreadsheet_text(found[name]) if found[name] else ""
    return {name: found.get(name, "") for name in COLUMNS}


def lieux_csv(directory: Directory, site: SiteSettings, history: History | None = None) -> bytes:
    """The directory's places of digital inclusion as a CSV file of the schema."""
    return lieux(directory, site, history).whole()


def lieux(directory: Directory, site: SiteSettings, history: History | None = None, keys: Mapping[str, str] | None = None) -> Pieced:
    """``lieux_csv`` as pieces, a line per place (``keys``: see ``exports.record_keys``; a place
    without history is dated by the build day)."""
    header = _line(dict(zip(COLUMNS, COLUMNS)))  # what DictWriter.writeheader writes
    return Pieced([
        (record.id, ":".join((keys.get(record.id, "") if keys else "", "" if exports.modified_day(site, history, record) else site.build_date.isoformat())),
         partial(_place_line, directory, site, record, history))
        for record in places(directory)
    ], head=lambda _metas: header, tail=lambda _metas: b"")


def _line(values: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    csv.DictWriter(buffer, fieldnames=COLUMNS, delimiter=DELIMITER, lineterminator="\r\n").writerow(values)
    return buffer.getvalue().encode("utf-8")


def _place_line(directory: Directory, site: SiteSettings, record: Record, history: History | None) -> tuple[bytes, None]:
    return _line(row(directory, site, record, history)), None
