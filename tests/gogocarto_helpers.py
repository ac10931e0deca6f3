"""GoGoCarto's importer, as its source reads an element (gitlab.com/seballot/gogocarto, 2024, src/):
``Document/Element.php`` (``CORE_FIELDS``), the fields of a fresh map's form
(``DataFixtures/MongoDB/LoadConfiguration.php``), ``Services/ElementImportMappingService.php``
(``transform``), ``Services/ElementImportMappingOntologyService.php`` (``collectProperty``:
which key a fresh map takes without its administrator) and ``Document/OpenHours.php``."""

from __future__ import annotations

import re

GOGOCARTO_CORE = {
    "id", "name", "categories", "latitude", "longitude", "streetNumber", "streetAddress", "addressLocality",
    "postalCode", "addressCountry", "customFormatedAddress", "images", "files", "owner", "source", "sourceKey",
    "openHours", "email",
}
GOGOCARTO_FRESH_FORM = {"description", "descriptionMore", "telephone", "email", "website"}
GOGOCARTO_ALIASES = {"title": "name", "nom": "name", "titre": "name", "mail": "email", "taxonomy": "categories",
                     "address": "streetAddress", "city": "addressLocality", "postcode": "postalCode",
                     "country": "addressCountry", "lat": "latitude", "long": "longitude", "lng": "longitude", "lon": "longitude"}


def gogocarto_flattened(element: dict) -> dict:
    """ElementImportMappingService::transform: geo becomes latitude/longitude, address is merged in."""
    row = dict(element)
    geo = row.pop("geo", None)
    if geo and "latitude" in geo and "longitude" in geo:
        row["latitude"], row["longitude"] = geo["latitude"], geo["longitude"]
    address = row.pop("address", None)
    if isinstance(address, str):
        row["streetAddress"] = address
    elif address:
        row.update(address)
    return row


def gogocarto_mapped(key: str) -> str:
    """What a fresh map maps a key onto without its administrator (collectProperty): itself when
    a core or form field (compared as slugs: lower case, "_" and a leading "bf_" removed on the
    key's side), an alias, "categories" for any key starting with "category", else nothing."""
    slug = re.sub(r"(^bf_|_)", "", key).lower()
    existing = {re.sub(r"[^a-z0-9]+", "_", prop.lower()).strip("_"): prop for prop in GOGOCARTO_CORE | GOGOCARTO_FRESH_FORM}
    return existing.get(slug) or GOGOCARTO_ALIASES.get(slug) or ("categories" if slug.startswith("category") else "")


def gogocarto_open_hours(value: dict) -> dict[str, list[str]]:
    """OpenHours::__construct: day keys Mo..Su, slots split on "," (no trimming: " 14:00" would be
    lost), each "H:i-H:i" read by date_create_from_format; only two slots are read."""
    days = {}
    for day, slots in value.items():
        assert day in ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"), day
        parts = slots.split(",")
        assert 1 <= len(parts) <= 2, slots  # a third slot is dropped, a second one too when there are three
        for part in parts:
            assert re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]", part), slots
        days[day] = parts
    return days
