"""A classroom's load on the dashboard: N browser sessions stepping a year at the same moment.

    python -m sim.demo.loadtest --sessions 10          # make load-test
    python -m sim.demo.loadtest --sessions 30 --years 2

Starts ``zonesim-demo`` on a free loopback port, opens N sessions in headless Chromium (each its
own browser context, so its own reform/baseline pair; one a second, as a class opens its tabs),
and then has every session press "+1 year" at once, ``--years`` times.  For each press it
measures the time from the click until that session's scoreboard shows the new month: what a
student waits for (server step, redraw and the browser's
drawing; an upper bound on the server's share).  It also reads the server's memory (resident set)
before the sessions open, at its peak and after they close, how many sessions' runs are still alive
once the tabs have closed (:mod:`sim.demo.sessions`), and counts tracebacks in the server's log.
The table is printed and written to ``multirun/loadtest/sessions_<N>.txt``; the command exits 1 if
a session failed, the server logged an exception, its median CPU per month reached
:data:`TARGET_MS_PER_MONTH` or a closed session's runs were not freed.

Needs Playwright and the system Chromium (as the browser tests); not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from sim.demo import sessions, timing
from sim.demo.controller import BUTTONS
from sim.demo.sessions import rss_mib
from sim.exit_codes import EXIT_FAILURES, EXIT_OK
from sim.runner.files import write_text

CHROMIUM = "/usr/bin/chromium"
START_TIMEOUT_S = 90
OPEN_INTERVAL_S = 1.0
"""Seconds between two sessions opening their page."""
CULL_S = 5
"""Seconds a closed session is kept before the server frees it, in this test."""
LOAD_TIMEOUT_MS = 120_000
OUT_DIR = Path("multirun") / "loadtest"
TARGET_MS_PER_MONTH = 50.0
"""The server's median CPU time per month advanced (model months and the redraw they cause)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``zonesim-demo`` in a subprocess, its log collected, its memory sampled."""

    def __init__(self, port: int):
        # closed tabs' sessions are freed after CULL_S (the dashboard's default is minutes), so the
        # memory after the sessions close can be read
        env = {
            **os.environ,
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
            "SOLARA_KERNEL_CULL_TIMEOUT": f"{CULL_S}s",
            timing.ENV: "1",  # the server logs each press's own time (sim.demo.timing)
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sim.demo.cli", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.log: list[str] = []
        self.peak = 0.0
        self._stop = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._sample, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and self.proc.poll() is None:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.3)
        self.close()
        raise RuntimeError("the dashboard server did not start:\n" + "".join(self.log[-40:]))

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.log.append(line)

    def _sample(self) -> None:
        while not self._stop.is_set() and self.proc.poll() is None:
            self.peak = max(self.peak, rss_mib(self.proc.pid))
            time.sleep(0.2)

    def rss(self) -> float:
        return rss_mib(self.proc.pid)

    def exceptions(self) -> list[str]:
        return [line for line in self.log if "Traceback" in line or "Exception" in line or "Error" in line]

    def close(self) -> None:
        self._stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def session_presses(browser, url: str, years: int, start: asyncio.Event, delay: float) -> list[float]:
    """One session: open the page ``delay`` seconds in (a class does not open its tabs in the same
    instant), wait for the common start, press "+1 year" ``years`` times; the seconds from each
    click until the scoreboard shows the new month."""
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = await context.new_page()
        await page.goto(url, timeout=LOAD_TIMEOUT_MS)
        button = page.get_by_role("button", name=BUTTONS["year"])
        await button.wait_for(timeout=LOAD_TIMEOUT_MS)
        board = page.locator(".zonesim-scoreboard")
        await start.wait()
        waits = []
        for year in range(years):
            month = f"Month {2015 + year}-12"
            started = time.perf_counter()
            await button.click()
            await board.get_by_text(month).wait_for(timeout=LOAD_TIMEOUT_MS)
            waits.append(time.perf_counter() - started)
        return waits
    finally:
        await context.close()


async def run_sessions(url: str, sessions: int, years: int) -> tuple[list[float], list[str]]:
    """All sessions at once; the waits of every press, and why each failed session failed."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        start = asyncio.Event()
        tasks = [
            asyncio.create_task(session_presses(browser, url, years, start, i * OPEN_INTERVAL_S))
            for i in range(sessions)
        ]
        await asyncio.sleep(sessions * OPEN_INTERVAL_S)  # every tab opened; then all press at once
        start.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        await browser.close()
    waits = [w for r in results if isinstance(r, list) for w in r]
    failed = [
        f"{type(r).__name__}: {str(r).splitlines()[0] if str(r) else ''}"
        for r in results
        if isinstance(r, BaseException)
    ]
    return waits, failed


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) >= 2 else float("nan")


def cpu_timed(presses: list[timing.PressTime]) -> list[timing.PressTime]:
    """The presses whose CPU time was read (their redraw ran in the click's thread)."""
    return [p for p in presses if math.isfinite(p.cpu_ms)]


def server_lines(presses: list[timing.PressTime]) -> list[str]:
    """The server's own time (:mod:`sim.demo.timing`): per press, and per month advanced."""
    timed = cpu_timed(presses)
    if not timed:
        return ["server time: no press logged" if not presses else "server time: no CPU time read"]
    wall = [p.wall_ms for p in presses]
    return [
        f"server time per press ({len(presses)} logged): wall median {statistics.median(wall):.0f} ms "
        f"(p90 {p90(wall):.0f}), CPU median {statistics.median(p.cpu_ms for p in timed):.0f} ms",
        f"server time per month:    CPU median {statistics.median(p.cpu_ms_per_month for p in timed):.1f} ms "
        f"(target: under {TARGET_MS_PER_MONTH:g}), wall median "
        f"{statistics.median(p.wall_ms_per_month for p in presses):.1f} ms "
        "(wall includes waiting for the other sessions: one interpreter)",
    ]


def report(
    sessions: int,
    years: int,
    waits: list[float],
    failed: list[str],
    mem: dict,
    exceptions: list[str],
    presses: list[timing.PressTime],
) -> str:
    lines = [
        f"dashboard load test: {sessions} sessions, each pressing '+1 year' {years} times at once",
        f"presses measured:         {len(waits)} (failed sessions: {len(failed)})",
        f"wait, click to new month: median {statistics.median(waits):.2f} s, p90 {p90(waits):.2f} s, "
        f"max {max(waits):.2f} s"
        if waits
        else "wait: no press completed",
        *server_lines(presses),
        f"server memory (RSS, MiB): before {mem['before']:.0f}, peak {mem['peak']:.0f}, "
        f"{3 * CULL_S} s after the tabs closed {mem['after']:.0f}",
        "pairs alive after the tabs closed: "
        + ("no session close logged" if mem["live"] is None else f"{mem['live']} (0: every session freed)"),
        f"exceptions in the server log: {len(exceptions)}",
        "(the wait includes the server's step and redraw and the browser's drawing: an upper bound on the "
        "server's share)",
    ]
    lines += [f"failed session: {why} ({n}x)" for why, n in Counter(failed).most_common(5)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.demo.loadtest", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=10, help="browser sessions at once (default 10)")
    ap.add_argument("--years", type=int, default=2, help="'+1 year' presses per session (default 2)")
    args = ap.parse_args(argv)
    port = free_port()
    server = Server(port)
    try:
        before = server.rss()
        waits, failed = asyncio.run(run_sessions(f"http://127.0.0.1:{port}/", args.sessions, args.years))
        time.sleep(3 * CULL_S)  # closed tabs release their sessions
        mem = {"before": before, "peak": server.peak, "after": server.rss(), "live": sessions.live_pairs(server.log)}
        exceptions = server.exceptions()
        presses = timing.parse(server.log)
    finally:
        server.close()
    text = report(args.sessions, args.years, waits, failed, mem, exceptions, presses)
    print(text, end="")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    write_text(OUT_DIR / f"sessions_{args.sessions}.txt", text + "".join(exceptions[:20]))
    timed = cpu_timed(presses)
    slow = not timed or statistics.median(p.cpu_ms_per_month for p in timed) >= TARGET_MS_PER_MONTH
    leaked = mem["live"] is None or mem["live"] > 0
    return EXIT_FAILURES if failed or exceptions or not waits or slow or leaked else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
