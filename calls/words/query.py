"""A search as a person types it, read into words to match, and written out for each engine.

`refund order` needs both words, in any order; `"late fee"` the words next to each other;
`-invoice` leaves out the calls that say it; `refund OR return` takes either; `refund*` any
word starting so. Every word is folded (calls.words.folding): `Zoë` finds "zoe", and
`INV-29437` is the phrase `inv 29437`. Nothing a person can type is an error: a lone quote, a
dangling `-` or `OR`, punctuation are read as plain words (or as nothing, when they hold no
letters or digits). The output holds only folded words and the engines' own operators, so no
text of the search reaches either database but as those words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from calls.words.folding import words

MAX_CHARS = 200
# A closed "phrase" (maybe excluded with -), else a run of anything but spaces.
CHUNK_RE = re.compile(r'(-?)"([^"]*)"|(\S+)')
OR = "OR"


@dataclass(frozen=True, slots=True)
class Term:
    """Folded words next to each other (one word: just that word); `prefix`: the last one as
    the start of a word."""

    words: tuple[str, ...]
    prefix: bool = False

    def tsquery(self) -> str:
        parts = [f"'{word}'" for word in self.words]
        if self.prefix:
            parts[-1] += ":*"
        return parts[0] if len(parts) == 1 else "(" + " <-> ".join(parts) + ")"

    def fts5(self) -> str:
        return '"' + " ".join(self.words) + '"' + ("*" if self.prefix else "")


@dataclass(frozen=True, slots=True)
class WordQuery:
    """Every group must match, a group when any of its terms does; no excluded term may."""

    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Nothing to find (only words to leave out, or no words at all)."""
        return not self.groups

    @property
    def is_checked_by_call(self) -> bool:
        """Whether a match depends on where words fall (a phrase) or on words not said: an
        index of which words each call says narrows such a search, each call then decides."""
        return bool(self.excluded) or any(len(term.words) > 1 for term in self.terms)

    @property
    def terms(self) -> tuple[Term, ...]:
        """What a match may show: every term of every group."""
        return tuple(term for group in self.groups for term in group)

    def tsquery(self) -> str:
        """For PostgreSQL's to_tsquery('simple', …)."""
        parts = [_either(group, " | ", Term.tsquery) for group in self.groups]
        parts += [f"!{term.tsquery()}" for term in self.excluded]
        return " & ".join(parts)

    def fts5(self) -> str:
        """For SQLite FTS5's MATCH."""
        found = " AND ".join(_either(group, " OR ", Term.fts5) for group in self.groups)
        if not self.excluded:
            return found
        return f"({found}) NOT ({' OR '.join(term.fts5() for term in self.excluded)})"


def _either(group: tuple[Term, ...], operator: str, write) -> str:
    return write(group[0]) if len(group) == 1 else "(" + operator.join(map(write, group)) + ")"


def parse(text: str) -> WordQuery:
    """The search `text` asks for (at most MAX_CHARS of it are read)."""
    items: list[tuple[bool, Term] | str] = []  # (excluded, term), or OR
    for match in CHUNK_RE.finditer(text[:MAX_CHARS]):
        excluded, phrase, bare = match.groups()
        if bare == OR:
            items.append(OR)
            continue
        prefix = False
        if bare is not None:
            excluded = bare.startswith("-") and len(bare) > 1
            phrase = bare[1:] if excluded else bare
            prefix = phrase.endswith("*")
        found = tuple(words(phrase))
        if found:
            items.append((bool(excluded), Term(found, prefix)))
    groups: list[list[Term]] = []
    left_out: list[Term] = []
    joining = False
    for index, item in enumerate(items):
        if item == OR:
            after = items[index + 1] if index + 1 < len(items) else None
            if _wanted(items[index - 1] if index else None) and _wanted(after) and groups:
                joining = True
                continue
            item = (False, Term(("or",)))  # a dangling OR is the word "or"
        excluded, term = item
        if excluded:
            left_out.append(term)
        elif joining:
            groups[-1].append(term)
        else:
            groups.append([term])
        joining = False
    return WordQuery(tuple(map(tuple, groups)), tuple(left_out))


def _wanted(item) -> bool:
    """Whether an item is a term to find (so an OR beside it joins it)."""
    return isinstance(item, tuple) and not item[0]
