"""Pages rendered in forked workers (commune by commune, the pages of the whole directory in the
build's own process) are the bytes of pages rendered one after another in one process."""

from __future__ import annotations

import hashlib
import sys
from datetime import date
from pathlib import Path

from conftest import ROOT

from communs.records.directory import load_directory
from communs.settings import SiteSettings
from communs.site.plugin import build_site
from communs.site.render import PARALLEL_THRESHOLD

sys.path.insert(0, str(ROOT / "scripts"))

from synthetic import generate  # noqa: E402


def digests(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.blake2b(path.read_bytes()).hexdigest() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_pages_from_workers_equal_pages_from_one_process(tmp_path):
    generate(tmp_path, actors=300, events=150, communes=12)
    directory, _report = load_directory(tmp_path / "content", jobs=1)
    site = SiteSettings(build_date=date(2026, 8, 15), search=False)
    steps = build_site(directory, site, tmp_path / "workers", jobs=2)
    assert steps["pages rendered"] > PARALLEL_THRESHOLD  # the workers did run
    assert 0 < steps["pages rendered in the build's own process (of no commune)"] < steps["pages rendered"] / 10
    build_site(directory, site, tmp_path / "alone", jobs=1)
    assert digests(tmp_path / "workers") == digests(tmp_path / "alone")
