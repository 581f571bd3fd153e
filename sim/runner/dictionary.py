"""``zonesim-dictionary [PATH]``: write zonesim's data dictionary (:func:`sim.vocabulary.markdown`)
to PATH, whole or not at all (``docs/outputs.md``), or print it."""

from __future__ import annotations

import argparse

from sim.runner.files import write_text
from sim.vocabulary import markdown


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="zonesim-dictionary", description=__doc__.split("\n\n")[0])
    p.add_argument("path", nargs="?", help="file to write (e.g. docs/outputs.md); default: standard output")
    args = p.parse_args(argv)
    text = markdown()
    if args.path:
        write_text(args.path, text)
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
