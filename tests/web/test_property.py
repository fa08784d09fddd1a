"""Property tests: schemathesis drives every API operation from the served OpenAPI document and
finds no 500s and no responses outside the documented schemas; hypothesis does the same for the
pages' query strings and paths."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from preprints import Status, Store, VerdictCreate
from tests.preprints.fakes import hashing_embedder, preprint
from tests.web.goal_fakes import scripted_runner
from web import create_app

EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass
class Seeded:
    store: Store
    token: str
    pid: str


@pytest.fixture
def seeded(tmp_path: Path) -> Seeded:
    store = Store(f"sqlite:///{tmp_path / 'prop.db'}", embedder=hashing_embedder)
    token = store.create_lab("alpha")[1]
    first = store.post("alpha", preprint("Seed voting"))
    store.post("alpha", preprint("Seed child", builds_on=[first.preprint_id]))
    verdict = VerdictCreate(claim=0, reproduced=True, value=0.6)
    store.record_gate_decision(first.preprint_id, Status.verified, verdicts=[verdict])
    return Seeded(store, token, first.preprint_id)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_has_no_server_errors_or_schema_violations(
    seeded: Seeded, mode: GenerationMode
) -> None:
    app = create_app(store=seeded.store)
    app.state.goal_runner = scripted_runner()  # valid goals must not start real labs here
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 10
    auth = {"Authorization": f"Bearer {seeded.token}"}

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: Case) -> None:
            headers = auth if case.method == "POST" else None
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            # an operation without parameters or body has no invalid input to generate
            assert mode is GenerationMode.NEGATIVE, operation.label


PAGE_PARAMS = ("q", "mode", "status", "lab", "goal", "task", "since", "until", "page")


@pytest.fixture
def client(seeded: Seeded) -> Iterator[TestClient]:
    with TestClient(create_app(store=seeded.store), raise_server_exceptions=False) as client:
        yield client


@given(params=st.dictionaries(st.sampled_from(PAGE_PARAMS), st.text(max_size=40), max_size=6))
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
def test_index_page_never_fails(params: dict[str, str], client: TestClient) -> None:
    response = client.get("/", params=params)
    assert response.status_code == 200, response.text


@given(segment=st.text(min_size=1, max_size=30))
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_preprint_pages_answer_4xx_for_junk(
    segment: str, client: TestClient, seeded: Seeded
) -> None:
    quoted = quote(segment, safe="")
    for path in (f"/preprints/{quoted}", f"/preprints/{quoted}.md", f"/figures/{quoted}"):
        response = client.get(path)
        assert 400 <= response.status_code < 500, (path, response.text)
    assert client.get(f"/preprints/{seeded.pid}").status_code == 200
