"""The teaching dashboard's web server: Solara's Starlette app behind a Host and Origin guard.

    python -m sim.demo.server sim.demo.app:Page --host 127.0.0.1 --port 8765 --production
    python -m sim.demo.server sim.demo.app:Page --host 0.0.0.0 --port 8765 --production \\
        --allowed-host classroom.local --allowed-host 192.168.1.20

It serves what ``solara run APP --production`` serves (same app, mode, theme and logging, no hot
reload), with one addition in front of Solara, :class:`HostOriginGuard`:

* a request whose ``Host`` header names anything but this computer's loopback names, the
  ``--host`` address and the ``--allowed-host`` names gets HTTP 400: this defeats DNS
  rebinding, where a web page points its own domain at 127.0.0.1 and then reads or drives the
  dashboard as if it were its own site;
* a websocket upgrade whose ``Origin`` is not one of those names with this server's port is
  refused (HTTP 403) before Solara sees it: browsers let any page open a websocket to any
  address, so without this a page on another site (or another local server) could connect to
  the dashboard's kernel from the teacher's browser and press its buttons.

``zonesim-demo`` (:mod:`sim.demo.cli`) starts this module; it is rarely run by hand.
"""

from __future__ import annotations

import argparse
import copy
import ipaddress
import logging
import os
import warnings
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from sim.demo import timing

LOOPBACK_NAMES: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
"""Names this computer's own browser uses for the dashboard; always allowed."""

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
"""Port an ``Origin`` means when it names none, by scheme."""

BAD_HOST_STATUS = 400
"""HTTP status of a request for a host name the dashboard does not serve."""

BAD_HOST_MESSAGE = "Bad request: this dashboard does not answer to that host name (see zonesim-demo --allowed-host)\n"

POLICY_VIOLATION = 1008
"""Websocket close code for a refused upgrade (the server answers the handshake with HTTP 403)."""

SOLARA_UVICORN_LOG_LEVEL = "error"
"""Uvicorn's own log level under ``solara run`` (its ``--log-level-uvicorn`` default)."""

LOGGER_NAME = "sim.demo.server"
"""Logger of the guard's refusals (fixed: under ``python -m`` this module's ``__name__`` is ``__main__``)."""

logger = logging.getLogger(LOGGER_NAME)


def host_name(value: str) -> str:
    """``value`` (a name or address, IPv6 with or without brackets) in the form headers are
    compared in: lower case, no brackets."""
    return value.strip().lower().removeprefix("[").removesuffix("]")


def _ip_address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``name`` as an IP address, None if it is a host name."""
    try:
        return ipaddress.ip_address(host_name(name))
    except ValueError:
        return None


def is_wildcard(host: str) -> bool:
    """Is ``host`` a listen-everywhere address (0.0.0.0, ::), which no browser puts in a URL?"""
    address = _ip_address(host)
    return address is not None and address.is_unspecified


def allowed_names(host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Host names the dashboard answers to: loopback, the listen address ``host`` unless it is a
    wildcard, and the ``extra`` names (``--allowed-host``)."""
    names = {*LOOPBACK_NAMES, *extra} | (set() if is_wildcard(host) else {host})
    return frozenset(host_name(name) for name in names)


def _split(url: str, scheme: str = "") -> SplitResult | None:
    """``url`` split into its parts; None if its brackets or port are malformed."""
    try:
        parts = urlsplit(url, scheme=scheme)
        parts.port  # noqa: B018 - a malformed port raises only when read
    except ValueError:
        return None
    return parts


def _name_and_port(parts: SplitResult | None) -> tuple[str, int] | None:
    """``(name, port)`` of a split URL, the port defaulting to its scheme's; None if it has no
    name or an unknown scheme."""
    if parts is None or parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.hostname, DEFAULT_PORTS[parts.scheme] if parts.port is None else parts.port


def parse_host(value: str) -> tuple[str, int] | None:
    """``(name, port)`` of a ``Host`` header (``name[:port]``, IPv6 in brackets); None if it
    is empty, malformed or carries anything else (a path, user information)."""
    parts = _split(f"//{value}", scheme="http")
    if parts is None or parts.netloc != value or "@" in value:
        return None
    return _name_and_port(parts)


def parse_origin(value: str) -> tuple[str, int] | None:
    """``(name, port)`` of an ``Origin`` header (``scheme://name[:port]``); None for ``null``
    (a sandboxed or local-file page) and anything malformed."""
    return _name_and_port(_split(value))


def host_name_arg(value: str) -> str:
    """argparse type of ``--allowed-host``: a host name or address without port or path."""
    if _ip_address(value) is not None:
        return value
    parsed = parse_host(host_name(value))
    if parsed is None or parsed[0] != host_name(value):
        raise argparse.ArgumentTypeError(f"{value!r}: give a host name or address, without port or path")
    return value


class HostOriginGuard:
    """ASGI middleware admitting only requests addressed to the dashboard by an allowed name.

    ``names`` are the allowed host names (see :func:`allowed_names`), ``port`` the port the
    server listens on.  Lifespan events pass through untouched.
    """

    def __init__(self, app: ASGIApp, names: Iterable[str], port: int) -> None:
        self.app = app
        self.names = frozenset(host_name(name) for name in names)
        self.port = port

    def host_allowed(self, headers: Headers) -> bool:
        """Does the ``Host`` header name an allowed host?  Protects against DNS rebinding: a
        rebound page reaches this server under its own domain, which is then the Host.  The
        port is not compared: a rebinding page cannot choose the name, whatever the port."""
        authority = parse_host(headers.get("host", ""))
        return authority is not None and authority[0] in self.names

    def origin_allowed(self, headers: Headers) -> bool:
        """Is the page opening this websocket served by this dashboard (an allowed name with
        this port)?  Protects against cross-site websocket hijacking, where a page from
        elsewhere, another port on this computer included, connects to the dashboard's kernel
        through the teacher's browser.  A client without ``Origin`` is not a browser page (a
        browser always sends one with a websocket) and is let through."""
        origin = headers.get("origin")
        if origin is None:
            return True
        authority = parse_origin(origin)
        return authority is not None and authority[0] in self.names and authority[1] == self.port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not self.host_allowed(headers):
            logger.warning("refused a request for host %r", headers.get("host", ""))
            await self.refuse(scope, receive, send)
        elif scope["type"] == "websocket" and not self.origin_allowed(headers):
            logger.warning("refused a websocket from origin %r", headers.get("origin"))
            await self.refuse(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    @staticmethod
    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        """Answer HTTP 400 with one line of text, or refuse a websocket handshake (HTTP 403)."""
        if scope["type"] == "websocket":
            await receive()  # the websocket.connect event
            await send({"type": "websocket.close", "code": POLICY_VIOLATION})
        else:
            await PlainTextResponse(BAD_HOST_MESSAGE, status_code=BAD_HOST_STATUS)(scope, receive, send)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m sim.demo.server",
        description="Serve a Solara app as `solara run` does, answering only to allowed "
        "host names (HTTP Host) and pages (websocket Origin).",
    )
    ap.add_argument("app", help="the Solara app, e.g. sim.demo.app:Page")
    ap.add_argument("--host", required=True, help="address to listen on")
    ap.add_argument("--port", type=int, required=True, help="port to listen on")
    ap.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        type=host_name_arg,
        help="a further host name or address browsers may use (repeatable); loopback names and "
        "--host are always allowed",
    )
    ap.add_argument("--production", action="store_true", help="Solara's production mode (as `solara run --production`)")
    ap.add_argument("--log-level", default="warning", help="log level of Solara's own messages (default warning)")
    return ap.parse_args(argv)


def configure_solara(app: str, host: str, port: int, production: bool) -> None:
    """Set what ``solara run`` sets before Solara reads its settings: the app, the server's
    address (the CGI variables) and the mode.  Must run before anything imports Solara's server."""
    os.environ["SOLARA_APP"] = app
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    os.environ["SOLARA_MODE"] = "production" if production else "development"


def log_config(level: str) -> dict:
    """``solara run``'s logging set-up, with Solara's messages at ``level`` and this guard's
    refusals shown as warnings."""
    from solara.__main__ import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["solara"]["level"] = level.upper()
    config["loggers"][LOGGER_NAME] = {"handlers": ["default"], "level": "WARNING", "propagate": False}
    # each press's server time (sim.demo.timing), when the environment asks for it (the load test)
    steps = "INFO" if timing.enabled() else "WARNING"
    config["loggers"][timing.LOGGER_NAME] = {"handlers": ["default"], "level": steps, "propagate": False}
    return config


COOKIE_WARNING = "Cookies with samesite=none require https"
"""Start of the warning Solara prints (12 lines) for every browser connection over plain http to an
address other than ``localhost``: it then sets its session cookie with ``samesite=lax``, which is
what this dashboard needs (it is not embedded in another site's frame), so the warning is noise
in the teacher's terminal."""


def quiet_warnings() -> None:
    """Silence Solara's per-connection cookie warning (:data:`COOKIE_WARNING`) in this process."""
    warnings.filterwarnings("ignore", message=COOKIE_WARNING, category=UserWarning)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    configure_solara(args.app, args.host, args.port, args.production)
    quiet_warnings()
    import uvicorn
    from solara.server.starlette import app as solara_app

    guarded = HostOriginGuard(solara_app, allowed_names(args.host, args.allowed_host), args.port)
    uvicorn.run(
        guarded,
        host=args.host,
        port=args.port,
        log_config=log_config(args.log_level),
        log_level=SOLARA_UVICORN_LOG_LEVEL,
    )


if __name__ == "__main__":
    main()
