"""Les réglages de l'annuaire [[ site_name ]] : le seul fichier à modifier pour le régler.

Créé par « communs init » (communs [[ version ]]). Pelican lit ce fichier pour construire le site
(« communs build ») ; publishconf.py le reprend pour la publication. Les clés de COMMUNS sont
vérifiées au démarrage : une clé inconnue est une erreur. Voir le README.
"""

from __future__ import annotations

import os

from communs.resources import theme_dir

SITENAME = [[ site_name|py ]]
# L'adresse publique du site (publishconf.py) ; COMMUNS_SITEURL l'emporte si elle est définie.
PUBLIC_URL = [[ public_url|py ]]
SITEURL = ""
AUTHOR = SITENAME
TIMEZONE = [[ timezone|py ]]
DEFAULT_LANG = "fr"

PATH = "content"
# Le thème vient du paquet communs ; un gabarit de templates/ remplace celui du même nom (et peut
# l'étendre : {% extends "!theme/base.html" %}).
THEME = str(theme_dir())
THEME_TEMPLATES_OVERRIDES = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")]

# Les fiches (content/actors, content/events) sont lues par communs ; Pelican ne rend que les
# pages libres de content/pages (une page : un fichier Markdown).
ARTICLE_PATHS: list[str] = []
PAGE_PATHS = ["pages"]
STATIC_PATHS: list[str] = []
DIRECT_TEMPLATES: list[str] = []
THEME_STATIC_PATHS: list[str] = []
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
ARCHIVES_SAVE_AS = AUTHORS_SAVE_AS = CATEGORIES_SAVE_AS = TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = CATEGORY_SAVE_AS = TAG_SAVE_AS = ""
FEED_ALL_ATOM = CATEGORY_FEED_ATOM = TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
DEFAULT_PAGINATION = False
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "autoescape": True}

PLUGINS = ["communs"]

COMMUNS = {
    # Le nom du territoire, tel que les pages le disent (« les acteurs de … »).
    "territory": [[ territory_name|py ]],
    # Les communes couvertes : une fiche ailleurs est refusée. epci:SIREN, departements:63,03
    # ou communes:63113,63014.
    "perimeter": [[ perimeter|py ]],
    # True : une fiche d'une commune voisine est acceptée avec un avertissement.
    "neighbours": False,
    "tiles_url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "tiles_attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">les contributeurs d’OpenStreetMap</a>',
    # Le service de contribution (« communs contrib »), s'il y en a un ; sinon le formulaire du site
    # prépare la fiche dans l'éditeur web de la forge (forge_new_url).
    "contribution_service_url": os.environ.get("COMMUNS_CONTRIB_URL", ""),
    "forge_new_url": [[ forge_new_url|py ]],
    "forge_edit_url": [[ forge_edit_url|py ]],
    "forge_history_url": [[ forge_history_url|py ]],
    # Le domaine des identifiants des agendas iCalendar : gardez-le si le site change d'adresse.
    "calendar_domain": [[ calendar_domain|py ]],
}
