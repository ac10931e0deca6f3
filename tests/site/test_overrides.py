"""An instance changes its site without copying the theme: its templates/ replace the theme's of
the same name (and may extend them as !theme/…), and its content/pages add pages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from communs.maintain.instance import make_plan, write_instance

HOME = """{% extends "!theme/home.html" %}
{% block main %}<p class="bandeau">Bienvenue sur l'annuaire de la métropole</p>
{{ super() }}{% endblock %}
"""
ACTOR = """{% extends "!theme/actor.html" %}
{% block breadcrumb %}<p class="bandeau">Fiche relue par la métropole</p>{{ super() }}{% endblock %}
"""
PAGE = """Title: Nos partenaires
Slug: partenaires

Les structures qui font vivre l'annuaire.
"""


def build(target: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "communs.cli", "build", "--cache", "cache"], cwd=target, capture_output=True, text=True, check=False,
                          env=dict(os.environ, SOURCE_DATE_EPOCH="1790000000"))


def test_templates_and_pages_of_an_instance(tmp_path):
    target = tmp_path / "annuaire"
    write_instance(make_plan(target, "246300701", maintainers=("@clermont/annuaire",)))
    result = build(target)
    assert result.returncode == 0, result.stdout + result.stderr
    actor_page = target / "output" / "acteurs" / "exemple-association" / "index.html"
    assert "Fiche relue par la métropole" not in actor_page.read_text(encoding="utf-8")

    (target / "templates").mkdir()
    (target / "templates" / "home.html").write_text(HOME, encoding="utf-8")
    (target / "templates" / "actor.html").write_text(ACTOR, encoding="utf-8")
    (target / "content" / "pages" / "partenaires.md").write_text(PAGE, encoding="utf-8")
    result = build(target)
    assert result.returncode == 0, result.stdout + result.stderr
    home = (target / "output" / "index.html").read_text(encoding="utf-8")
    assert '<p class="bandeau">Bienvenue sur l\'annuaire de la métropole</p>' in home
    assert "Les 21 communes de Clermont Auvergne Métropole :" in home  # the theme's own page, extended
    # A cached record page is rebuilt when an instance's template changes.
    assert "Fiche relue par la métropole" in actor_page.read_text(encoding="utf-8")
    partners = (target / "output" / "partenaires" / "index.html").read_text(encoding="utf-8")
    assert "Les structures qui font vivre l'annuaire." in partners
