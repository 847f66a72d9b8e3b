"""What a search result shows of a call: up to three short passages where the search's words
are said, marked, each named by who said it.

Worked out in Python from the result's own summary and transcript (a page's 20 calls), the
same way on either engine: the words are found by calls.words.marks, everything else is
escaped, and a passage is cut at spaces around its first match.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from calls.display import speaker_name
from calls.models import StoredCall
from calls.phoneinc import TranscriptSegment
from calls.words.marks import normalized, spans
from calls.words.query import Term

MAX_SNIPPETS = 3
BEFORE = 60  # characters shown before a passage's first match, about
WIDTH = 240  # characters in a passage, about
SUMMARY = "Summary"


@dataclass(frozen=True, slots=True)
class Snippet:
    """A passage: who said it ("Summary" for the call's summary) and its HTML (escaped, the
    matches in <mark>)."""

    source: str
    html: SafeString

    @property
    def is_summary(self) -> bool:
        return self.source == SUMMARY


@dataclass(frozen=True, slots=True)
class _Passage:
    order: int
    source: str
    text: str
    start: int
    end: int
    marks: tuple[tuple[int, int], ...]

    def said(self) -> frozenset[str]:
        return frozenset(self.text[a:b].casefold() for a, b in self.marks)


def snippets(row: StoredCall, terms: tuple[Term, ...]) -> tuple[Snippet, ...]:
    """Up to MAX_SNIPPETS passages of the call where `terms` are said, in the call's order,
    those saying different words first; the summary's start when none is found."""
    passages = []
    for source, text in _pieces(row):
        text = normalized(text)
        for start, end, marks in _windows(text, spans(text, terms)):
            passages.append(_Passage(len(passages), source, text, start, end, marks))
    if not passages:
        if not row.summary:
            return ()
        text = normalized(row.summary)
        start, end = 0, _cut_end(text, min(len(text), WIDTH))
        passages = [_Passage(0, SUMMARY, text, start, end, ())]
    return tuple(_snippet(p) for p in sorted(_choose(passages), key=lambda p: p.order))


def _pieces(row: StoredCall):
    if row.summary:
        yield SUMMARY, row.summary
    if row.segments:
        names = dict(row.employees)
        for speaker, text, employee_id in row.segments:
            yield speaker_name(TranscriptSegment(speaker, text, employee_id), names), text
    elif row.transcription:
        yield "Transcript", row.transcription


def _windows(text: str, marks: list[tuple[int, int]]):
    """Passages of `text` around its marks: each starts a little before a mark and takes
    the marks that fit in it."""
    index = 0
    while index < len(marks):
        first = marks[index][0]
        start = _cut_start(text, max(0, first - BEFORE))
        end = max(min(len(text), start + WIDTH), marks[index][1])
        taken = []
        while index < len(marks) and marks[index][1] <= end:
            taken.append(marks[index])
            index += 1
        if not taken:  # a match longer than a passage
            taken.append(marks[index])
            index += 1
        yield start, _cut_end(text, max(end, taken[-1][1]), taken[-1][1]), tuple(taken)


def _cut_start(text: str, start: int) -> int:
    """`start` moved on to the beginning of a word."""
    if start == 0 or text[start - 1].isspace():
        return start
    space = text.find(" ", start)
    return start if space == -1 else space + 1


def _cut_end(text: str, end: int, least: int = 0) -> int:
    """`end` moved back to the end of a word, never before `least`."""
    if end >= len(text) or text[end].isspace():
        return end
    space = text.rfind(" ", least, end)
    return end if space == -1 else space


def _choose(passages: list[_Passage]) -> list[_Passage]:
    chosen: list[_Passage] = []
    shown: set[str] = set()
    for passage in sorted(passages, key=lambda p: (-len(p.said()), p.order)):
        if len(chosen) == MAX_SNIPPETS:
            break
        if passage.said() - shown or len(passages) <= MAX_SNIPPETS:
            chosen.append(passage)
            shown |= passage.said()
    for passage in passages:  # then in order, if there is room
        if len(chosen) < MAX_SNIPPETS and passage not in chosen:
            chosen.append(passage)
    return chosen


def _snippet(passage: _Passage) -> Snippet:
    text, start, end = passage.text, passage.start, passage.end
    html = ["…" if start > 0 else ""]
    at = start
    for a, b in passage.marks:
        html.append(f"{escape(text[at:a])}<mark>{escape(text[a:b])}</mark>")
        at = b
    html.append(escape(text[at:end]))
    html.append("…" if end < len(text) else "")
    return Snippet(passage.source, mark_safe("".join(html)))
