"""Errors that are the user's to fix (a file, a flag, a document), kept apart from bugs.

A `UserError` is reported as one line naming the source and the problem, and the command
exits with status 2: a user who hands us a bad spec, overlay or fixture needs to know which
file and why, not read a traceback.
"""

from __future__ import annotations

EXIT_USER_ERROR = 2


class UserError(Exception):
    """A problem in user input, with the file (and location) it comes from."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem
