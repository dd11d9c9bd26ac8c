"""argparse's private parts the command line relies on: the parser's `_actions` (every option
it knows, for "did you mean --port?") and the `_SubParsersAction` class (the type
`add_subparsers` returns, which `serve` adds itself to). Both are undocumented, and stable
for many Python versions; here they are reached in one place, with a check."""

from __future__ import annotations

import argparse
import sys

from mockserver.adapters import broken

TESTED = "Python 3.11-3.13 (requires-python >=3.11 in pyproject.toml)"
SubParsers = argparse._SubParsersAction  # what ArgumentParser.add_subparsers returns


def option_strings(parser: argparse.ArgumentParser) -> list[str]:
    """Every option string the parser knows (`-p`, `--port`, ...), in the order added."""
    return [option for action in parser._actions for option in action.option_strings]


def check() -> None:
    """Raise `AdapterBroken` when argparse no longer keeps what the functions above read."""
    version = "Python %d.%d" % sys.version_info[:2]
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("-p", "--port")
    if option_strings(parser) != ["-p", "--port"]:
        raise broken("argparse", TESTED, f"{version}: ArgumentParser._actions no longer lists its options",
                     "argparse")
    if not isinstance(parser.add_subparsers(), SubParsers):
        raise broken("argparse", TESTED, f"{version}: add_subparsers no longer returns a _SubParsersAction",
                     "argparse")
