"""``festivals``: the Ministry of Culture's "Liste des festivals en France" (CSV, ``;``, UTF-8).

Dataset ``festivals-global-festivals-_-pl`` on data.culture.gouv.fr (Licence Ouverte 2.0, credit
"Ministère de la Culture"). One actor of kind ``festival`` per row, theme ``culture``:

* disciplines from ``discipline_dominante`` and the sub-categories: Musique -> musique (and
  musiques-traditionnelles for traditional or world music); Spectacle vivant -> theatre, danse,
  cirque, arts-de-la-rue, marionnette, conte or pluridisciplinaire as the sub-category says
  (none when it says nothing); Cinéma, audiovisuel -> cinema; Livre, littérature -> litterature;
  Arts visuels, arts numériques -> arts-visuels, photographie or arts-numeriques;
  Pluridisciplinaire -> pluridisciplinaire and the disciplines its sub-categories name. The sub-categories also become tags;
* a factual French summary ("Festival de musique créé en 2005, en été (21 juin – 5 septembre).")
  and a short description listing what the row says;
* the address from number, type and name of the street (+ the complement), its postal code only
  when it is one of the commune's;
* ``geocodage_xy`` ("lat,lon") when the validator would accept it for the commune, else none
  (the site then shows the festival at its commune's centre; flagged);
* web site and e-mail cleaned (scheme added, first valid address of a decorated list);
* the commune from ``code_insee_commune`` (4-digit codes get their zero back), else from the
  commune's name and postal code, else the row is skipped with the reason.

``identifiant`` is not unique in the file (overseas collectivities share values), so the source
id is ``identifiant/code INSEE/slug of the name``, e.g. ``FEST_97411_12/97411/leu-tempo``: stable
as long as the row keeps its name and commune (a renamed festival comes back as a new row, which
the duplicate check reports when the names are close).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from communs.i18n import _
from communs.importers.build import Context, Dataset, build_actor
from communs.importers.cleaning import (
    BadRow,
    bad_row_skip,
    iter_unique,
    open_table,
    split_list,
    street_line,
)
from communs.importers.mapping import Mapping
from communs.importers.model import ImportUsageError, Item, Skip
from communs.records.text import fold, slugify
from communs.records.values import normalise_insee, one_line

DATASET = Dataset(
    name="festivals-global-festivals-pl",
    url="https://data.culture.gouv.fr/explore/dataset/festivals-global-festivals-_-pl/",
    licence="Licence Ouverte 2.0",
    credit="Ministère de la Culture",
)
REQUIRED_COLUMNS = ("nom_du_festival", "code_insee_commune", "identifiant")

# discipline_dominante (folded) -> (disciplines, words for the summary)
DOMINANT = {
    "musique": (["musique"], "de musique"),
    "spectacle vivant": ([], "de spectacle vivant"),
    "cinema audiovisuel": (["cinema"], "de cinéma et d'audiovisuel"),
    "livre litterature": (["litterature"], "du livre et de la littérature"),
    "arts visuels arts numeriques": ([], "d'arts visuels et numériques"),
    "pluridisciplinaire": (["pluridisciplinaire"], "pluridisciplinaire"),
}
# Words of the sub-categories (folded) -> disciplines.
LIVE_WORDS = (
    ("theatre", "theatre"), ("humour", "theatre"), ("danse", "danse"), ("cirque", "cirque"),
    ("arts de la rue", "arts-de-la-rue"), ("art de rue", "arts-de-la-rue"), ("marionnette", "marionnette"),
    ("conte", "conte"), ("pluridisciplinaire", "pluridisciplinaire"),
)
VISUAL_WORDS = (("numerique", "arts-numeriques"), ("photo", "photographie"))
MUSIC_WORDS = (("tradition", "musiques-traditionnelles"), ("musiques du monde", "musiques-traditionnelles"))
BOOK_WORDS = (("conte", "conte"),)
MIXED_WORDS = LIVE_WORDS + VISUAL_WORDS + (
    ("musique", "musique"), ("cinema", "cinema"), ("audiovisuel", "cinema"), ("litterature", "litterature"),
    ("livre", "litterature"), ("arts plastiques", "arts-visuels"), ("arts visuels", "arts-visuels"),
)
PERIODS = {
    "saison": _("en été (21 juin – 5 septembre)"),
    "avant saison": _("entre janvier et juin (1er janvier – 20 juin)"),
    "apres saison": _("entre septembre et décembre (6 septembre – 31 décembre)"),
}
MONTHS = ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre", "novembre", "decembre")
MONTH_NAMES = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre")
DECADES = {
    "avant 1980": _("créé avant 1980"),
    "de 1980 a 1989": _("créé dans les années 1980"),
    "de 1990 a 1999": _("créé dans les années 1990"),
    "de 2000 a 2009": _("créé dans les années 2000"),
    "2010 et apres": _("créé en 2010 ou après"),
}
SCOPES = {
    "communale": "communale", "communal": "communale", "intercommunale": "intercommunale", "intercommunal": "intercommunale",
    "departementale": "départementale", "departemental": "départementale", "interdepartementale": "interdépartementale",
    "regionale": "régionale", "regional": "régionale", "interregionale": "interrégionale", "nationale": "nationale",
    "national": "nationale", "internationale": "internationale", "international": "internationale",
    "transfrontaliere": "transfrontalière",
}
SUBCATEGORY_COLUMNS = (
    "sous_categorie_spectacle_vivant", "sous_categorie_musique", "sous_categorie_musique_cnm",
    "sous_categorie_cinema_et_audiovisuel", "sous_categorie_arts_visuels_et_arts_numeriques",
    "sous_categorie_livre_et_litterature",
)
_YEAR = re.compile(r"^(1[5-9][0-9]{2}|20[0-9]{2})(?:-01-01(?: 00:00:00)?)?$")


def _words(text: str, table: tuple[tuple[str, str], ...]) -> list[str]:
    folded = fold(text)
    return [value for word, value in table if word in folded]


def disciplines_of(row: dict[str, str]) -> list[str]:
    dominant = fold(row.get("discipline_dominante", ""))
    found = list(DOMINANT.get(dominant, ([], ""))[0])
    live = row.get("sous_categorie_spectacle_vivant", "")
    if dominant == "spectacle vivant":
        found += _words(live, LIVE_WORDS)
    elif dominant == "musique":
        found += _words(row.get("sous_categorie_musique", "") + " " + row.get("sous_categorie_musique_cnm", ""), MUSIC_WORDS)
    elif dominant == "arts visuels arts numeriques":
        visual = row.get("sous_categorie_arts_visuels_et_arts_numeriques", "")
        found += _words(visual, VISUAL_WORDS)
        if not found or fold(visual).replace("arts numeriques", "").replace("photographie", "").replace("photo", "").strip(" ,"):
            found.insert(0, "arts-visuels")
    elif dominant == "livre litterature":
        found += _words(row.get("sous_categorie_livre_et_litterature", ""), BOOK_WORDS)
    elif dominant == "pluridisciplinaire":
        found += _words(" , ".join(row.get(column, "") for column in SUBCATEGORY_COLUMNS), MIXED_WORDS)
    return list(iter_unique(found))[:8]


def year_of(row: dict[str, str]) -> int | None:
    match = _YEAR.match(one_line(row.get("annee_de_creation_du_festival")))
    return int(match.group(1)) if match else None


def period_of(row: dict[str, str]) -> str | None:
    text = fold(row.get("periode_principale_de_deroulement_du_festival", ""))
    if not text:
        return None
    for key, words in PERIODS.items():
        if text.startswith(key + " ") or text == key:
            return words
    months = [MONTH_NAMES[MONTHS.index(word)] for word in text.split() if word in MONTHS]
    if months and len(months) == len(text.split()):
        if len(months) == 1:
            return _("en {month}").format(month=months[0])
        return _("en {months} et {last}").format(months=", ".join(months[:-1]), last=months[-1])
    return None


def summary_of(row: dict[str, str]) -> str:
    dominant = fold(row.get("discipline_dominante", ""))
    words = DOMINANT.get(dominant, ([], ""))[1]
    head = _("Festival {words}").format(words=words) if words else _("Festival")
    parts = []
    year = year_of(row)
    if year is not None:
        parts.append(_("créé en {year}").format(year=year))
    else:
        decade = DECADES.get(fold(row.get("decennie_de_creation_du_festival", "")))
        if decade:
            parts.append(decade)
    period = period_of(row)
    if period:
        parts.append(period)
    return (head + (" " + ", ".join(parts) if parts else "") + ".")[:250]


def subcategories_of(row: dict[str, str]) -> list[str]:
    items: list[str] = []
    for column in SUBCATEGORY_COLUMNS:
        text = re.sub(r"\([^)]*\)", "", row.get(column, ""))
        items.extend(split_list(text))
    return list(iter_unique(items))


def description_of(row: dict[str, str], year: int | None) -> str:
    lines = [_("Festival recensé par le ministère de la Culture (liste des festivals en France).")]
    facts: list[tuple[str, str]] = []
    dominant = one_line(row.get("discipline_dominante"))
    if dominant:
        facts.append((_("Discipline dominante"), dominant))
    subcategories = subcategories_of(row)
    if subcategories:
        facts.append((_("Genres"), ", ".join(subcategories)))
    scope = SCOPES.get(fold(row.get("envergure_territoriale", "")))
    if scope:
        facts.append((_("Envergure"), scope))
    period = one_line(row.get("periode_principale_de_deroulement_du_festival"))
    if period:
        facts.append((_("Période"), period[:1].lower() + period[1:]))
    if year is not None:
        facts.append((_("Création"), str(year)))
    else:
        decade = one_line(row.get("decennie_de_creation_du_festival"))
        if decade:
            facts.append((_("Création"), decade[:1].lower() + decade[1:]))
    if facts:
        lines.append("")
        lines.extend(f"- {label} : {value}" for label, value in facts)
    return "\n".join(lines)


class FestivalsReader:
    format_name = "festivals"

    def __init__(self, path: Path, mapping: Mapping) -> None:
        self.path = path
        self.mapping = mapping
        self.table = open_table(path, encoding=mapping.file.get("encoding"), delimiter=mapping.file.get("delimiter") or ";")
        missing = [column for column in REQUIRED_COLUMNS if column not in self.table.columns]
        if missing:
            raise ImportUsageError(_("{path} n'a pas les colonnes de la liste des festivals ({missing}) : est-ce le bon fichier ?").format(path=path, missing=", ".join(missing)))

    def dataset(self) -> Dataset:
        return DATASET

    def items(self, ctx: Context) -> Iterator[Item | Skip]:
        for row in self.table.rows():
            yield bad_row_skip(row, self.table) if isinstance(row, BadRow) else self.item(ctx, *row)

    def item(self, ctx: Context, line: int, row: dict[str, str]) -> Item | Skip:
        name = one_line(row.get("nom_du_festival"))
        identifier = one_line(row.get("identifiant"))
        year = year_of(row)
        subcategories = subcategories_of(row)
        raw: dict[str, Any] = {
            "name": name,
            "kind": "festival",
            "themes": ["culture"],
            "disciplines": disciplines_of(row),
            "tags": (["spectacle-vivant"] if fold(row.get("discipline_dominante", "")) == "spectacle vivant" else []) + subcategories,
            "summary": summary_of(row),
            "description": description_of(row, year),
            "insee": row.get("code_insee_commune"),
            "city": row.get("commune_principale_de_deroulement"),
            "postal_code": row.get("code_postal_de_la_commune_principale_de_deroulement"),
            "departement": row.get("departement_principal_de_deroulement"),
            "region": row.get("region_principale_de_deroulement"),
            "street": street_line(row.get("numero_de_voie"), row.get("type_de_voie_rue_avenue_boulevard_etc"), row.get("nom_de_la_voie")),
            "complement": row.get("complement_d_adresse_facultatif"),
            "latlon": row.get("geocodage_xy"),
            "expect_point": True,
            "website": row.get("site_internet_du_festival"),
            "email": row.get("adresse_e_mail"),
            "source_id": "",
        }
        built = build_actor(ctx, {**raw, "source_id": "pending"}, line)
        if isinstance(built, Skip):
            return built
        code = built.data["commune"]
        raw_code = normalise_insee(row.get("code_insee_commune")).code or code
        source_id = f"{identifier or _('sans-identifiant')}/{raw_code}/{slugify(name, max_length=120) or 'festival'}"
        built.source_id = source_id
        built.data["source"]["id"] = source_id[:200]
        return built
