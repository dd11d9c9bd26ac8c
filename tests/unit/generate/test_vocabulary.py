"""Records speak their document's domain: billing words only where a document says it is a
billing API (the bundled Lago and Sequence contracts), a generic vocabulary from the document's
own nouns elsewhere, and a field's own examples first."""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from mockserver.contract.operations import load_api
from mockserver.generate import RecordGenerator
from mockserver.generate import vocab
from tests.mockserver_process import REPO

SPECS = REPO / "tests" / "data" / "specs"
ANYDOC = REPO / "tests" / "data" / "anydoc"

# Every word of the billing vocabulary that no other domain would use by chance.
BILLING_WORDS = sorted({
    *(label for resource in vocab.RESOURCES for label in resource.labels),
    *(resource.snake for resource in vocab.RESOURCES), *(resource.plural for resource in vocab.RESOURCES),
    *vocab.REASONS, "billing", "invoice", "subscription", "billable", "coupon", "wallet",
} - {"Storage", "Seats", "Messages Sent", "Transactions", "Active Users", "Bandwidth", "Basic", "Pro Annual",
     "plan", "plans", "tax", "taxes", "customer", "customers", "Refund", "Growth", "Premium", "Scale"})


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def generated(path, count: int = 25) -> list[Any]:
    """`count` records for every declared response of every operation of the document."""
    api = load_api(path)
    generator = RecordGenerator(api.document)
    records = []
    for op in api.operations.values():
        for status, declared in op.responses.items():
            if declared.schema is not None:
                records += [generator.generate(declared.schema, key=(op.operation_id, str(status), f"r{n}"))
                            for n in range(count)]
    return records


@pytest.mark.parametrize("document", [SPECS / "petstore-3.0.yaml", SPECS / "museum-3.1.yaml", ANYDOC / "todos-3.1.yaml"],
                         ids=lambda path: path.stem)
def test_no_billing_word_in_a_non_billing_documents_records(document) -> None:
    pattern = re.compile("|".join(re.escape(word) for word in BILLING_WORDS), re.IGNORECASE)
    found = sorted({match.group(0) for text in strings(generated(document)) for match in pattern.finditer(text)})
    assert found == [], f"billing words in {document.name}'s records: {found}"


def test_the_bundled_billing_contracts_keep_their_vocabulary() -> None:
    for name in ("lago", "sequence"):
        api = load_api(REPO / "openapi" / f"{name}.yaml")
        assert api.document["x-mock-vocabulary"] == "billing"
        assert vocab.for_document(api.document) is vocab.BILLING
    text = " ".join(strings(generated(REPO / "openapi" / "lago.yaml", count=10)))
    assert re.search(r"billing_metric|plan|invoice|subscription|coupon|wallet|add_on|tax", text)


def test_a_generic_vocabulary_is_made_of_the_documents_own_nouns() -> None:
    petstore = load_api(SPECS / "petstore-3.0.yaml").document
    assert vocab.document_nouns(petstore) == ("order", "category", "user", "tag", "pet")
    museum = load_api(SPECS / "museum-3.1.yaml").document
    assert "special_event" in vocab.document_nouns(museum) and "ticket" in vocab.document_nouns(museum)
    assert vocab.for_document(petstore).name == "generic"


def test_a_fields_own_examples_come_first() -> None:
    todos = generated(ANYDOC / "todos-3.1.yaml", count=5)
    titles = {todo["title"] for record in todos for todo in (record if isinstance(record, list) else [record])
              if isinstance(todo, dict) and "title" in todo}
    assert titles == {"Buy milk"}
    museum = load_api(SPECS / "museum-3.1.yaml")
    op = museum.operations["getSpecialEvent"]
    generator = RecordGenerator(museum.document)
    names = {generator.generate(op.responses[200].schema, key=("getSpecialEvent", "200", f"e{n}"))["name"]
             for n in range(30)}
    assert names == {"Pirate Coding Workshop"}  # EventName's one example
    # ids are never taken from examples: records must differ
    ids = {generator.generate(op.responses[200].schema, key=("getSpecialEvent", "200", f"e{n}"))["eventId"]
           for n in range(5)}
    assert len(ids) == 5


def test_several_examples_vary_deterministically(tmp_path) -> None:
    """A 3.1 `examples` list: every record takes one of them, the same one for the same key."""
    document = tmp_path / "colours.yaml"
    document.write_text("""
openapi: 3.1.0
info: {title: colours, version: '1'}
paths:
  /colours/{colourId}:
    get:
      parameters: [{name: colourId, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: one colour
          content:
            application/json:
              schema:
                type: object
                required: [colourId, name]
                properties:
                  colourId: {type: string}
                  name: {type: string, examples: [Red, Green, Blue]}
""")
    api = load_api(document)
    op = next(iter(api.operations.values()))
    generator = RecordGenerator(api.document)
    names = [generator.generate(op.responses[200].schema, key=("c", str(n)))["name"] for n in range(40)]
    assert set(names) == {"Red", "Green", "Blue"}
    assert names == [RecordGenerator(api.document).generate(op.responses[200].schema, key=("c", str(n)))["name"]
                     for n in range(40)]
