"""The territory on the site: the home page lists its communes and its map opens on them, even
before the directory has a record."""

from __future__ import annotations

import json
import re
from datetime import date

from communs.records.communes import default_communes
from communs.records.directory import Directory
from communs.records.territory import parse_perimeter
from communs.settings import SiteSettings
from communs.site.plugin import build_site

CLERMONT = "epci:246300701"


def test_home_lists_the_territorys_communes_and_opens_its_map_before_any_record(tmp_path):
    site = SiteSettings(site_name="Annuaire de Clermont", territory="Clermont Auvergne Métropole", perimeter=CLERMONT,
                        build_date=date(2026, 9, 1), search=False)
    output = tmp_path / "output"
    build_site(Directory.from_records([]), site, output, jobs=1)
    home = (output / "index.html").read_text(encoding="utf-8")
    territory = parse_perimeter(CLERMONT, default_communes())
    for commune in territory.communes(default_communes()):
        assert f"<li>{commune.name} <span" in home.replace("&#39;", "'"), commune.name
    assert "Les 21 communes de Clermont Auvergne Métropole :" in home
    config = _map_config(home, "carte-communes")
    lat, lon = config["center"]
    assert 45.7 < lat < 45.9 and 3.0 < lon < 3.25 and config["zoom"] == 12
    features = json.loads((output / "communes" / "carte.geojson").read_text(encoding="utf-8"))["features"]
    assert len(features) == 21 and {f["properties"]["count"] for f in features} == {0}


def _map_config(html: str, element_id: str) -> dict:
    """The JSON a map's script is configured with (its id, centre, zoom...)."""
    for match in re.finditer(r"\{[^{}]*\"id\":\s*\"" + element_id + r"\"[^{}]*\}", html):
        return json.loads(match.group(0))
    raise AssertionError(f"no map {element_id} in the page")
