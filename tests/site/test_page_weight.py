"""A commune page with 1,000 actors stays under 200 KB of HTML + JS + data, gzipped (shared
vendor files and map tiles excepted)."""

from __future__ import annotations

import gzip
import re
import sys
from datetime import date

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

from synthetic import generate  # noqa: E402

from communs.records.directory import load_directory  # noqa: E402
from communs.settings import SiteSettings  # noqa: E402
from communs.site.plugin import build_site  # noqa: E402

LIMIT = 200 * 1024


def test_commune_page_with_1000_actors_is_light(tmp_path):
    generate(tmp_path, actors=1000, events=40, communes=1)
    directory, _report = load_directory(tmp_path / "content", jobs=1)
    (code,) = directory.commune_codes()
    assert len(directory.actors_in(code)) == 1000
    output = tmp_path / "output"
    build_site(directory, SiteSettings(build_date=date(2026, 9, 1), search=False), output, jobs=2)
    folder = next((output / "communes").glob(f"{code}-*"))
    html = (folder / "index.html").read_bytes()
    data = (folder / "carte.geojson").read_bytes()
    own_assets = [ROOT / "theme" / "static" / "css" / "communs.css"]
    scripts = re.findall(rb'<script[^>]+src="([^"]+)"', html)
    assert all(b"/theme/vendor/" in src for src in scripts)  # the only external scripts are shared vendor files
    weight = sum(len(gzip.compress(part)) for part in [html, data, *(p.read_bytes() for p in own_assets)])
    print(f"commune page with 1000 actors: {weight / 1024:.1f} KiB gzipped")
    assert weight < LIMIT
    assert html.count(b'class="card"') >= 1000  # every actor is listed without JavaScript
