"""Acceptance c: the HTML report opens in headless Chromium and its effects table is visible."""

from __future__ import annotations

from playwright.sync_api import expect

from sim.analysis.report import write_report
from tests.analysis_experiments import small_experiments


def test_report_effects_table_is_visible(page, tmp_path_factory, tmp_path):
    folders = small_experiments(tmp_path_factory.getbasetemp() / "analysis_experiments")
    html = write_report(folders["experiment"], tmp_path / "report.html")
    page.goto(html.resolve().as_uri())
    table = page.locator("#T_effects")
    expect(table).to_be_visible()
    expect(table.locator("caption")).to_contain_text("Paired differences versus scenario=baseline")
    expect(table.locator("tbody tr").first).to_contain_text("full_reform")
    assert table.locator("tbody tr").count() >= 4
    # figures are embedded and decode in the browser (no network needed)
    first_image = page.locator("figure img").first
    assert first_image.evaluate("img => img.complete && img.naturalWidth > 0")
