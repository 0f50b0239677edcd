"""What a phone downloads for the form: page plus assets ≤ 15,000 B gzip, every asset compressed,
content-hashed and cacheable for a year (issue 12, target 5). Sizes only: nothing is timed."""

from __future__ import annotations

from flask.testing import FlaskClient

from benchmarks.form_page import BUDGET, page_and_assets
from survey_app.assets import IMMUTABLE


def test_page_and_assets_fit_the_budget_compressed_and_cached(
    client: FlaskClient, survey: dict
) -> None:
    downloads, external = page_and_assets(client, "/s/SNV-1")
    assert external == []
    assert BUDGET == 15_000
    total = sum(d.sent for d in downloads)
    assert total <= BUDGET, [(d.url, d.sent) for d in downloads]
    page, *assets = downloads
    assert page.encoding == "gzip"
    assert {d.url.split("?")[0] for d in assets} == {"/static/citizen.css", "/static/citizen.js"}
    for asset in assets:
        assert asset.encoding == "gzip", asset
        assert asset.sent < asset.raw / 2, asset
        assert asset.cache_control == IMMUTABLE, asset
