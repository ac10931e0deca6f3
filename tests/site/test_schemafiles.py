"""The JSON Schemas published under /schemas/: their ids are the URLs they are served at, and a
validator that knows nothing but those URLs validates the directory's records."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import Server
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

from communs.records.schemas import SchemaSet
from communs.resources import schemas_dir
from communs.settings import SiteSettings
from communs.site import exports, schemafiles

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = "https://communs.example.org"  # the host the source files name themselves with


def fetching_registry() -> Registry:
    """A registry that holds nothing and fetches every schema by its URL, as a re-user's tool does."""

    def retrieve(uri: str) -> Resource:
        with urllib.request.urlopen(uri, timeout=10) as response:
            return Resource.from_contents(json.loads(response.read()))

    return Registry(retrieve=retrieve)


def test_served_schemas_resolve_by_their_own_urls_and_validate_the_demo(demo, tmp_path):
    """Published by a site at another address than the files' placeholder: every $id is the URL
    the file is served at, and the records validate with schemas fetched only from the site."""
    server = Server(tmp_path)
    try:
        site = SiteSettings(site_url=server.url)
        exports.write_exports(demo, tmp_path, site)
        served = sorted((tmp_path / "schemas").glob("*.schema.json"))
        assert [p.name for p in served] == sorted(demo.schemas.by_file)
        for path in served:
            text = path.read_text(encoding="utf-8")
            assert json.loads(text)["$id"] == f"{server.url}/schemas/{path.name}"
            assert PLACEHOLDER not in text
        registry = fetching_registry()
        for kind, records in (("actor", demo.actors), ("event", demo.events)):
            validator = Draft202012Validator({"$ref": f"{server.url}/schemas/{kind}.schema.json"}, registry=registry)
            for record in records.values():
                errors = [error.message for error in validator.iter_errors(dict(record.data))]
                assert errors == [], (record.id, errors)
        # The validator reached the shared definitions through the served files: a record that
        # breaks one of them (a commune code, defined in defs.schema.json) is refused.
        broken = dict(next(iter(demo.actors.values())).data, commune="ABCDE")
        validator = Draft202012Validator({"$ref": f"{server.url}/schemas/actor.schema.json"}, registry=registry)
        assert any(list(error.absolute_path) == ["commune"] for error in validator.iter_errors(broken))
    finally:
        server.close()


def test_without_a_site_address_ids_are_site_relative(demo):
    """Resolved against the address a reader fetched the file from, the id is that address."""
    published = schemafiles.published(demo.schemas, SiteSettings())
    base = "https://annuaire.example.net/"
    for name, document in published.items():
        assert document["$id"] == f"/schemas/{name}"
        assert urljoin(f"{base}schemas/{name}", document["$id"]) == f"{base}schemas/{name}"


def test_publishing_at_the_placeholder_address_gives_back_the_source_files(demo):
    """Nothing but the ids moves: the bytes published under the source's own host are the files'."""
    for url, data in schemafiles.schema_files(demo.schemas, SiteSettings(site_url=PLACEHOLDER)):
        assert data == (schemas_dir() / url.rsplit("/", 1)[1]).read_bytes(), url


def test_a_reference_written_with_a_placeholder_id_is_moved_to_the_published_file(tmp_path):
    """A $ref that names another schema by its full placeholder id would lead a validator off
    the site (or nowhere); it is pointed at that schema's published URL, fragment kept."""
    folder = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), folder)
    actor = folder / "actor.schema.json"
    text = actor.read_text(encoding="utf-8")
    assert '"$ref": "defs.schema.json#/$defs/communeCode"' in text
    actor.write_text(text.replace('"$ref": "defs.schema.json#/$defs/communeCode"', f'"$ref": "{PLACEHOLDER}/schemas/defs.schema.json#/$defs/communeCode"'), encoding="utf-8")
    site = SiteSettings(site_url="https://annuaire.example.net")
    published = schemafiles.published(SchemaSet(folder), site)
    commune = published["actor.schema.json"]["properties"]["commune"]
    assert commune["$ref"] == "https://annuaire.example.net/schemas/defs.schema.json#/$defs/communeCode"

    # Only the published documents in the registry: every reference resolves among them.
    registry = Registry().with_resources((document["$id"], Resource.from_contents(document)) for document in published.values())
    validator = Draft202012Validator(published["actor.schema.json"], registry=registry)
    assert any(list(e.absolute_path) == ["commune"] for e in validator.iter_errors({"commune": "ABCDE"}))
    # ...and none leads back to the placeholder host.
    with pytest.raises(Unresolvable):
        registry.resolver().lookup(f"{PLACEHOLDER}/schemas/defs.schema.json")


def test_the_published_schemas_are_deterministic(demo):
    site = SiteSettings(site_url="https://annuaire.example.net")
    assert list(schemafiles.schema_files(demo.schemas, site)) == list(schemafiles.schema_files(SchemaSet(), site))
