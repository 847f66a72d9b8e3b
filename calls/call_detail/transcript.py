"""A call's transcript as a page shows it: speaker turns, each speaker's share, search matches.

Built in plain Python, with no per-segment or per-turn template work, so that a 2,000-segment
call renders within a few times a short one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from calls.display import speaker_name
from calls.phoneinc import Call
from calls.words.marks import normalized, spans
from calls.words.query import MAX_CHARS, parse

MAX_QUERY = MAX_CHARS  # as long as a search of the call history may be


@dataclass(slots=True)
class Turn:
    speaker: str
    is_employee: bool
    paragraphs: list[SafeString] = field(default_factory=list)
    matches: int = 0

    @property
    def body(self) -> SafeString:
        """The turn's paragraphs as one piece of HTML: one template variable per turn, not per
        segment, is what keeps a 2,000-segment page quick. Each paragraph is escaped already."""
        return mark_safe("".join(f"<p>{paragraph}</p>" for paragraph in self.paragraphs))


@dataclass(frozen=True, slots=True)
class Speaker:
    name: str
    is_employee: bool
    words: int
    share: int  # percent of all words, rounded


@dataclass(slots=True)
class Transcript:
    turns: list[Turn]
    speakers: list[Speaker]
    full_text: SafeString | None
    query: str
    matches: int
    # Every turn as one piece of HTML: a template loop over 2,000 turns costs more than the
    # rest of the page together; one variable for the whole conversation costs nothing.
    turns_html: SafeString = field(default_factory=SafeString)

    @property
    def has_segments(self) -> bool:
        return bool(self.turns)

    @property
    def is_empty(self) -> bool:
        return not self.turns and self.full_text is None


def _turn_html(turn: Turn, query: str) -> str:
    kind = "turn-employee" if turn.is_employee else "turn-caller"
    dim = " turn-dim" if query and not turn.matches else ""
    speaker = f'<p class="turn-speaker">{escape(turn.speaker)}</p>'
    return f'<li class="turn {kind}{dim}">{speaker}{turn.body}</li>'


def _highlighter(query: str, texts: list[str]):
    """Marks `query` as typed wherever the transcript says it (any case); when it says it
    nowhere, the words of `query` read as a search (calls.words: a link from the call search
    brings its search here), accents ignored."""
    if not query:
        return lambda text: (escape(text), 0)
    pattern = re.compile(re.escape(query), re.IGNORECASE)
    if not any(pattern.search(text) for text in texts):
        terms = parse(query).terms
        if terms:
            return lambda text: _mark_terms(text, terms)

    def highlight(text: str) -> tuple[SafeString, int]:
        pieces = pattern.split(text)
        if len(pieces) == 1:
            return escape(text), 0
        found = pattern.findall(text)
        html = [escape(pieces[0])]
        for match, piece in zip(found, pieces[1:], strict=True):
            html.append(f"<mark>{escape(match)}</mark>{escape(piece)}")
        return mark_safe("".join(html)), len(found)

    return highlight


def _mark_terms(text: str, terms) -> tuple[SafeString, int]:
    text = normalized(text)
    found = spans(text, terms)
    if not found:
        return escape(text), 0
    html, at = [], 0
    for start, end in found:
        html.append(f"{escape(text[at:start])}<mark>{escape(text[start:end])}</mark>")
        at = end
    html.append(escape(text[at:]))
    return mark_safe("".join(html)), len(found)


def build(call: Call, query: str = "") -> Transcript:
    """The transcript of `call` highlighted for `query`."""
    return _build(call, query.strip()[:MAX_QUERY])


def _build(call: Call, query: str) -> Transcript:
    texts = [segment.text for segment in call.segments or ()] or [call.transcription or ""]
    highlight = _highlighter(query, texts)
    names = {employee.id: employee.name for employee in call.employees}
    turns: list[Turn] = []
    words: dict[tuple[str, bool], int] = {}
    total_matches = 0
    for segment in call.segments or ():
        text = segment.text.strip()
        if not text:
            continue
        is_employee = bool(segment.employee_id)
        speaker = speaker_name(segment, names)
        html, count = highlight(text)
        total_matches += count
        if turns and turns[-1].speaker == speaker and turns[-1].is_employee == is_employee:
            turn = turns[-1]
        else:
            turn = Turn(speaker, is_employee)
            turns.append(turn)
        turn.paragraphs.append(html)
        turn.matches += count
        words[(speaker, is_employee)] = words.get((speaker, is_employee), 0) + len(text.split())
    full_text = None
    if not turns and call.transcription and call.transcription.strip():
        full_text, total_matches = highlight(call.transcription.strip())
    all_words = sum(words.values()) or 1
    speakers = sorted(
        (
            Speaker(name, is_employee, count, round(100 * count / all_words))
            for (name, is_employee), count in words.items()
        ),
        key=lambda speaker: -speaker.words,
    )
    html = mark_safe("".join(_turn_html(turn, query) for turn in turns))
    return Transcript(turns, speakers, full_text, query, total_matches, html)


def as_text(call: Call) -> str:
    """The transcript as a plain .txt download: one 'Speaker: text' line per segment."""
    names = {employee.id: employee.name for employee in call.employees}
    lines = [
        f"{speaker_name(segment, names)}: {segment.text.strip()}"
        for segment in call.segments or ()
        if segment.text.strip()
    ]
    if lines:
        return "\n".join(lines) + "\n"
    return (call.transcription or "").strip() + "\n"
