"""The teaching dashboard answers only to allowed host names and pages (issue 17, item 11).

Two real servers are started through ``zonesim-demo``'s entry point on free loopback ports: one
with no flag, one with ``--allow-remote --allowed-host classroom.local``.  Requests carry a
forged ``Host`` or ``Origin`` header, as a DNS-rebinding or cross-site page would make a
browser send them.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from sim.demo import cli, server

START_TIMEOUT_S = 60
REQUEST_TIMEOUT_S = 10
POLL_INTERVAL_S = 0.3
HTTP_OK, HTTP_BAD_REQUEST, HTTP_FORBIDDEN = 200, 400, 403
CLASSROOM = "classroom.local"
EVIL = "evil.example"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, host: str, path: str = "/") -> tuple[int, str]:
    """GET ``path`` from the server on loopback ``port`` with the given ``Host`` header;
    (status, body)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _websocket_status(port: int, origin: str) -> int:
    """Open Solara's kernel websocket (a fresh kernel and page) from a page at ``origin``;
    101 if the upgrade is accepted, else the HTTP status of the refusal."""
    uri = f"ws://127.0.0.1:{port}/jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={uuid.uuid4()}"
    try:
        with connect(uri, origin=origin, open_timeout=REQUEST_TIMEOUT_S):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


def _start(*flags: str):
    """``zonesim-demo --port <free> *flags`` in a subprocess, once it answers; (process, port)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.demo.cli", "--port", str(port), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if _get(port, f"127.0.0.1:{port}", "/readyz")[0] == HTTP_OK:
                return proc, port
        except OSError:
            pass
        time.sleep(POLL_INTERVAL_S)
    _stop(proc)
    pytest.fail(f"demo server {' '.join(flags)} did not start: {proc.stdout.read() if proc.stdout else ''}")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=REQUEST_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def servers():
    """Ports of the default server (``local``) and of the classroom one (``remote``)."""
    started = {"local": _start(), "remote": _start("--allow-remote", "--allowed-host", CLASSROOM)}
    yield {name: port for name, (_, port) in started.items()}
    for proc, _ in started.values():
        _stop(proc)


def test_page_answers_to_loopback_names_only(servers):
    port = servers["local"]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
        status, body = _get(port, host)
        assert status == HTTP_OK and "<html" in body, host
    for host in (EVIL, f"{EVIL}:{port}", f"{CLASSROOM}:{port}", ""):
        status, body = _get(port, host)
        assert status == HTTP_BAD_REQUEST, host
        assert body == server.BAD_HOST_MESSAGE and body.count("\n") == 1


def test_websocket_only_from_the_dashboards_own_pages(servers):
    port = servers["local"]
    assert _websocket_status(port, f"http://127.0.0.1:{port}") == 101
    assert _websocket_status(port, f"http://localhost:{port}") == 101
    for origin in (f"http://{EVIL}", f"http://{EVIL}:{port}", "http://127.0.0.1:3000", "null"):
        assert _websocket_status(port, origin) == HTTP_FORBIDDEN, origin


def test_allowed_host_lets_a_classroom_name_in_and_nothing_else(servers):
    port = servers["remote"]
    assert _get(port, f"{CLASSROOM}:{port}")[0] == HTTP_OK
    assert _get(port, f"127.0.0.1:{port}")[0] == HTTP_OK
    assert _get(port, f"{EVIL}:{port}")[0] == HTTP_BAD_REQUEST
    assert _websocket_status(port, f"http://{CLASSROOM}:{port}") == 101
    assert _websocket_status(port, f"http://{EVIL}:{port}") == HTTP_FORBIDDEN


# --------------------------------------------------------------------------- without a server
def test_allowed_names_are_loopback_the_listen_address_and_the_given_names():
    assert server.allowed_names("127.0.0.1") == {"127.0.0.1", "localhost", "::1"}
    assert server.allowed_names("0.0.0.0", ["Classroom.Local", "[fe80::1]"]) == {
        "127.0.0.1",
        "localhost",
        "::1",
        "classroom.local",
        "fe80::1",
    }
    assert "192.168.1.20" in server.allowed_names("192.168.1.20")
    assert server.parse_host("[::1]:8765") == ("::1", 8765)
    assert server.parse_origin("https://classroom.local") == ("classroom.local", 443)
    for forged in ("127.0.0.1/x", "user@127.0.0.1", "127.0.0.1:99999", "[::1"):
        assert server.parse_host(forged) is None, forged
    assert server.parse_origin("null") is None and server.parse_origin("file://") is None


def test_cli_passes_allowed_hosts_and_needs_allow_remote_for_them(monkeypatch, capsys):
    with pytest.raises(SystemExit):
        cli.parse_args(["--allowed-host", CLASSROOM])
    with pytest.raises(SystemExit):
        cli.parse_args(["--allow-remote", "--allowed-host", f"{CLASSROOM}:8765"])  # a port is not a name
    assert server.host_name_arg("fe80::1") == "fe80::1"
    with pytest.raises(argparse.ArgumentTypeError):
        server.host_name_arg("http://classroom.local/")
    seen = {}
    monkeypatch.setattr(cli.os, "execve", lambda exe, cmd, env: seen.update(cmd=cmd))
    monkeypatch.setattr(cli.assets, "missing", lambda dest: [])
    cli.main(["--port", "0", "--host", "0.0.0.0", "--allow-remote", "--allowed-host", CLASSROOM])
    assert seen["cmd"][seen["cmd"].index("--allowed-host") + 1] == CLASSROOM
    assert seen["cmd"][1:3] == ["-m", "sim.demo.server"]
    cli.main(["--port", "0", "--host", "0.0.0.0", "--allow-remote"])
    assert "without --allowed-host" in capsys.readouterr().err


def test_solaras_cookie_warning_is_silenced_and_other_warnings_are_not():
    """The teacher's terminal no longer gets 12 lines per browser connection: Solara's fallback to a
    samesite=lax session cookie over http is what the dashboard needs."""
    import warnings

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        server.quiet_warnings()
        warnings.warn(server.COOKIE_WARNING + ", but according to the asgi framework ...", UserWarning, stacklevel=1)
        warnings.warn("something else", UserWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["something else"]


def test_closed_sessions_are_freed_after_minutes_unless_the_environment_says_otherwise():
    env = cli.server_env({"PATH": "/usr/bin"})
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"] == cli.CULL_TIMEOUT == "5m"  # Solara's default is a day
    assert cli.server_env({"SOLARA_KERNEL_CULL_TIMEOUT": "30s"})["SOLARA_KERNEL_CULL_TIMEOUT"] == "30s"


def test_load_test_report_says_what_it_measured():
    import os

    from sim.demo import loadtest

    presses = [loadtest.timing.PressTime(12, 600.0, 240.0), loadtest.timing.PressTime(12, 1200.0, 360.0)]
    mem = {"before": 300, "peak": 500, "after": 400, "live": 0}
    text = loadtest.report(10, 2, [1.0, 2.0, 3.0, 4.0], [], mem, [], presses)
    assert "10 sessions" in text and "median 2.50 s" in text and "max 4.00 s" in text
    assert "before 300, peak 500" in text and "exceptions in the server log: 0" in text and "upper bound" in text
    assert "server time per press (2 logged): wall median 900 ms" in text and "CPU median 300 ms" in text
    assert "CPU median 25.0 ms (target: under 50)" in text and "wall median 75.0 ms" in text  # per month
    assert "pairs alive after the tabs closed: 0 (0: every session freed)" in text
    assert loadtest.rss_mib(os.getpid()) > 0
    mem = {"before": 1, "peak": 1, "after": 1, "live": None}
    failed = loadtest.report(2, 1, [1.0], ["TimeoutError: page.goto"], mem, [], [])
    assert "failed sessions: 1" in failed and "failed session: TimeoutError: page.goto (1x)" in failed
    assert "server time: no press logged" in failed and "no session close logged" in failed
