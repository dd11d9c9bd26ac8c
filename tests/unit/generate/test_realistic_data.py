"""Data that looks real on a document without examples (issue 24): values by field role, one person
per object, no schema's name as data, no field repeating another, varied across records, the same
bytes for the same seed. The notes document has no example at all, so every value here is made."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from openapi_schema_validator import OAS30ReadValidator

from mockserver.contract.operations import load_api
from mockserver.generate import RecordGenerator, vocab
from tests.inprocess import InProcess
from tests.mockserver_process import REPO

NOTES = REPO / "tests" / "data" / "anydoc" / "notes-3.1.yaml"
AUTH = {"Authorization": "Bearer x"}


def schema_names(path: Path) -> set[str]:
    """Every `components/schemas` key, as written, spaced and snake_case, and each of its words."""
    import yaml

    names = (yaml.safe_load(path.read_text())["components"]["schemas"])
    out: set[str] = set()
    for name in names:
        ws = [w.lower() for w in re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", name)]
        out |= {name.lower(), " ".join(ws), "_".join(ws), *ws}
    return out


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}/{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, f"{path}/{i}")
    else:
        yield path, value


@pytest.fixture(scope="module")
def notes() -> list[dict[str, Any]]:
    """50 notes: a list page of 25 and 25 GETs by id."""
    app = InProcess(NOTES)
    page = app.get("/notes?per_page=25", AUTH)
    assert page.status_code == 200, page.text
    got = list(page.json()["data"])
    for n in range(25):
        one = app.get(f"/notes/k{n}", AUTH)
        assert one.status_code == 200, one.text
        got.append(one.json())
    assert len(got) == 50
    return got


def test_no_string_is_or_holds_a_schemas_name(notes) -> None:
    names = schema_names(NOTES)
    found = sorted({value for note in notes for _, value in leaves(note)
                    if isinstance(value, str) and value.lower() in names})
    assert found == []
    words = {name for name in names if " " not in name and "_" not in name}  # "Note Patch Harbor": no
    found = sorted({value for note in notes for path, value in leaves(note) if isinstance(value, str)
                    and path != "/status" and words.intersection(re.findall(r"[a-z]+", value.lower()))})
    assert found == []


def test_no_field_repeats_another_fields_value(notes) -> None:
    for note in notes:
        seen: dict[str, str] = {}
        for path, value in leaves(note):
            if not isinstance(value, str) or path == "/updated_at":  # updated_at may be created_at
                continue
            assert value not in seen, f"{path} repeats {seen.get(value)}: {value!r} in {note}"
            seen[value] = path


def test_title_is_short_and_body_is_prose(notes) -> None:
    for note in notes:
        title = note["title"]
        assert 2 <= len(title.split()) <= 6 and len(title) <= 120, title  # a few words, Title Case
        assert all(word[0].isupper() or word[0].isdigit() for word in title.split()), title
        if "body" in note:
            body = note["body"]
            assert body != title
            assert re.fullmatch(r"([A-Z][a-z]*( [a-z]+){4,}\. ?)+", body), body


def test_tags_are_distinct_lowercase_words(notes) -> None:
    tagged = [note["tags"] for note in notes if note.get("tags")]
    assert len(tagged) > 20
    for tags in tagged:
        assert all(re.fullmatch(r"[a-z]+", tag) for tag in tags), tags
        assert len(set(tags)) == len(tags), tags


def test_an_authors_email_is_made_from_their_name(notes) -> None:
    authors = [note["author"] for note in notes if "author" in note]
    assert len(authors) > 20
    for author in authors:
        first, last = (re.sub(r"[^a-z]", "", part.lower()) for part in author["name"].split(" ", 1))
        local, domain = author["email"].split("@")
        assert re.sub(r"[^a-z]", "", local) in (first + last, first[0] + last), author
        assert "." in domain
    domains = {author["email"].split("@")[1] for author in authors}
    assert len(domains) >= len(authors) // 2, domains  # not a few shared domains


def test_values_vary_across_records(notes) -> None:
    for field in ("id", "title", "body"):
        values = [note[field] for note in notes if field in note]
        assert len(set(values)) == len(values), field
    names = [note["author"]["name"] for note in notes if "author" in note]
    assert len(set(names)) >= len(names) * 0.8


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes() -> None:
    paths = ["/notes?per_page=5", "/notes/a1", "/notes/b2"]
    first, second, other = InProcess(NOTES, seed=7), InProcess(NOTES, seed=7), InProcess(NOTES, seed=8)
    for path in paths:
        body = first.get(path, AUTH).content
        assert second.get(path, AUTH).content == body
        assert other.get(path, AUTH).content != body


def test_a_request_only_schema_is_no_resource_and_collections_keep_their_plural() -> None:
    words = vocab.generic_vocabulary(load_api(NOTES).document)
    assert [(r.snake, r.plural) for r in words.resources] == [("note", "notes")]  # the one collection
    assert words.roles and not vocab.BILLING.roles  # the billing contracts keep their own makers
    assert [vocab.plural(noun) for noun in ("category", "box", "key", "person", "line_item", "sales_person",
                                            "cvss_severities", "status")] == [
        "categories", "boxes", "keys", "people", "line_items", "sales_people", "cvss_severities", "statuses"]


def test_made_values_fit_their_constraints(tmp_path) -> None:
    """Prose under a small maxLength is cut to fit; formats and patterns hold."""
    document = tmp_path / "short.yaml"
    document.write_text("""
openapi: 3.0.3
info: {title: short, version: '1'}
paths:
  /people/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: one
          content:
            application/json:
              schema:
                type: object
                required: [first_name, last_name, username, email, avatar_url, description, title, labels]
                properties:
                  first_name: {type: string}
                  last_name: {type: string}
                  username: {type: string, pattern: '^[a-z0-9._]+$'}
                  email: {type: string, format: email}
                  avatar_url: {type: string, format: uri}
                  description: {type: string, maxLength: 24}
                  title: {type: string, maxLength: 12, minLength: 3}
                  labels: {type: array, items: {type: string, maxLength: 10}, uniqueItems: true}
""")
    api = load_api(document)
    op = next(iter(api.operations.values()))
    schema = op.responses[200].schema
    generator = RecordGenerator(api.document)
    check = OAS30ReadValidator(schema, format_checker=OAS30ReadValidator.FORMAT_CHECKER)
    for n in range(40):
        person = generator.generate(schema, key=(op.operation_id, "200", f"p{n}"))
        assert check.is_valid(person), person
        first, last = person["first_name"].lower(), person["last_name"].lower()
        assert re.sub(r"[^a-z]", "", person["username"]) in (first + last, first[0] + last), person
        assert re.sub(r"[^a-z]", "", person["email"].split("@")[0]) in (first + last, first[0] + last), person
        assert person["avatar_url"].endswith(f"u={first}.{last}"), person
        words = person["description"].rstrip(".").split(" ")  # cut between words, not inside one
        assert all(word.lower() in vocab.PROSE_WORDS for word in words), person


def test_a_records_urls_name_its_own_collection(tmp_path) -> None:
    """`/people/{id}` answers people whose URLs say /people/ (the path's plural, not `persons`), and
    a request-only PersonPatch never becomes a collection."""
    document = tmp_path / "people.yaml"
    document.write_text("""
openapi: 3.0.3
info: {title: people, version: '1'}
paths:
  /people/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get:
      responses:
        '200':
          description: one
          content: {application/json: {schema: {$ref: '#/components/schemas/Person'}}}
    patch:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/PersonPatch'}}}}
      responses:
        '200':
          description: one
          content: {application/json: {schema: {$ref: '#/components/schemas/Person'}}}
components:
  schemas:
    Person:
      type: object
      required: [id, url, tags]
      properties:
        id: {type: string}
        url: {type: string, format: uri}
        tags: {type: array, items: {$ref: '#/components/schemas/Tag'}}
    Tag:
      type: object
      required: [name]
      properties: {name: {type: string}}
    PersonPatch:
      type: object
      properties: {url: {type: string, format: uri}}
""")
    api = load_api(document)
    op = next(o for o in api.operations.values() if o.method == "get")
    generator = RecordGenerator(api.document)
    for n in range(20):
        person = generator.generate(op.responses[200].schema, key=(op.operation_id, "200", f"p{n}"))
        assert re.fullmatch(r"https://[a-z.]+/people/[0-9a-f-]{36}", person["url"]), person
        assert all(re.fullmatch(r"[a-z]+", tag["name"]) for tag in person["tags"]), person


@pytest.mark.parametrize("document", [REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml",
                                      REPO / "tests" / "data" / "specs" / "museum-3.1.yaml",
                                      REPO / "tests" / "data" / "anydoc" / "todos-3.1.yaml", NOTES],
                         ids=lambda path: path.stem)
def test_no_document_gets_a_schemas_name_as_a_value(document) -> None:
    """Every declared response of every operation, 20 records each: no string is a schema's name."""
    api = load_api(document)
    declared = [str(name) for name in (api.document.get("components") or {}).get("schemas") or {}]
    names = {name.lower() for name in declared}
    names |= {" ".join(re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", name)).lower() for name in declared}
    generator = RecordGenerator(api.document)
    found = set()
    for op in api.operations.values():
        for status, declared in op.responses.items():
            if declared.schema is not None:
                for n in range(20):
                    record = generator.generate(declared.schema, key=(op.operation_id, str(status), f"r{n}"))
                    found |= {value for _, value in leaves(record) if isinstance(value, str) and value.lower() in names}
    assert found == set()


def test_a_pets_photos_are_pictures_not_faces() -> None:
    api = load_api(REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml")
    op = api.operations["getPetById"]
    generator = RecordGenerator(api.document)
    photos = [url for n in range(10) for url in generator.generate(
        op.responses[200].schema, key=("getPetById", "200", f"p{n}")).get("photoUrls", [])]
    assert photos and all(url.startswith("https://picsum.photos/seed/") for url in photos), photos
