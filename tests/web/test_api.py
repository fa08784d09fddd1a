"""The REST API: writes need a lab token, labs touch only their own preprints, and status is
the gate's alone; bad input gets a clear 4xx; a restart loses nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from preprints import Status, Store
from tests.preprints.fakes import hashing_embedder, png_bytes
from tests.web.conftest import Site, body
from web import create_app


def test_writes_need_a_valid_token(site: Site) -> None:
    missing = site.client.post("/api/preprints", json=body())
    assert missing.status_code == 401
    assert "rxlab labs create" in missing.json()["detail"]
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = site.client.post(
        "/api/preprints", json=body(), headers={"Authorization": "Bearer rxl_000000000000_x"}
    )
    assert wrong.status_code == 401 and "not valid" in wrong.json()["detail"]
    assert site.client.get("/api/labs/me", headers=site.auth("beta")).json()["name"] == "beta"
    assert site.client.get("/api/preprints").json()["total"] == 0


def test_post_read_versions_and_lineage(site: Site) -> None:
    first = site.client.post("/api/preprints", json=body("Base"), headers=site.auth("alpha"))
    assert first.status_code == 201
    pid = first.json()["preprint_id"]
    assert first.json()["status"] == "submitted" and first.json()["lab"] == "alpha"
    child = site.client.post(
        "/api/preprints", json=body("Child", builds_on=[pid]), headers=site.auth("beta")
    ).json()
    revised = site.client.post(
        f"/api/preprints/{pid}/versions", json=body("Base v2"), headers=site.auth("alpha")
    )
    assert revised.status_code == 201 and revised.json()["version"] == 2
    assert site.client.get(f"/api/preprints/{pid}").json()["title"] == "Base v2"
    assert site.client.get(f"/api/preprints/{pid}/versions/1").json()["title"] == "Base"
    versions = site.client.get(f"/api/preprints/{pid}/versions").json()
    assert [v["version"] for v in versions] == [1, 2]
    cited = site.client.get(f"/api/preprints/{pid}/cited-by").json()
    assert [c["preprint_id"] for c in cited] == [child["preprint_id"]]
    graph = site.client.get(f"/api/preprints/{pid}/lineage").json()
    assert {"citing": child["preprint_id"], "cited": pid} in graph["edges"]
    assert site.client.get("/api/preprints", params={"lab": "beta"}).json()["total"] == 1


def test_lab_a_cannot_revise_lab_bs_preprint(site: Site) -> None:
    pid = site.client.post("/api/preprints", json=body("B's"), headers=site.auth("beta")).json()[
        "preprint_id"
    ]
    attempt = site.client.post(
        f"/api/preprints/{pid}/versions", json=body("Taken over"), headers=site.auth("alpha")
    )
    assert attempt.status_code == 403
    assert "belongs to lab 'beta'" in attempt.json()["detail"]
    assert site.client.get(f"/api/preprints/{pid}").json()["title"] == "B's"
    assert len(site.client.get(f"/api/preprints/{pid}/versions").json()) == 1


def test_a_lab_cannot_set_verified(site: Site) -> None:
    as_verified = body("Trust me", status="verified")
    refused = site.client.post("/api/preprints", json=as_verified, headers=site.auth("alpha"))
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "status"]
    pid = site.client.post("/api/preprints", json=body(), headers=site.auth("alpha")).json()[
        "preprint_id"
    ]
    for method in ("put", "patch"):
        response = site.client.request(
            method, f"/api/preprints/{pid}", json={"status": "verified"}, headers=site.auth("alpha")
        )
        assert response.status_code == 405
    revised = site.client.post(
        f"/api/preprints/{pid}/versions", json=as_verified, headers=site.auth("alpha")
    )
    assert revised.status_code == 422
    assert site.client.get(f"/api/preprints/{pid}").json()["status"] == "submitted"
    # no request body anywhere in the API can carry a status
    spec = site.client.get("/openapi.json").json()
    for name, schema in spec["components"]["schemas"].items():
        if name.endswith("Create"):
            assert "status" not in schema.get("properties", {}), name
    # the in-process gate can
    site.store.record_gate_decision(pid, Status.rejected)
    assert site.client.get(f"/api/preprints/{pid}").json()["status"] == "rejected"


def test_oversized_bodies_are_refused(site: Site) -> None:
    big = body("Big", body="x" * (3 * 1024 * 1024))
    declared = site.client.post("/api/preprints", json=big, headers=site.auth("alpha"))
    assert declared.status_code == 413 and "limit" in declared.json()["detail"]

    def chunks():  # no Content-Length: the middleware counts the streamed bytes
        for _ in range(40):
            yield b"x" * 100_000

    streamed = site.client.post(
        "/api/preprints",
        content=chunks(),
        headers={**site.auth("alpha"), "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    assert site.client.get("/api/preprints").json()["total"] == 0


def test_bad_input_gets_clear_4xx(site: Site) -> None:
    auth = {**site.auth("alpha"), "Content-Type": "application/json"}
    cases = {
        b"{not json": 422,
        b'{"title": "a\\u0000b"}': 422,
        b'{"title": "t", "claims": [{"metric": "m", "value": NaN}]}': 422,
        b'{"title": "t", "claims": [{"metric": "m", "value": 1, "spec": {"x": Infinity}}]}': 422,
        b'{"title": "t", "builds_on": ["rx-0000000000"]}': 422,
        b'{"title": "t", "figures": ["' + b"a" * 64 + b'"]}': 422,
        b'{"title": ""}': 422,
        b"[1, 2]": 422,
    }
    for raw, status in cases.items():
        response = site.client.post("/api/preprints", content=raw, headers=auth)
        assert response.status_code == status, (raw, response.text)
        assert response.json()["detail"]
    assert site.client.get("/api/preprints/nope").status_code == 404
    assert site.client.get("/api/preprints/x/versions/0").status_code == 422
    assert site.client.get("/api/search", params={"q": "x", "mode": "psychic"}).status_code == 422
    assert site.client.get("/api/search", params={"q": "x", "limit": 10**30}).status_code == 422
    assert site.client.get("/api/preprints", params={"since": "yesterday"}).status_code == 422


def test_figures_upload_and_serve(site: Site) -> None:
    data = png_bytes()
    headers = {**site.auth("alpha"), "Content-Type": "image/png"}
    up = site.client.post(
        "/api/figures", params={"filename": "acc.png"}, content=data, headers=headers
    )
    assert up.status_code == 201
    sha = up.json()["sha256"]
    served = site.client.get(f"/figures/{sha}")
    assert served.content == data and served.headers["content-type"] == "image/png"
    assert "immutable" in served.headers["cache-control"]
    assert site.client.get(f"/api/figures/{sha}").json()["filename"] == "acc.png"
    svg = site.client.post(
        "/api/figures",
        params={"filename": "x.svg"},
        content=b"<svg onload=alert(1)>",
        headers={**site.auth("alpha"), "Content-Type": "image/svg+xml"},
    )
    assert svg.status_code == 415
    anonymous = site.client.post("/api/figures", params={"filename": "a.png"}, content=data)
    assert anonymous.status_code == 401
    assert site.client.get("/figures/" + "0" * 64).status_code == 404


def test_figure_limit_is_separate_and_enforced(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'f.db'}", embedder=hashing_embedder)
    token = store.create_lab("alpha")[1]
    app = create_app(store=store, max_body_bytes=10_000, max_figure_bytes=2_000)
    with TestClient(app) as client:
        response = client.post(
            "/api/figures",
            params={"filename": "a.png"},
            content=png_bytes(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "image/png"},
        )
    assert response.status_code == 413


def test_search_endpoint(site: Site) -> None:
    for title in ("Majority voting", "Critic ranking", "Voting with critics"):
        site.client.post("/api/preprints", json=body(title), headers=site.auth("alpha"))
    text = site.client.get("/api/search", params={"q": "voting", "mode": "text"}).json()
    assert {h["preprint"]["title"] for h in text["hits"]} == {
        "Majority voting",
        "Voting with critics",
    }
    assert all("<mark>" in h["snippet"] for h in text["hits"])
    hybrid = site.client.get("/api/search", params={"q": "voting critics"}).json()
    assert hybrid["mode"] == "hybrid"
    assert hybrid["hits"][0]["preprint"]["title"] == "Voting with critics"
    none = site.client.get("/api/search", params={"q": "voting", "status": "verified"}).json()
    assert none["hits"] == []


def test_restarting_the_server_loses_nothing(site: Site) -> None:
    pid = site.client.post(
        "/api/preprints", json=body("Durable"), headers=site.auth("alpha")
    ).json()["preprint_id"]
    site.client.post(
        f"/api/preprints/{pid}/versions", json=body("Durable v2"), headers=site.auth("alpha")
    )
    site.client.close()
    site.store.close()
    store = Store(site.url, embedder=hashing_embedder)
    with TestClient(create_app(store=store)) as client:
        assert client.get(f"/api/preprints/{pid}").json()["title"] == "Durable v2"
        assert len(client.get(f"/api/preprints/{pid}/versions").json()) == 2
        assert (
            client.get("/api/search", params={"q": "durable"}).json()["hits"][0]["preprint"][
                "preprint_id"
            ]
            == pid
        )
        again = client.post(
            f"/api/preprints/{pid}/versions", json=body("v3"), headers=site.auth("alpha")
        )
        assert again.status_code == 201 and again.json()["version"] == 3
    store.close()
