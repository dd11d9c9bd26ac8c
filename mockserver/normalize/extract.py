"""Pulling the OpenAPI yaml block (and the page's title and lead) out of a docs page.

Docs sites (Mintlify: Lago, Sequence) publish each endpoint as a Markdown page whose
"## OpenAPI" section holds a fenced ```yaml / ````yaml block. The block is either the docs
renderer's resolved-endpoint form or a whole OpenAPI document; which one is decided later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# CommonMark fence: up to 3 spaces, then >= 3 backticks or tildes, then the info string.
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})\s*(?P<info>.*)$")
_OPENAPI_HEADING = re.compile(r"^#{1,6}\s+OpenAPI\s*#*\s*$", re.IGNORECASE)
_HEADING1 = re.compile(r"^#\s+(?P<text>.+?)\s*#*\s*$")
_YAML_LANGS = {"yaml", "yml"}


@dataclass(frozen=True)
class YamlBlock:
    """The text of a fenced yaml block and the 1-based line of its first content line."""

    text: str
    first_line: int


@dataclass(frozen=True)
class PageInfo:
    """What the page says about the endpoint outside the yaml block (may be empty)."""

    title: str | None = None
    lead: str | None = None


def _blocks(lines: list[str]) -> list[tuple[int, int, int, str]]:
    """Every fenced block as (opening line index, first content index, end index, language).

    The end index is exclusive; an unclosed fence runs to the end of the page (CommonMark).
    Contents of other blocks are skipped so that a fence quoted inside one is not misread.
    """
    found = []
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence = match.group("fence")
        info = match.group("info").strip()
        if fence[0] == "`" and "`" in info:  # not a fence: backtick info strings can't hold backticks
            index += 1
            continue
        language = info.split()[0].lower() if info else ""
        end = index + 1
        closing = re.compile(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        found.append((index, index + 1, end, language))
        index = end + 1
    return found


def find_yaml_block(page: str) -> YamlBlock | None:
    """The page's OpenAPI yaml block: the first yaml block after an "OpenAPI" heading, else
    the first yaml block at all; None if the page has none."""
    lines = page.splitlines()
    yaml_blocks = [b for b in _blocks(lines) if b[3] in _YAML_LANGS]
    if not yaml_blocks:
        return None
    headings = [i for i, line in enumerate(lines) if _OPENAPI_HEADING.match(line)]
    chosen = yaml_blocks[0]
    if headings:
        after = [b for b in yaml_blocks if b[0] > headings[0]]
        chosen = after[0] if after else chosen
    _, start, end, _ = chosen
    return YamlBlock(text="\n".join(lines[start:end]) + "\n", first_line=start + 1)


def page_info(page: str) -> PageInfo:
    """The first level-1 heading (skipping `# Source: <url>` lines) and the blockquote right
    under it: docs pages put the endpoint's name and summary there, and the resolved form
    does not repeat them, so they become the operation's summary and description."""
    lines = page.splitlines()
    for index, line in enumerate(lines):
        match = _HEADING1.match(line)
        if not match or match.group("text").lower().startswith("source:"):
            continue
        lead: list[str] = []
        for following in lines[index + 1 :]:
            if not following.strip() and not lead:
                continue
            if not following.startswith(">"):
                break
            lead.append(following[1:].strip())
        return PageInfo(title=match.group("text"), lead=" ".join(part for part in lead if part) or None)
    return PageInfo()
