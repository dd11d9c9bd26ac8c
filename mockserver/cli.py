"""The `mockserver` command: `normalize` (build time) and `serve` (run time)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from mockserver.errors import EXIT_USER_ERROR, UserError


def _normalize(args: argparse.Namespace) -> int:
    from mockserver.normalize import run_normalize

    for warning in run_normalize(
        [Path(p) for p in args.inputs], Path(args.output), [Path(p) for p in args.overlay]
    ):
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver", description="Contract-first mock server for vendor APIs."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    norm = sub.add_parser(
        "normalize",
        help="turn vendor documents into one OpenAPI 3.0.3 document",
        description="Merge docs pages / OpenAPI files of one vendor into one OpenAPI 3.0.3 document.",
    )
    norm.add_argument("inputs", nargs="+", help="docs pages (.md) or OpenAPI files (.yaml/.json)")
    norm.add_argument("-o", "--output", required=True, help="where to write the document")
    norm.add_argument(
        "--overlay", action="append", default=[], help="OpenAPI Overlay 1.0 file to apply (repeatable)"
    )
    norm.set_defaults(func=_normalize)

    from mockserver.serve import add_serve_parser

    add_serve_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"mockserver: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
