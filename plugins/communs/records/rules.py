"""What a record must mean beyond its schema: checks that need the calendar, the official list of
communes, or a parser (RRULE, Markdown, e-mail, phone, opening hours).

Each check reads ``record.data`` defensively: the schema may already have refused a field's type,
and then the rule stays silent rather than report the same mistake twice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Callable, Iterator

import opening_hours
import phonenumbers

from communs.i18n import _
from communs.records import recurrence
from communs.records.communes import Commune, Communes, distance_km
from communs.records.content import ACTOR, CALL, EVENT
from communs.records.problems import Problem
from communs.records.record import Record
from communs.records.schemas import SchemaSet
from communs.records.territory import Territory
from communs.records.values import PHONE_REGIONS, is_email
from communs.records.yamlreader import pointer_token

MAX_DURATION = timedelta(days=31)
CALL_LONGEST_DAYS = 366  # a call to take part lasts a year at most
_DANGEROUS_LINK = re.compile(
    r"(?:\]\(\s*<?\s*|^\s*\[[^\]]+\]:\s*<?\s*|<)(javascript|vbscript|data|file):", re.IGNORECASE | re.MULTILINE
)
_HTTP_LINK = re.compile(r"(?:\]\(\s*<?\s*|^\s*\[[^\]]+\]:\s*<?\s*|<)(http://[^\s)>]+)", re.IGNORECASE | re.MULTILINE)


@cache
def _markdown() -> Any:
    from markdown_it import MarkdownIt  # only texts with a "<" need parsing

    return MarkdownIt("commonmark")


def iter_fields(data: Any, path: tuple[str, ...], pointer: str = "") -> Iterator[tuple[str, Any]]:
    """The values at ``path`` (``*`` = every item of a list) with their JSON pointers."""
    if not path:
        yield pointer, data
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(data, list):
            for index, item in enumerate(data):
                yield from iter_fields(item, rest, f"{pointer}/{index}")
    elif isinstance(data, dict) and head in data:
        yield from iter_fields(data[head], rest, f"{pointer}/{pointer_token(head)}")


def parse_moment(value: str) -> date | datetime | None:
    """A record date: a plain date, or an aware datetime; None when it does not exist."""
    try:
        if "T" in value:
            moment = datetime.fromisoformat(value)
            return moment if moment.tzinfo is not None else None
        return date.fromisoformat(value)
    except ValueError:
        return None


def _describe(commune: Commune) -> str:
    return f"{commune.code} {commune.name} ({commune.departement})"


class RecordRules:
    """The checks of one record against the calendar and the reference of communes."""

    def __init__(self, communes: Communes, schemas: SchemaSet, territory: Territory | None = None) -> None:
        self.communes = communes
        self.schemas = schemas
        self.territory = territory
        self.format_checks: dict[str, Callable[[Record, str, Any], list[Problem]]] = {
            "uri": self.check_url,
            "email": self.check_email,
            "phone": self.check_phone,
            "siret": self.check_siret,
            "opening-hours": self.check_opening_hours,
            "text/markdown": self.check_markdown,
            "date-or-date-time": self.check_date,
            "date": self.check_date,
            "rrule": self.check_rrule,
        }

    def problems(self, record: Record) -> list[Problem]:
        found: list[Problem] = []
        found += self.check_characters(record)
        found += self.check_identity(record)
        found += self.check_communes(record)
        found += self.check_places(record)
        for path, marker in self.schemas.typed_fields(record.kind):
            check = self.format_checks.get(marker)
            if check is None:
                continue
            for pointer, value in iter_fields(record.data, path):
                if isinstance(value, str):
                    found += check(record, pointer, value)
        if record.kind == EVENT:
            found += self.check_schedule(record)
            found += self.check_exceptions(record)
        elif record.kind == ACTOR:
            found += self.check_links(record)
        elif record.kind == CALL:
            found += self.check_call_period(record)
        found += self.check_ranges(record)
        return found

    def check_call_period(self, record: Record) -> list[Problem]:
        """A call ends after it begins, and lasts a year at most: an open-ended call would stay on
        the site long after anyone remembers it."""
        since, until = record.data.get("since"), record.data.get("until")
        if not (isinstance(since, str) and isinstance(until, str)):
            return []
        try:
            first, last = date.fromisoformat(since), date.fromisoformat(until)
        except ValueError:
            return []  # the format checks report it
        if last < first:
            return [record.problem("call-dates", _("L'appel finit ({until}) avant de commencer ({since}) : corrigez l'une des deux dates.").format(until=until, since=since), "/until")]
        if (last - first).days > CALL_LONGEST_DAYS:
            return [
                record.problem(
                    "call-too-long",
                    _("Un appel dure un an au plus (ici du {since} au {until}) : choisissez une date de fin plus proche ; s'il court encore, prolongez-le le moment venu.").format(since=since, until=until),
                    "/until",
                )
            ]
        return []

    def check_links(self, record: Record) -> list[Problem]:
        """An actor's links: not to itself, each once, ended after they began (targets that exist
        and pairs written both ways are checked against the whole directory: ``crosscheck``)."""
        links = record.data.get("links")
        if not isinstance(links, list):
            return []
        found: list[Problem] = []
        seen: dict[tuple[str, str], int] = {}
        for index, link in enumerate(links):
            if not isinstance(link, dict) or not isinstance(link.get("actor"), str) or not isinstance(link.get("type"), str):
                continue
            pointer = f"/links/{index}"
            if link["actor"] == record.id:
                found.append(record.problem("self-link", _("Un acteur ne se lie pas à lui-même : « {id} » est l'identifiant de cette fiche.").format(id=link["actor"]), pointer + "/actor"))
            key = (link["type"], link["actor"])
            if key in seen:
                found.append(record.problem("duplicate-link", _("Ce lien est déjà écrit plus haut (lien n° {first}) : gardez-en un seul.").format(first=seen[key] + 1), pointer))
            else:
                seen[key] = index
            since, until = link.get("since"), link.get("until")
            if isinstance(since, str) and isinstance(until, str) and until < since:
                found.append(record.problem("link-dates", _("Le lien finit ({until}) avant d'avoir commencé ({since}) : inversez les dates.").format(until=until, since=since), pointer + "/until"))
        return found

    # Identity ------------------------------------------------------------------------------

    def check_identity(self, record: Record) -> list[Problem]:
        found = []
        record_id = record.data.get("id")
        if isinstance(record_id, str) and record_id != record.stem:
            found.append(
                record.problem(
                    "id-mismatch",
                    _("L'identifiant « {id} » doit être le nom du fichier : renommez le fichier en {id}.yml, ou écrivez id: {stem}.").format(
                        id=record_id, stem=record.stem
                    ),
                    "/id",
                )
            )
        if record.kind == EVENT and isinstance(record_id, str):
            starts = [record.data.get(name) for name in ("start", "previous_start")]
            days = [value[:10] for value in starts if isinstance(value, str)]
            if days and record_id[:10] not in days:
                found.append(
                    record.problem(
                        "event-id-date",
                        _("L'identifiant d'un événement commence par sa date de début ({day}) : écrivez id: {day}-… et renommez le fichier de même.").format(
                            day=days[0]
                        ),
                        "/id",
                    )
                )
        return found

    # Communes ------------------------------------------------------------------------------

    def commune_problem(self, record: Record, pointer: str, code: str) -> Problem | None:
        """Why ``code`` is not a current commune, with what to write instead; None if it is."""
        commune = self.communes.get(code)
        if commune is not None and commune.is_current:
            return None
        if commune is not None:
            parent = self.communes.get(commune.parent or "")
            return record.problem(
                "commune-not-current",
                _("{code} est une {type} ({name}) ; les fiches se rangent sous la commune actuelle : écrivez \"{parent}\" ({parent_name}).").format(
                    code=code,
                    type=_(commune.type.replace("-", " ")),
                    name=commune.name,
                    parent=parent.code if parent else "?",
                    parent_name=parent.name if parent else "?",
                ),
                pointer,
            )
        hint = ""
        by_postcode = self.communes.by_postal_code(code)
        if by_postcode:
            hint = " " + _("{code} est un code postal, pas un code INSEE : pour {names}, écrivez {codes}.").format(
                code=code,
                names=", ".join(c.name for c in by_postcode[:3]),
                codes=_(" ou ").join(f'"{c.code}"' for c in by_postcode[:3]),
            )
        else:
            near = self.communes.nearest(code, limit=3)
            if near:
                hint = " " + _("Codes proches : {near}.").format(near=", ".join(_describe(c) for c in near))
        return record.problem(
            "unknown-commune",
            _("Le code INSEE « {code} » ne correspond à aucune commune.").format(code=code) + hint,
            pointer,
        )

    def check_communes(self, record: Record) -> list[Problem]:
        found = []
        code = record.commune
        if code is not None:
            issue = self.commune_problem(record, "/commune", code) or self.territory_problem(record, code)
            if issue:
                found.append(issue)
            if code != record.folder:
                commune = self.communes.get(code)
                found.append(
                    record.problem(
                        "commune-mismatch",
                        _("La fiche est dans le dossier {folder} mais indique la commune « {code} »{name} : déplacez le fichier dans le dossier {code}, ou corrigez le code.").format(
                            folder=record.folder, code=code, name=f" ({commune.name})" if commune else ""
                        ),
                        "/commune",
                    )
                )
        for pointer, value in iter_fields(record.data, ("area", "*")):
            if isinstance(value, str):
                issue = self.commune_problem(record, pointer, value)
                if issue:
                    found.append(issue)
        return found

    def territory_problem(self, record: Record, code: str) -> Problem | None:
        """A record of a commune outside the directory's territory belongs to another directory."""
        if self.territory is None or code in self.territory:
            return None
        commune = self.communes.get(code)
        name = commune.name if commune is not None else code
        epci = self.communes.epci_of(code)
        where = _(" (elle fait partie de {epci})").format(epci=epci.name) if epci is not None else ""
        if self.territory.neighbours:
            return record.problem(
                "outside-territory-neighbour",
                _("{name} ({code}) est hors du territoire de l'annuaire ({territory}){where} : la fiche est acceptée, vérifiez que c'est bien la bonne commune.").format(
                    name=name, code=code, territory=self.territory.name, where=where
                ),
                "/commune",
            )
        return record.problem(
            "outside-territory",
            _("{name} ({code}) est hors du territoire de cet annuaire ({territory}){where} : une fiche doit porter sur une commune du territoire. Corrigez le code de la commune, ou proposez la fiche à l'annuaire de ce territoire.").format(
                name=name, code=code, territory=self.territory.name, where=where
            ),
            "/commune",
        )

    # Addresses and coordinates -------------------------------------------------------------

    def check_places(self, record: Record) -> list[Problem]:
        commune = self.communes.get(record.commune or "")
        if commune is None or not commune.is_current:
            return []
        found = []
        base = "/venue" if record.kind == EVENT else ""
        place = record.data.get("venue") if record.kind == EVENT else record.data
        if not isinstance(place, dict):
            return []
        address = place.get("address")
        if isinstance(address, dict) and isinstance(address.get("postal_code"), str):
            found += self.check_postal_code(record, f"{base}/address/postal_code", address["postal_code"], commune)
        geo = place.get("geo")
        if isinstance(geo, dict) and all(isinstance(geo.get(k), (int, float)) and not isinstance(geo.get(k), bool) for k in ("lat", "lon")):
            found += self.check_geo(record, f"{base}/geo", float(geo["lat"]), float(geo["lon"]), commune)
        return found

    def check_postal_code(self, record: Record, pointer: str, postal_code: str, commune: Commune) -> list[Problem]:
        if postal_code in commune.postal_codes or not re.fullmatch(r"[0-9]{5}", postal_code):
            return []
        owners = self.communes.by_postal_code(postal_code)
        expected = ", ".join(commune.postal_codes) or "?"
        if owners:
            return [
                record.problem(
                    "postal-code-mismatch",
                    _("Le code postal {postal_code} est celui de {owners}, pas de {name} : écrivez {expected}.").format(
                        postal_code=postal_code, owners=", ".join(c.name for c in owners[:3]), name=commune.name, expected=expected
                    ),
                    pointer,
                )
            ]
        return [
            record.problem(
                "postal-code-unknown",
                _("Le code postal {postal_code} n'est pas dans la liste de La Poste pour {name} ({expected}). S'il s'agit d'un code CEDEX, c'est possible ; sinon corrigez-le.").format(
                    postal_code=postal_code, name=commune.name, expected=expected
                ),
                pointer,
            )
        ]

    def check_geo(self, record: Record, pointer: str, lat: float, lon: float, commune: Commune) -> list[Problem]:
        departement = self.communes.departement(commune.departement)
        if departement is not None and departement.bbox is not None and not departement.contains(lat, lon):
            hint = ""
            if departement.contains(lon, lat):
                hint = " " + _("Latitude et longitude semblent inversées : écrivez lat: {lon}, lon: {lat}.").format(lat=lat, lon=lon)
            elif departement.contains(-lat, lon) or departement.contains(lat, -lon):
                hint = " " + _("Vérifiez le signe : à {name}, la latitude est {lat_sign} et la longitude {lon_sign}.").format(
                    name=departement.name,
                    lat_sign=_("négative") if departement.bbox[2] < 0 else _("positive"),
                    lon_sign=_("négative") if departement.bbox[3] < 0 else _("positive"),
                )
            return [
                record.problem(
                    "geo-outside-territory",
                    _("Le point ({lat}, {lon}) est hors du département {departement} ({name}) où se trouve {commune}.").format(
                        lat=lat, lon=lon, departement=departement.code, name=departement.name, commune=commune.name
                    )
                    + hint,
                    pointer,
                )
            ]
        if commune.lat is None or commune.lon is None:
            return []
        distance = distance_km(lat, lon, commune.lat, commune.lon)
        reach = max(5.0, 2.5 * (commune.nn_km or 2.0))
        if distance > reach:
            return [
                record.problem(
                    "geo-far-from-commune",
                    _("Le point est à {distance:.0f} km du centre de {name} : vérifiez les coordonnées ou la commune.").format(
                        distance=distance, name=commune.name
                    ),
                    pointer,
                )
            ]
        return []

    # Typed fields --------------------------------------------------------------------------

    def check_url(self, record: Record, pointer: str, value: str) -> list[Problem]:
        if value.lower().startswith("http://"):
            return [
                record.problem(
                    "url-not-https",
                    _("L'adresse {url} n'est pas sécurisée : si le site répond en https://, écrivez https://{rest}.").format(url=value, rest=value[7:]),
                    pointer,
                )
            ]
        return []

    def check_email(self, record: Record, pointer: str, value: str) -> list[Problem]:
        if is_email(value):
            return []
        return [
            record.problem(
                "email-invalid",
                _("« {value} » n'est pas une adresse électronique valide : vérifiez l'arobase, le nom de domaine et l'absence d'espace (exemple : contact@exemple.fr).").format(
                    value=value
                ),
                pointer,
            )
        ]

    def check_phone(self, record: Record, pointer: str, value: str) -> list[Problem]:
        region = PHONE_REGIONS.get((record.commune or "")[:3], "FR")
        try:
            number = phonenumbers.parse(value, region)
            possible = phonenumbers.is_possible_number(number)
        except phonenumbers.NumberParseException:
            possible = False
        if possible:
            return []
        return [
            record.problem(
                "phone-invalid",
                _("« {value} » n'est pas un numéro de téléphone possible : vérifiez le nombre de chiffres (par exemple +262 262 12 34 56 ou 0262 12 34 56).").format(value=value),
                pointer,
            )
        ]

    def check_siret(self, record: Record, pointer: str, value: str) -> list[Problem]:
        if not value.isdigit() or len(value) != 14:
            return []
        total = 0
        for index, digit in enumerate(reversed(value)):
            number = int(digit) * (2 if index % 2 else 1)
            total += number - 9 if number > 9 else number
        # La Poste's establishments follow another rule: the digits sum to a multiple of 5.
        if total % 10 == 0 or (value.startswith("356000000") and sum(map(int, value)) % 5 == 0):
            return []
        return [
            record.problem(
                "siret-checksum",
                _("Le SIRET {value} a une clé de contrôle fausse : recopiez-le depuis l'avis de situation Sirene ou annuaire-entreprises.data.gouv.fr.").format(value=value),
                pointer,
            )
        ]

    def check_opening_hours(self, record: Record, pointer: str, value: str) -> list[Problem]:
        if opening_hours.validate(value):
            return []
        return [
            record.problem(
                "opening-hours-invalid",
                _("Les horaires « {value} » ne suivent pas la syntaxe OpenStreetMap : écrivez par exemple « Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00 » (jours en anglais abrégés : Mo Tu We Th Fr Sa Su).").format(
                    value=value
                ),
                pointer,
            )
        ]

    def check_markdown(self, record: Record, pointer: str, value: str) -> list[Problem]:
        found = []
        line, _column = record.position(pointer)
        first = line + (1 if "\n" in value.rstrip("\n") or value.endswith("\n") else 0)
        if "](" not in value and "]:" not in value and "<" not in value:
            return found
        for match in _DANGEROUS_LINK.finditer(value):
            offset = value.count("\n", 0, match.start())
            found.append(
                _at(
                    record.problem(
                        "url-scheme",
                        _("Les liens « {scheme}: » sont refusés : ils peuvent exécuter du code chez le lecteur. Utilisez une adresse https://.").format(scheme=match.group(1).lower()),
                        pointer,
                    ),
                    first + offset,
                )
            )
        for match in _HTTP_LINK.finditer(value) if "http://" in value.lower() else ():
            offset = value.count("\n", 0, match.start())
            found.append(
                _at(
                    record.problem(
                        "url-not-https",
                        _("Le lien {url} n'est pas sécurisé : si le site répond en https://, écrivez https://{rest}.").format(url=match.group(1), rest=match.group(1)[7:]),
                        pointer,
                    ),
                    first + offset,
                )
            )
        if "<" in value:
            for token in _walk_tokens(_markdown().parse(value)):
                if token.type in ("html_block", "html_inline"):
                    offset = token.map[0] if token.map else 0
                    snippet = token.content.strip().splitlines()[0][:60] if token.content.strip() else "<…>"
                    found.append(
                        _at(
                            record.problem(
                                "markdown-html",
                                _("Le HTML n'est pas accepté dans les textes ({snippet}) : utilisez la mise en forme Markdown (**gras**, listes, [lien](https://…)). Pour écrire le signe <, faites-le suivre d'une espace.").format(
                                    snippet=snippet
                                ),
                                pointer,
                            ),
                            first + offset,
                        )
                    )
                    break
        return found

    def check_date(self, record: Record, pointer: str, value: str) -> list[Problem]:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T.*)?", value):
            return []  # the schema reports the form
        if parse_moment(value) is None:
            return [
                record.problem(
                    "invalid-date",
                    _("La date « {value} » n'existe pas : vérifiez le jour, le mois, l'heure et le décalage horaire (+04:00 à La Réunion).").format(value=value),
                    pointer,
                )
            ]
        return []

    def check_rrule(self, record: Record, pointer: str, value: str) -> list[Problem]:
        reasons = rrule_problems(value, record.data.get("start"))
        return [
            record.problem(code, message, pointer) for code, message in reasons
        ]

    # Events --------------------------------------------------------------------------------

    def check_schedule(self, record: Record) -> list[Problem]:
        start_text, end_text = record.data.get("start"), record.data.get("end")
        if not isinstance(start_text, str) or not isinstance(end_text, str):
            return []
        start, end = parse_moment(start_text), parse_moment(end_text)
        if start is None or end is None:
            return []
        if isinstance(start, datetime) != isinstance(end, datetime):
            return [
                record.problem(
                    "date-kind-mismatch",
                    _("Le début et la fin s'écrivent de la même façon : deux dates seules (journées entières) ou deux dates avec heure."),
                    "/end",
                )
            ]
        if end < start:
            return [
                record.problem(
                    "end-before-start",
                    _("La fin ({end}) est avant le début ({start}) : vérifiez les deux dates.").format(end=end_text, start=start_text),
                    "/end",
                )
            ]
        if end - start > MAX_DURATION and "recurrence" not in record.data:
            return [
                record.problem(
                    "duration-too-long",
                    _("L'événement dure {days} jours ; au-delà de 31 jours, décrivez plutôt ses séances avec une récurrence (recurrence), ou créez une fiche acteur.").format(
                        days=(end - start).days
                    ),
                    "/end",
                )
            ]
        return []

    def check_characters(self, record: Record) -> list[Problem]:
        """No control or invisible character in any text (a newline in a long text aside):
        whatever validates must build and export (XML, JSON, iCalendar, CSV, commit messages)."""
        found: list[Problem] = []

        def visit(value: Any, pointer: str) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    visit(item, f"{pointer}/{pointer_token(str(key))}")
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    visit(item, f"{pointer}/{index}")
            elif isinstance(value, str):
                match = _FORBIDDEN.search(value)
                if match is not None:
                    bad = match.group()
                    field = pointer.rsplit("/", 1)[-1] or _("la fiche")
                    found.append(record.problem("control-character", _("« {field} » contient un caractère invisible interdit (U+{code:04X}{name}) : retirez-le, ou retapez le texte.").format(
                        field=field, code=ord(bad), name=f", {unicodedata.name(bad, '').lower()}" if unicodedata.name(bad, "") else ""), pointer))

        visit(record.data, "")
        return found

    def check_exceptions(self, record: Record) -> list[Problem]:
        """A series' exceptions name days the rule gives, once each; a move says where to."""
        from communs.records.dates import MAX_MOVE_DAYS, format_day, occurrences

        items = record.data.get("exceptions")
        if not isinstance(items, list) or not items:
            return []
        rule = record.data.get("recurrence")
        if not isinstance(rule, str) or not rule or rrule_problems(rule, record.data.get("start")):
            if not rule:
                return [record.problem("exceptions-without-recurrence", _("Des exceptions (exceptions) ne s'appliquent qu'à un événement qui se répète (recurrence) : ajoutez la récurrence, ou retirez les exceptions."), "/exceptions")]
            return []  # the rule's own problem is reported
        plain = {k: v for k, v in record.data.items() if k != "exceptions"}
        days = {o.first_day for o in occurrences(plain, limit=5000)}
        found: list[Problem] = []
        seen: set = set()
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("date"), str):
                continue  # the schema reports it
            pointer = f"/exceptions/{index}"
            day = parse_moment(item["date"])
            if not isinstance(day, date) or isinstance(day, datetime):
                continue
            if day in seen:
                found.append(record.problem("duplicate-exception", _("Le {day} a déjà une exception : gardez-en une seule.").format(day=format_day(day)), pointer + "/date"))
                continue
            seen.add(day)
            if day not in days:
                near = sorted(days, key=lambda d: abs((d - day).days))[:2]
                found.append(record.problem("exception-not-an-occurrence", _("La récurrence ne donne pas de séance le {day} : l'exception ne change rien. Séances les plus proches : {near}.").format(
                    day=format_day(day), near=", ".join(format_day(d) for d in sorted(near))), pointer + "/date"))
            status = item.get("status") or "excluded"
            if (status == "moved") != ("start" in item):
                found.append(record.problem("exception-incoherent", _("Une séance déplacée (status: moved) dit son nouveau début (start), et seul un déplacement en a un.") if status == "moved" else _("Un nouveau début (start) ne vaut que pour une séance déplacée : ajoutez status: moved, ou retirez start."), pointer))
            elif status == "moved":
                moved = parse_moment(str(item.get("start")))
                moved_day = moved.date() if isinstance(moved, datetime) else moved
                if isinstance(moved_day, date) and abs((moved_day - day).days) > MAX_MOVE_DAYS:
                    found.append(record.problem("exception-too-far", _("La séance du {day} est déplacée de plus de {limit} jours : créez plutôt un autre événement.").format(day=format_day(day), limit=MAX_MOVE_DAYS), pointer + "/start"))
        return found

    def check_ranges(self, record: Record) -> list[Problem]:
        found = []
        for field in ("price", "age"):
            block = record.data.get(field)
            if not isinstance(block, dict):
                continue
            low, high = block.get("min"), block.get("max")
            numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high))
            if numbers and low > high:
                found.append(
                    record.problem(
                        "range-inverted",
                        _("Le minimum ({low}) dépasse le maximum ({high}) : inversez-les.").format(low=low, high=high),
                        f"/{field}/min",
                    )
                )
            if field == "price" and block.get("free") is True and any(
                isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in (low, high)
            ):
                found.append(
                    record.problem(
                        "price-free-with-amount",
                        _("Un événement gratuit (free: true) n'a pas de tarif : retirez min et max, ou mettez free: false."),
                        "/price/free",
                    )
                )
        return found


def _at(found: Problem, line: int) -> Problem:
    return replace(found, line=line, column=1)


def _walk_tokens(tokens: list) -> Iterator[Any]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk_tokens(token.children)


# The characters _forbidden_character refuses, as one class: a record's texts are searched by the
# regular expression engine rather than a character at a time in Python (tests check both agree
# on every code point).
_FORBIDDEN = re.compile(
    "[\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f\\ud800-\\udfff\\u2028\\u2029\\ufdd0-\\ufdef"
    + "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(17))
    + "]"
)


def _forbidden_character(c: str) -> bool:
    """Control characters but the newline, surrogates, noncharacters (U+FFFE…), and the Unicode
    line and paragraph separators, which break one-line texts and some parsers."""
    if c == "\n":
        return False
    category = unicodedata.category(c)
    return category in ("Cc", "Cs") or c in "\u2028\u2029" or (0xFDD0 <= ord(c) <= 0xFDEF) or (ord(c) & 0xFFFE) == 0xFFFE


def rrule_problems(rule: str, start: Any = None) -> list[tuple[str, str]]:
    """Why a recurrence rule is outside the supported RRULE subset or incoherent (code, message);
    ``records.recurrence`` reads it, as it does for every other use of the rule."""
    if not recurrence.FORM.fullmatch(rule):
        return []  # the schema reports the form
    return recurrence.problems(rule, parse_moment(start) if isinstance(start, str) else None)
