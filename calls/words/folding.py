"""Words as the search compares them: case and accents folded away, split into runs of letters
and digits.

Folded in Python rather than by either database, so that PostgreSQL's `simple` text-search
configuration and SQLite's FTS5 `unicode61` tokenizer are handed the same plain words and
find the same calls: "Zoë" is stored as `zoe`, "señor" as `senor`, "INV-29437" as the two
words `inv 29437`, next to each other (a phrase), and nothing is stemmed.
"""

from __future__ import annotations

import re
import unicodedata

WORD_RE = re.compile(r"[^\W_]+")
# A longer run of letters is no word anyone searches for (PostgreSQL drops those over 2,047
# bytes): left out of the index.
MAX_WORD = 100
# PostgreSQL counts word positions up to 16,383: beyond, phrases cannot be told apart. So the
# index holds a text's first HEAD_WORDS words in order, then each later word once (up to
# TAIL_WORDS of them), which keeps a 1 MB transcript's words findable within the 1 MB a
# PostgreSQL tsvector may hold.
HEAD_WORDS = 16_000
TAIL_WORDS = 20_000


def fold(text: str) -> str:
    """`text` without case or accents: "Zoë Señor" → "zoe senor"."""
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed.casefold()
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The folded words of `text`, in order: runs of letters and digits."""
    return [word for word in WORD_RE.findall(fold(text)) if len(word) <= MAX_WORD]


def document(*texts: str | None) -> str | None:
    """What the index keeps of these texts: their folded words separated by spaces (None when
    there are none), bounded as HEAD_WORDS and TAIL_WORDS say."""
    found: list[str] = []
    for text in texts:
        if text:
            found += words(text)
    if not found:
        return None
    head = found[:HEAD_WORDS]
    if len(found) > HEAD_WORDS:
        seen = set(head)
        tail = [w for w in dict.fromkeys(found[HEAD_WORDS:]) if w not in seen][:TAIL_WORDS]
        head += tail
    return " ".join(head)
