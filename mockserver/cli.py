"""The `mockserver` command: `normalize` (build time) and `serve` (run time)."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Sequence

from mockserver import __version__
from mockserver.adapters.argparse import option_strings
from mockserver.base.user_errors import EXIT_USER_ERROR, UserError


def _normalize(args: argparse.Namespace) -> int:
    from mockserver.normalize import run_normalize

    for warning in run_normalize(
        [Path(p) for p in args.inputs], Path(args.output), [Path(p) for p in args.overlay]
    ):
        print(f"warning: {warning}", file=sys.stderr)
    return 0


class UsageError(Exception):
    """A command line argparse refused: the parser that refused it (its usage) and why."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so callers that are not the command line (the
    pytest plugin's `mockserver_args`) can report a mistake cleanly, and unknown flags are
    reported by the subcommand they were given to, with the closest flag it has."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(self, message)

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = self._subcommands.get(getattr(parsed, "command", None) or "") if hasattr(self, "_subcommands") else None
            target = command or self
            hints = [_closest(target, extra) for extra in extras]
            detail = "; ".join(f"{extra} (did you mean {hint}?)" if hint else extra for extra, hint in zip(extras, hints))
            raise UsageError(target, f"unrecognized arguments: {detail}")
        return parsed


def _closest(parser: argparse.ArgumentParser, given: str) -> str | None:
    flag = given.split("=", 1)[0]
    if not flag.startswith("-"):
        return None
    known = option_strings(parser)
    match = difflib.get_close_matches(flag, known, n=1, cutoff=0.6)
    return match[0] if match else None


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="mockserver", description="Contract-first mock server for OpenAPI documents (and the Lago and Sequence APIs)."
    )
    parser.add_argument("--version", action="version", version=f"mockserver {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

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

    from mockserver.launch.serve import add_serve_parser

    add_serve_parser(sub)
    from mockserver.launch.drift_check import add_drift_parser

    add_drift_parser(sub)
    parser._subcommands = dict(sub.choices)  # type: ignore[attr-defined]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        exc.parser.print_usage(sys.stderr)
        print(f"{exc.parser.prog}: error: {exc.message}", file=sys.stderr)
        return EXIT_USER_ERROR
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"mockserver: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
