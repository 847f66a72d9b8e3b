"""Where a search's words fall in a text, so that a page can mark them.

The text is read word by word as the index reads it (calls.words.folding), each word keeping
its place in the text as written: `zoe` marks "Zoë", `inv 29437` marks "INV-29437" whole.
"""

from __future__ import annotations

import re
import unicodedata

from calls.words.folding import fold
from calls.words.query import Term

# Letters and digits as written, with any accents written after them.
WRITTEN_WORD_RE = re.compile(r"(?:[^\W_][\u0300-\u036f]*)+")
ASCII_WORD_RE = re.compile(r"[A-Za-z0-9]+")


def written_words(text: str) -> list[tuple[str, int, int]]:
    """Each folded word of `text` with the start and end of what it came from."""
    if text.isascii():  # most of what is said: folding is lowering
        return [(m.group().lower(), m.start(), m.end()) for m in ASCII_WORD_RE.finditer(text)]
    found = []
    for match in WRITTEN_WORD_RE.finditer(text):
        for word in re.findall(r"[^\W_]+", fold(match.group())):
            found.append((word, match.start(), match.end()))
    return found


def spans(text: str, terms: tuple[Term, ...]) -> list[tuple[int, int]]:
    """The stretches of `text` (start, end) where any of the terms is said, in order, none
    overlapping."""
    if not terms or not text:
        return []
    folded = text.lower() if text.isascii() else fold(text)
    if not any(term.words[0] in folded for term in terms):  # most of a call's turns
        return []
    said = written_words(text)
    found: list[tuple[int, int]] = []
    index = 0
    while index < len(said):
        length = _match_at(said, index, terms)
        if length:
            start, end = said[index][1], said[index + length - 1][2]
            if found and start < found[-1][1]:  # one written word folded into several
                found[-1] = (found[-1][0], max(end, found[-1][1]))
            else:
                found.append((start, end))
            index += length
        else:
            index += 1
    return found


def _match_at(said: list[tuple[str, int, int]], index: int, terms: tuple[Term, ...]) -> int:
    """How many words from `index` on the longest term matching there covers (0: none)."""
    best = 0
    for term in terms:
        size = len(term.words)
        if size <= best or index + size > len(said):
            continue
        here = [word for word, _, _ in said[index : index + size]]
        *whole, last = term.words
        if here[:-1] == whole and (here[-1].startswith(last) if term.prefix else here[-1] == last):
            best = size
    return best


def normalized(text: str) -> str:
    """`text` composed (NFC), as marks are placed in it: the same to read, accents made one
    character with their letter wherever Unicode has one."""
    return unicodedata.normalize("NFC", text)
