"""``zonesim-demo``: start the teaching dashboard on this computer.

    zonesim-demo                         # http://127.0.0.1:8765, this computer only
    zonesim-demo --port 9000
    zonesim-demo --host 0.0.0.0 --allow-remote --allowed-host 192.168.1.20
                                         # a classroom network: students open http://192.168.1.20:8765/

Safe by default: the server listens on loopback (127.0.0.1) unless ``--allow-remote`` is given
with another ``--host``; it answers only to this computer's loopback names, the ``--host``
address and the ``--allowed-host`` names, and accepts websockets only from pages it served
itself (see :mod:`sim.demo.server`), so no other web site can drive it from a browser; it runs
in Solara's production mode (no hot reload, no developer tools); Mesa's in-browser Python
console is not part of the page; telemetry is off; and the page's web assets come from the
local cache that ``zonesim-demo-assets`` fills, so the dashboard works without internet.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from collections.abc import Sequence

from sim.demo import assets, server

APP = "sim.demo.app:Page"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765

SERVER_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no usage reports to a third party
    "SOLARA_ASSETS_PROXY": "True",  # serve the page's JavaScript from the local cache
}
"""Environment the Solara server runs with (the asset cache folder is added by :func:`server_env`)."""

CULL_TIMEOUT = "5m"
"""How long a closed tab's session (its reform/baseline pair, about 50 MiB) is kept for a reconnect
before the server frees it (Solara's default is a day: a class's closed tabs would pile up).
``SOLARA_KERNEL_CULL_TIMEOUT`` in the environment overrides it."""


def is_loopback(host: str) -> bool:
    """Is ``host`` this computer only (127.0.0.0/8, ::1, localhost)?"""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="zonesim-demo",
        description="Start the zonesim teaching dashboard (reform vs baseline, same seed) in a local web server.",
    )
    ap.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}: this computer only)"
    )
    ap.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    ap.add_argument(
        "--allow-remote",
        action="store_true",
        help="needed to listen on a non-loopback address: other machines can then open the page",
    )
    ap.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        type=server.host_name_arg,
        help="with --allow-remote: a host name or address students' browsers use to reach this "
        "computer (repeatable); the page answers to no other name but loopback and --host",
    )
    args = ap.parse_args(argv)
    if not is_loopback(args.host) and not args.allow_remote:
        ap.error(f"--host {args.host} is reachable from other machines; add --allow-remote if that is intended")
    if args.allowed_host and not args.allow_remote:
        ap.error("--allowed-host lets other machines' names in; add --allow-remote if that is intended")
    return args


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment: ``base`` (default: this process's) plus :data:`SERVER_ENV` and the
    asset cache folder."""
    env = dict(os.environ if base is None else base)
    env.update(SERVER_ENV)
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", CULL_TIMEOUT)
    env[assets.CACHE_ENV] = str(assets.cache_dir())
    return env


def server_command(host: str, port: int, allowed_hosts: Sequence[str] = ()) -> list[str]:
    """The command line of the dashboard's server (:mod:`sim.demo.server`: ``solara run``'s
    production server behind a Host and Origin guard)."""
    extra = [arg for name in allowed_hosts for arg in ("--allowed-host", name)]
    return [
        sys.executable,
        "-m",
        "sim.demo.server",
        APP,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--log-level",
        "warning",
        *extra,
    ]


def url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = assets.missing(assets.cache_dir())
    if missing:
        print(
            f"zonesim-demo: warning: web assets missing from {assets.cache_dir()} ({', '.join(missing)}); "
            "without internet the page stays blank: run zonesim-demo-assets first",
            file=sys.stderr,
        )
    with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind((args.host, args.port))
        except OSError as exc:
            print(f"zonesim-demo: error: cannot listen on {args.host}:{args.port} ({exc.strerror})", file=sys.stderr)
            return 1
    if server.is_wildcard(args.host) and not args.allowed_host:
        print(
            f"zonesim-demo: warning: --host {args.host} without --allowed-host: the page answers only to this "
            "computer's loopback names; add --allowed-host with the address or name students type",
            file=sys.stderr,
        )
    print(f"zonesim-demo: open {url(args.host, args.port)} in a browser (Ctrl-C stops the server)", flush=True)
    cmd = server_command(args.host, args.port, args.allowed_host)
    os.execve(cmd[0], cmd, server_env())  # the server replaces this process: Ctrl-C and kill reach it


if __name__ == "__main__":
    sys.exit(main())
