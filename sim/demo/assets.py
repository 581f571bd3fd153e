"""Offline web assets for the teaching dashboard (``zonesim-demo-assets``).

A Solara page loads its JavaScript and fonts from a public CDN (jsDelivr) through the server's
asset proxy, ``/_solara/cdn/<npm spec>/<file>``; the proxy first looks in its cache folder.
A classroom without internet therefore needs that cache filled beforehand.  This module does
it from the npm registry with ``npm pack``: each package below is unpacked into a folder named
exactly by its spec (``requirejs@2.3.6/require.js``, ``vega@5/build/vega.min.js``, ...), which
is the path the page asks for.  Running it again skips packages already in place.

    zonesim-demo-assets                 # into the folder the dashboard reads (see cache_dir)
    zonesim-demo-assets --dest DIR      # somewhere else (then set SOLARA_ASSETS_PROXY_CACHE_DIR=DIR)
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGES: tuple[str, ...] = (
    "@widgetti/solara-vuetify-app@10.1.1",  # the page itself: Vue, Vuetify, widget manager
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",  # Mesa's draggable grid of charts
    "requirejs@2.3.6",  # module loader of the widgets
    "font-awesome@4.5.0",  # icons
    "vega@5",  # Altair charts (the region map): vega, vega-lite, vega-embed
    "vega-lite@5",
    "vega-embed@6",
    FONT_PACKAGE := "@fontsource/noto-sans-sc@5.3.0",  # Chinese text on a machine without a CJK font
)
"""npm specs of every asset the dashboard requests, exactly as they appear in its URLs."""

KEEP: dict[str, tuple[str, ...]] = {
    FONT_PACKAGE: ("LICENSE", "package.json", "400.css", "files/noto-sans-sc-*-400-normal.woff2"),
}
"""Files kept of a package (glob patterns; every file of a package not listed): of the 73 MB font
package, the regular weight's style sheet and its 102 WOFF2 subsets (3.6 MB).  Noto Sans SC is
under the SIL Open Font License 1.1 (its ``LICENSE``), which allows bundling it with software."""

FONT_CSS = f"/_solara/cdn/{FONT_PACKAGE}/400.css"
"""URL of the bundled font's style sheet (through Solara's asset proxy, served from the cache)."""

FONT_FAMILY = "Noto Sans SC"

CACHE_ENV = "SOLARA_ASSETS_PROXY_CACHE_DIR"
"""Solara's setting for the folder its asset proxy serves from (and caches into)."""

COMPLETE = ".zonesim-complete"
"""Marker written into a package folder once it is fully unpacked."""


class AssetError(RuntimeError):
    """The offline assets could not be fetched or unpacked."""


def cache_dir() -> Path:
    """The folder Solara's asset proxy reads: ``$SOLARA_ASSETS_PROXY_CACHE_DIR`` if set, else
    ``<environment prefix>/share/solara/cdn`` (Solara's own default for this environment)."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path(sys.prefix) / "share" / "solara" / "cdn"


def missing(dest: Path) -> list[str]:
    """Specs among :data:`PACKAGES` not yet unpacked in ``dest``."""
    return [spec for spec in PACKAGES if not (dest / spec / COMPLETE).exists()]


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError(
            "npm is not installed: install Node.js (it brings npm), e.g. `apt-get install npm`, "
            "then run zonesim-demo-assets again"
        )
    return npm


def _unpack(tarball: Path, target: Path, keep: tuple[str, ...] = ()) -> None:
    """Extract an ``npm pack`` tarball (its files sit under ``package/``) into ``target``; only the
    files matching ``keep`` (glob patterns) when it is given."""
    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            name = member.name.split("/", 1)[1] if "/" in member.name else ""
            if not name or not (member.isfile() or member.isdir()):
                continue
            if keep and not (member.isdir() or any(fnmatch.fnmatch(name, pattern) for pattern in keep)):
                continue
            member.name = name
            tar.extract(member, tmp, filter="data")
    (tmp / COMPLETE).write_text(tarball.name + "\n")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def fetch(dest: Path, specs: list[str] | None = None, log=print) -> list[str]:
    """``npm pack`` each spec not yet in ``dest`` and unpack it there; return the specs fetched."""
    todo = missing(dest) if specs is None else specs
    if not todo:
        return []
    npm = _npm()
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zonesim-assets-") as work:
        for spec in todo:
            log(f"npm pack {spec}")
            res = subprocess.run(
                [npm, "pack", spec, "--silent", "--pack-destination", work], capture_output=True, text=True, check=False
            )
            name = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else ""
            if res.returncode != 0 or not name:
                raise AssetError(f"npm pack {spec} failed: {res.stderr.strip() or res.stdout.strip()}")
            target = dest / spec
            target.parent.mkdir(parents=True, exist_ok=True)
            _unpack(Path(work) / name, target, KEEP.get(spec, ()))
    return todo


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="zonesim-demo-assets", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--dest", type=Path, default=None, help=f"asset folder (default: ${CACHE_ENV} or <venv>/share/solara/cdn)"
    )
    args = ap.parse_args(argv)
    dest = args.dest or cache_dir()
    try:
        fetched = fetch(dest)
    except AssetError as exc:
        print(f"zonesim-demo-assets: error: {exc}", file=sys.stderr)
        return 1
    state = f"fetched {len(fetched)}" if fetched else "all present"
    print(f"zonesim-demo-assets: {len(PACKAGES)} packages in {dest} ({state})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
