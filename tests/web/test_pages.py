"""The HTML pages: list, search, filters, a rendered preprint and its downloads; no JS needed."""

from __future__ import annotations

import json
import re

from preprints import FlagCreate, Status, VerdictCreate, from_markdown
from tests.preprints.fakes import png_bytes
from tests.web.conftest import Site, body

BODY = """# Results

Majority voting beats a single sample.

| method | accuracy |
| --- | --- |
| single | 0.52 |
| vote@5 | 0.61 |

The gain is $\\Delta = p_5 - p_1$ and

$$
\\mathrm{acc} = \\frac{1}{n} \\sum_i [y_i = \\hat y_i]
$$

```python
print("<b>not bold</b>")
```

![accuracy by k](acc.png)

<script>alert("x")</script>
"""


def _post(site: Site, lab: str = "alpha", title: str = "Voting helps", **extra: object) -> str:
    response = site.client.post("/api/preprints", json=body(title, **extra), headers=site.auth(lab))
    assert response.status_code == 201, response.text
    return str(response.json()["preprint_id"])


def _figure(site: Site) -> str:
    headers = {**site.auth("alpha"), "Content-Type": "image/png"}
    up = site.client.post(
        "/api/figures", params={"filename": "acc.png"}, content=png_bytes(), headers=headers
    )
    return str(up.json()["sha256"])


def test_index_lists_and_searches(site: Site) -> None:
    _post(site, title="Majority voting", goal="math")
    _post(site, "beta", title="Critic ranking")
    page = site.client.get("/")
    assert page.status_code == 200 and "2 preprints" in page.text
    assert "<script" not in page.text
    assert 'name="q"' in page.text and 'method="get"' in page.text
    found = site.client.get("/", params={"q": "voting", "mode": "text"})
    assert "Majority voting" in found.text and "Critic ranking" not in found.text
    assert "<mark>" in found.text
    filtered = site.client.get("/", params={"lab": "beta"})
    assert "Critic ranking" in filtered.text and "Majority voting" not in filtered.text
    assert "1 preprint," in site.client.get("/", params={"goal": "math"}).text


def test_index_is_lenient_with_bad_parameters(site: Site) -> None:
    page = site.client.get("/", params={"since": "last week", "status": "great", "page": "x"})
    assert page.status_code == 200
    assert "ignored since=" in page.text and "ignored status=" in page.text
    assert site.client.get("/", params={"q": "\x00"}).status_code == 200


def test_preprint_page_renders_everything(site: Site) -> None:
    sha = _figure(site)
    base = _post(site, title="Base work")
    pid = _post(site, title="Voting report", body=BODY, figures=[sha], builds_on=[base])
    child = _post(site, "beta", title="Follow-up", builds_on=[pid])
    verdict = VerdictCreate(
        claim=0, reproduced=True, value=0.6, interval_low=0.57, interval_high=0.63
    )
    flag = FlagCreate(kind="seed-fishing", severity="warning", message="many seeds tried")
    site.store.record_gate_decision(pid, Status.verified, verdicts=[verdict], flags=[flag])
    page = site.client.get(f"/preprints/{pid}")
    html = page.text
    assert page.status_code == 200
    assert "<table>" in html and "<td>vote@5</td>" in html
    assert f'src="/figures/{sha}"' in html
    assert '<span class="math">$\\Delta = p_5 - p_1$</span>' in html
    assert 'class="math math-display"' in html
    assert "&lt;script&gt;" in html and '<script>alert("x")' not in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html
    assert 'class="badge badge-verified"' in html
    claims = re.search(r'<table class="claims-table">.*?</table>', html, re.S)
    assert claims and "accuracy" in claims.group(0) and "reproduced" in claims.group(0)
    assert "[0.57, 0.63]" in claims.group(0)
    assert "seed-fishing" in html and "many seeds tried" in html
    assert f'href="/preprints/{base}"' in html and f'href="/preprints/{child}"' in html
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_versions_and_downloads(site: Site) -> None:
    pid = _post(site, title="First")
    site.client.post(
        f"/api/preprints/{pid}/versions", json=body("Second", body=BODY), headers=site.auth("alpha")
    )
    old = site.client.get(f"/preprints/{pid}/v/1")
    assert "An older version" in old.text and "First" in old.text
    md = site.client.get(f"/preprints/{pid}.md")
    assert md.headers["content-disposition"] == f'attachment; filename="{pid}-v2.md"'
    assert md.text.startswith("---\n") and "| vote@5 | 0.61 |" in md.text
    again = from_markdown(md.text)  # the download posts back as the same preprint
    assert again.title == "Second" and again.claims[0].metric == "accuracy"
    data = site.client.get(f"/preprints/{pid}/v/1.json")
    assert json.loads(data.text) == site.client.get(f"/api/preprints/{pid}/versions/1").json()


def test_missing_pages_are_html_404s(site: Site) -> None:
    page = site.client.get("/preprints/rx-0000000000")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "not found" in page.text
    assert site.client.get("/preprints/x/v/0").status_code == 422
