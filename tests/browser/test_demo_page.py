"""The teaching dashboard in headless Chromium (issue 6, acceptance a, c and d).

The real server is started through ``zonesim-demo``'s entry point on a free loopback port; every
request to an address other than loopback is blocked, so the page must render from locally
served assets (``zonesim-demo-assets``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from sim.demo import assets
from sim.demo.controller import BUTTONS

START_TIMEOUT_S = 90
LOAD_TIMEOUT_MS = 60_000
HOVER_STEP_PX = 8
HOVER_ATTEMPTS = 3
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
CHART_SETTLE_MS = 1500  # the browser redraws a Vega-Lite chart after the new spec arrives


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (Linux /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, hexport = local.split(":")
            if state == "0A" and int(hexport, 16) == port:  # 0A = LISTEN
                raw = bytes.fromhex(addr)
                if len(raw) == 4:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


@pytest.fixture(scope="module")
def demo_server():
    """``zonesim-demo --port <free>``, started without any other flag; its URL."""
    if assets.missing(assets.cache_dir()):
        pytest.fail(f"web assets missing in {assets.cache_dir()}: run zonesim-demo-assets")
    port = _free_port()
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.demo.cli", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and proc.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(f"demo server did not start: {proc.stdout.read() if proc.stdout else ''}")
    yield {"url": f"http://127.0.0.1:{port}/", "port": port}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def open_page(browser, demo_server):
    """Open the dashboard in a fresh browser context (a new session) with the network cut off
    beyond loopback; returns (page, blocked requests)."""
    contexts = []

    def _open():
        context = browser.new_context(viewport={"width": 1400, "height": 1600})
        contexts.append(context)
        blocked: list[str] = []

        def offline(route):
            if urlparse(route.request.url).hostname in LOOPBACK:
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort("internetdisconnected")

        context.route("**/*", offline)
        page = context.new_page()
        page.goto(demo_server["url"])
        expect(page.get_by_role("button", name=BUTTONS["month"])).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        return page, blocked

    yield _open
    for context in contexts:
        context.close()


def _scoreboard(page):
    return page.locator(".zonesim-scoreboard")


def _hover_a_zone(page) -> str:
    """Sweep the mouse over the reform's map until a zone's tooltip appears; its text.
    The map is redrawn after each step, so a sweep that loses it starts again."""
    plot = page.locator(".zonesim-region canvas, .zonesim-region svg.marks").first
    tooltip = page.locator("#vg-tooltip-element.visible")
    for _ in range(HOVER_ATTEMPTS):
        expect(plot).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        box = plot.bounding_box()
        if box is None:  # redrawn between the check and the measure
            continue
        for y in range(int(box["y"]), int(box["y"] + box["height"]), HOVER_STEP_PX):
            for x in range(int(box["x"]), int(box["x"] + box["width"]), HOVER_STEP_PX):
                page.mouse.move(x, y)
                if tooltip.count():
                    return tooltip.inner_text()
    return ""


def _step(page, times: int, month: str, button: str = "month"):
    for _ in range(times):
        expect(page.get_by_role("button", name=BUTTONS[button])).to_be_enabled(timeout=LOAD_TIMEOUT_MS)
        page.get_by_role("button", name=BUTTONS[button]).click()
    expect(_scoreboard(page)).to_contain_text(f"Month {month}", timeout=LOAD_TIMEOUT_MS)


def test_server_without_flags_listens_on_loopback_only(demo_server):
    assert _listening_addresses(demo_server["port"]) == {"127.0.0.1"}


def test_page_renders_offline_with_controls_and_charts(open_page, tmp_path):
    page, blocked = open_page()
    for label in (
        "Consolidation 整合优化",
        "Powers devolved to zones 赋权事项",
        "Regional-assessment items 区域评",
        "One-stop agent service 一站式代办",
        "Assessment-ranking 亩产论英雄",
        "Zombie-firm disposal 处置僵尸企业",
    ):
        expect(page.get_by_text(label)).to_be_visible()
    for key in ("reset", "play", "month", "year", "end"):
        expect(page.get_by_role("button", name=BUTTONS[key])).to_be_visible()
    _step(page, 3, "2015-03")
    expect(page.locator(".zonesim-outcomes canvas, .zonesim-outcomes svg.marks").first).to_be_visible()
    tooltip = _hover_a_zone(page)  # the region map is drawn, and hovering a zone shows its figures
    assert "zone 开发区" in tooltip and "output 亿 yuan/yr" in tooltip and "firms 企业" in tooltip, tooltip
    shot = tmp_path / "zonesim_demo.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 10_000
    assert blocked == [], f"the page tried to leave this machine: {blocked}"


def test_a_control_changes_the_charts_and_reset_rebuilds(open_page):
    page, _ = open_page()
    _step(page, 2, "2015-02")
    chart = page.locator(".zonesim-outcomes")  # drawn by the browser (Vega-Lite): compare what it shows
    expect(chart.locator("canvas, svg.marks").first).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    page.wait_for_timeout(CHART_SETTLE_MS)
    default_run = chart.screenshot()
    default_board = _scoreboard(page).inner_text()

    seed = page.get_by_label("Random seed (both runs) 随机种子")
    seed.fill("7")
    seed.press("Enter")
    page.get_by_role("button", name=BUTTONS["reset"]).click()
    expect(_scoreboard(page)).to_contain_text("Month before 2015-01", timeout=LOAD_TIMEOUT_MS)
    _step(page, 2, "2015-02")
    page.wait_for_timeout(CHART_SETTLE_MS)
    assert chart.screenshot() != default_run
    assert _scoreboard(page).inner_text() != default_board


def test_two_browser_sessions_do_not_share_a_model(open_page):
    first, _ = open_page()
    second, _ = open_page()
    _step(first, 2, "2015-02")
    expect(_scoreboard(second)).to_contain_text("Month before 2015-01")
    _step(second, 1, "2015-01")
    expect(_scoreboard(first)).to_contain_text("Month 2015-02")


def test_a_year_is_twelve_months_and_run_to_end_stops_exactly_at_the_end(open_page):
    """Acceptance a (issue 18): "+1 year" advances 12 months; "Run to end" stops at time.end (2030-12),
    after which the buttons that move the run are disabled."""
    page, blocked = open_page()
    _step(page, 1, "2015-01")
    _step(page, 1, "2016-01", button="year")
    page.get_by_role("button", name=BUTTONS["end"]).click()
    expect(_scoreboard(page)).to_contain_text("Month 2030-12", timeout=LOAD_TIMEOUT_MS)
    expect(page.locator(".zonesim-status")).to_contain_text("Run complete: 2030-12")
    for key in ("month", "year", "end", "play"):
        expect(page.get_by_role("button", name=BUTTONS[key])).to_be_disabled()
    assert blocked == []


def test_projector_view_fits_one_screen(open_page):
    """Acceptance a (issue 18): at 1366×768 the projector view shows the map, the four outcome charts,
    the scoreboard and the event feed without scrolling."""
    from sim.demo.app import PROJECTOR_LABEL

    page, blocked = open_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    page.get_by_text(PROJECTOR_LABEL).click()
    _step(page, 1, "2015-12", button="year")
    page.wait_for_timeout(CHART_SETTLE_MS)
    for selector in (
        ".zonesim-region canvas, .zonesim-region svg.marks",
        ".zonesim-outcomes canvas, .zonesim-outcomes svg.marks",
        ".zonesim-scoreboard",
        ".zonesim-feed",
    ):
        element = page.locator(selector).first
        expect(element).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        box = None
        for _ in range(HOVER_ATTEMPTS):  # a chart redrawn between the check and the measure has no box
            box = element.bounding_box()
            if box is not None:
                break
            page.wait_for_timeout(CHART_SETTLE_MS)
        assert box is not None, selector
        assert box["x"] >= 0 and box["y"] >= 0, selector
        assert box["x"] + box["width"] <= 1366 and box["y"] + box["height"] <= 768, (selector, box)
    assert page.evaluate("() => document.scrollingElement.scrollHeight") <= 768 + 1  # nothing below the fold
    assert blocked == []


def test_chinese_renders_with_the_bundled_font(browser, demo_server):
    """Acceptance a (issue 18): the page asks for the bundled Noto Sans SC (served from the local
    asset cache, nothing from the network) and the browser has it loaded for the Chinese it shows;
    the charts are SVG, so their text is redrawn once the font is there."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    fonts: list[str] = []
    blocked: list[str] = []

    def offline(route):
        url = route.request.url
        if urlparse(url).hostname in LOOPBACK:
            if "noto-sans-sc" in url:
                fonts.append(url)
            route.continue_()
        else:
            blocked.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", offline)
    page = context.new_page()
    page.goto(demo_server["url"])
    expect(page.get_by_role("button", name=BUTTONS["year"])).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    _step(page, 1, "2015-12", button="year")
    page.wait_for_function("() => document.fonts.check(\"16px 'Noto Sans SC'\", '开发区改革')", timeout=LOAD_TIMEOUT_MS)
    assert any(u.endswith("/400.css") for u in fonts) and any(u.endswith(".woff2") for u in fonts), fonts
    loaded = page.evaluate(
        "() => [...document.fonts].filter(f => f.family.includes('Noto Sans SC') && f.status === 'loaded').length"
    )
    assert loaded >= 1
    expect(page.locator(".zonesim-outcomes svg.marks").first).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert blocked == []
    context.close()
