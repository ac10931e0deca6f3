"""Problems found in records: values, never exceptions.

Every check returns ``Problem``s; only the command line decides exit codes and formats. Each
problem has a stable ``code`` from ``CODES`` (documented in docs/validation.md) so scripts,
the contribution form and CI annotations can rely on it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"

# code -> (severity, what it means). The messages themselves are built where the problem is
# found, in French, with what to write instead.
CODES: dict[str, tuple[Severity, str]] = {
    # The file itself
    "stray-file": (ERROR, "Fichier ou dossier qui n'est pas une fiche à sa place."),
    "special-file": (ERROR, "Tube nommé (FIFO), socket, périphérique ou autre fichier spécial parmi les fiches ; jamais ouvert."),
    "file-too-large": (ERROR, "Fichier de plus de 64 Kio."),
    "encoding": (ERROR, "Fichier qui n'est pas en UTF-8."),
    "utf8-bom": (WARNING, "Fichier qui commence par une marque d'ordre d'octets (BOM)."),
    "tab": (ERROR, "Tabulation dans le fichier (YAML n'accepte que des espaces)."),
    "yaml-syntax": (ERROR, "Erreur de syntaxe YAML."),
    "yaml-duplicate-key": (ERROR, "Clé présente deux fois dans le même bloc."),
    "yaml-anchor": (ERROR, "Ancre YAML (&nom), refusée."),
    "yaml-alias": (ERROR, "Alias YAML (*nom), refusé."),
    "yaml-tag": (ERROR, "Étiquette YAML explicite (!!type), refusée."),
    "yaml-multiple-documents": (ERROR, "Plusieurs documents YAML dans un fichier."),
    "yaml-key-type": (ERROR, "Clé qui n'est pas un texte."),
    "not-a-mapping": (ERROR, "Fichier qui n'est pas une liste de champs « clé: valeur »."),
    "internal-error": (ERROR, "Erreur interne du validateur sur ce fichier."),
    # The schema
    "missing-field": (ERROR, "Champ obligatoire absent."),
    "unknown-field": (ERROR, "Champ inconnu (faute de frappe ?)."),
    "wrong-type": (ERROR, "Valeur du mauvais type (texte, nombre, liste...)."),
    "bad-format": (ERROR, "Valeur qui n'a pas la forme attendue."),
    "not-in-list": (ERROR, "Valeur absente d'une liste fermée (type, thématique, statut...)."),
    "too-short": (ERROR, "Texte trop court."),
    "too-long": (ERROR, "Texte trop long."),
    "too-few-items": (ERROR, "Liste avec trop peu d'éléments."),
    "too-many-items": (ERROR, "Liste avec trop d'éléments."),
    "duplicate-item": (ERROR, "Élément répété dans une liste."),
    "out-of-range": (ERROR, "Nombre hors des bornes permises."),
    "empty-block": (ERROR, "Bloc vide."),
    "schema": (ERROR, "Autre non-conformité au schéma."),
    # The record's meaning
    "id-mismatch": (ERROR, "Identifiant différent du nom du fichier."),
    "event-id-date": (ERROR, "Identifiant d'événement qui ne commence pas par sa date de début."),
    "commune-mismatch": (ERROR, "Commune différente du dossier du fichier."),
    "unknown-commune": (ERROR, "Code INSEE qui n'existe pas."),
    "commune-not-current": (ERROR, "Code d'une commune déléguée, associée ou d'un arrondissement."),
    "outside-territory": (ERROR, "Commune hors du territoire de l'annuaire (réglage perimeter)."),
    "outside-territory-neighbour": (WARNING, "Commune voisine, hors du territoire, acceptée par l'annuaire (réglage neighbours)."),
    "postal-code-mismatch": (ERROR, "Code postal d'une autre commune."),
    "postal-code-unknown": (WARNING, "Code postal inconnu (CEDEX ?)."),
    "geo-outside-territory": (ERROR, "Coordonnées hors du département de la commune."),
    "geo-far-from-commune": (WARNING, "Coordonnées loin du centre de la commune."),
    "invalid-date": (ERROR, "Date qui n'existe pas."),
    "date-kind-mismatch": (ERROR, "Début et fin de formes différentes (date seule / date et heure)."),
    "end-before-start": (ERROR, "Fin avant le début."),
    "duration-too-long": (ERROR, "Événement non récurrent de plus de 31 jours."),
    "rrule-unsupported": (ERROR, "Récurrence hors du sous-ensemble accepté."),
    "rrule-invalid": (ERROR, "Récurrence incohérente."),
    "control-character": (ERROR, "Caractère de contrôle ou invisible interdit dans un texte."),
    "exceptions-without-recurrence": (ERROR, "Exceptions pour un événement qui ne se répète pas."),
    "exception-not-an-occurrence": (ERROR, "Exception à un jour où la récurrence ne donne pas de séance."),
    "exception-incoherent": (ERROR, "Exception déplacée sans nouveau début, ou nouveau début sans déplacement."),
    "exception-too-far": (ERROR, "Séance déplacée de plus de 31 jours."),
    "duplicate-exception": (ERROR, "Deux exceptions pour le même jour."),
    "url-not-https": (WARNING, "Adresse web en http:// au lieu de https://."),
    "url-scheme": (ERROR, "Lien javascript:, data: ou autre schéma dangereux."),
    "markdown-html": (ERROR, "HTML brut dans un texte Markdown."),
    "email-invalid": (ERROR, "Adresse électronique mal formée."),
    "phone-invalid": (ERROR, "Numéro de téléphone mal formé."),
    "siret-checksum": (ERROR, "SIRET dont la clé de contrôle est fausse."),
    "opening-hours-invalid": (ERROR, "Horaires qui ne suivent pas la syntaxe OpenStreetMap."),
    "range-inverted": (ERROR, "Minimum supérieur au maximum (tarif, âge)."),
    "price-free-with-amount": (ERROR, "Événement gratuit avec un tarif."),
    # Across records
    "duplicate-id": (ERROR, "Identifiant déjà utilisé par une autre fiche."),
    "unknown-reference": (ERROR, "Référence à un acteur qui n'existe pas."),
    "duplicate-record": (ERROR, "Même nom dans la même commune qu'une autre fiche."),
    "near-duplicate": (WARNING, "Nom très proche d'une autre fiche de la même commune."),
    "confusable-name": (ERROR, "Nom qui mêle deux alphabets et se lit comme celui d'une autre fiche (lettres cyrilliques ou grecques sosies de lettres latines)."),
    "self-link": (ERROR, "Lien d'un acteur vers lui-même."),
    "duplicate-link": (ERROR, "Même lien écrit deux fois dans une fiche."),
    "link-dates": (ERROR, "Lien qui finit avant d'avoir commencé."),
    "contradictory-link": (ERROR, "Lien écrit des deux côtés, ou contredit par l'autre fiche (chacun membre de l'autre)."),
    "call-dates": (ERROR, "Appel qui finit avant de commencer."),
    "call-too-long": (ERROR, "Appel de plus d'un an (un appel finit toujours)."),
    "call-contact": (ERROR, "Appel dont le courriel ou le téléphone n'est pas un contact public de l'acteur qui le lance."),
    "call-no-contact": (ERROR, "Appel auquel personne ne peut répondre : ni l'appel ni son acteur n'ont de contact public."),
    "picture-name": (ERROR, "Image qui n'est pas nommée d'après sa fiche (media/<identifiant>.jpg)."),
    "picture-missing": (ERROR, "Image absente du dossier des fiches."),
    "picture-invalid": (ERROR, "Fichier d'image illisible, trop lourd, trop grand, trop petit ou d'un autre format que son nom."),
    # sources.yml (the feeds the directory follows), checked with the records
    "duplicate-source": (ERROR, "sources.yml : deux sources portent le même nom."),
    "source-location": (ERROR, "sources.yml : une source sans adresse ni fichier, ou avec les deux."),
    "source-file-missing": (ERROR, "sources.yml : le fichier d'une source ou sa correspondance n'existe pas dans le dépôt."),
    "source-mapping-missing": (ERROR, "sources.yml : une source CSV sans fichier de correspondance."),
    "unknown-source": (ERROR, "communs sources pull : aucune source de ce nom."),
}


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    record_id: str | None = None
    pointer: str = ""
    severity: Severity = ERROR

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"undocumented problem code: {self.code}")

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict:
        return asdict(self)


def problem(
    code: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    column: int | None = None,
    record_id: str | None = None,
    pointer: str = "",
) -> Problem:
    """A problem with the catalogue's severity for its code."""
    return Problem(
        code=code,
        message=message,
        file=file,
        line=line,
        column=column,
        record_id=record_id,
        pointer=pointer,
        severity=CODES[code][0],
    )
