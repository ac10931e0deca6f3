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
from communs.resources import theme_dir  # noqa: E402

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
    own_assets = [theme_dir() / "static" / "css" / "communs.css"]
    scripts = [src.decode() for src in re.findall(rb'<script[^>]+src="([^"]+)"', html)]
    # External scripts are shared vendor files, or our own small ones, counted in the weight.
    own = [src for src in scripts if "/theme/vendor/" not in src]
    assert all(src.startswith("/theme/js/") for src in own)
    own_assets += [theme_dir() / "static" / src.removeprefix("/theme/") for src in own]
    weight = sum(len(gzip.compress(part)) for part in [html, data, *(p.read_bytes() for p in own_assets)])
    print(f"commune page with 1000 actors: {weight / 1024:.1f} KiB gzipped")
    assert weight < LIMIT
    assert html.count(b'class="card"') >= 1000  # every actor is listed without JavaScript


def test_a_theme_page_with_more_actors_than_a_page_holds_lists_its_communes(tmp_path, monkeypatch):
    """Past THEME_CARDS actors, a theme page links to each commune's part of the theme, and shows
    the next THEME_EVENTS events, instead of every card and every event (40 MB at national size)."""
    from communs.site import pages

    monkeypatch.setattr(pages, "THEME_CARDS", 20)
    monkeypatch.setattr(pages, "THEME_EVENTS", 3)
    generate(tmp_path, actors=200, events=80, communes=12)
    directory, _report = load_directory(tmp_path / "content", jobs=1)
    value = max(directory.labels["themes"], key=lambda theme: len(directory.actors_with_theme(theme)))
    actors = directory.actors_with_theme(value)
    settings = SiteSettings(build_date=date(2026, 9, 1), search=False)
    upcoming = pages.SiteBuild(directory, settings).next_events(directory.events_with_theme(value))
    assert len(actors) > 20 and len(upcoming) > 4
    output = tmp_path / "output"
    build_site(directory, settings, output, jobs=1)
    html = (output / "themes" / value / "index.html").read_text(encoding="utf-8")
    assert 'class="card"' not in html
    links = re.findall(r'<li><a href="(/communes/[^"]+)">[^<]+</a> \(([0-9]+)\)</li>', html)
    assert {href.split("#")[1] for href, _count in links} == {f"theme-{value}"}
    assert sum(int(count) for _href, count in links) == len(actors)
    commune_page = (output / links[0][0].split("#")[0].strip("/") / "index.html").read_text(encoding="utf-8")
    assert f'id="theme-{value}"' in commune_page  # the link lands on the theme's section
    assert html.count('<li class="event') == 3
    assert f"Et {len(upcoming) - 3} autres événements à venir" in html
    # Under the limit, every card is on the page, as on the demo's theme pages.
    monkeypatch.setattr(pages, "THEME_CARDS", 10_000)
    build_site(directory, settings, output, jobs=1)
    assert (output / "themes" / value / "index.html").read_text(encoding="utf-8").count('class="card"') == len(actors)
