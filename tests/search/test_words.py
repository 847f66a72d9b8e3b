"""calls.words: folding, reading a search as typed, and where its words fall in a text."""

from __future__ import annotations

import sqlite3

import pytest

from calls.search import checks
from calls.words.folding import HEAD_WORDS, TAIL_WORDS, document, fold, words
from calls.words.marks import spans
from calls.words.query import parse


def test_folding_drops_case_and_accents():
    assert fold("Zoë SEÑOR École") == "zoe senor ecole"
    assert words("INV-29437, order #1042; it's") == ["inv", "29437", "order", "1042", "it", "s"]
    assert words("snake_case") == ["snake", "case"]


def test_a_document_keeps_a_long_texts_every_word_within_bounds():
    long = " ".join(f"w{n}" for n in range(HEAD_WORDS + TAIL_WORDS + 5000))
    kept = document(long).split()
    assert kept[:3] == ["w0", "w1", "w2"]
    assert len(kept) == HEAD_WORDS + TAIL_WORDS
    repeated = document(" ".join(["same"] * (HEAD_WORDS + 10) + ["last"]))
    assert repeated.split()[-1] == "last"  # later words once each
    assert document(None, "", "!!!") is None


@pytest.mark.parametrize(
    ("typed", "tsquery", "fts5"),
    [
        ("refund order", "'refund' & 'order'", '"refund" AND "order"'),
        ('"late fee"', "('late' <-> 'fee')", '"late fee"'),
        ("fee -invoice", "'fee' & !'invoice'", '("fee") NOT ("invoice")'),
        ("refund OR return", "('refund' | 'return')", '("refund" OR "return")'),
        ("refund*", "'refund':*", '"refund"*'),
        ("Zoë", "'zoe'", '"zoe"'),
        ("INV-29437", "('inv' <-> '29437')", '"inv 29437"'),
        ('"', "", ""),
        ("refund OR", "'refund' & 'or'", '"refund" AND "or"'),
        ("'; DROP TABLE x; --", "'drop' & 'table' & 'x'", '"drop" AND "table" AND "x"'),
    ],
)
def test_a_search_is_written_for_each_engine_with_folded_words_only(typed, tsquery, fts5):
    query = parse(typed)
    assert query.tsquery() == tsquery
    assert query.fts5() == fts5


def test_only_words_left_out_is_an_empty_search():
    assert parse("-refund").is_empty
    assert parse("-").is_empty and not parse("-").excluded
    assert not parse("refund -fee").is_empty


def test_a_search_reads_at_most_200_characters():
    assert len(parse("a " * 500).groups) == 100


def test_marks_cover_words_as_written():
    text = "Zoë paid INV-29437; the refunded refund. Señor!"
    found = spans(text, parse('zoe "inv 29437" refund* senor').terms)
    assert [text[a:b] for a, b in found] == ["Zoë", "INV-29437", "refunded", "refund", "Señor"]
    assert spans(text, parse("refund").terms) == [(text.index("refund."), text.index("."))]
    assert spans(text, parse('"paid the"').terms) == []


def test_sqlite_without_fts5_is_named_at_start(settings, monkeypatch):
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", "django.db.backends.sqlite3")
    assert checks.sqlite_has_fts5() == []

    real_connect = sqlite3.connect

    def no_fts5(*args, **kwargs):
        connection = real_connect(*args, **kwargs)

        class Without:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                connection.close()

            def execute(self, sql):
                raise sqlite3.OperationalError("no such module: fts5")

        return Without()

    monkeypatch.setattr(checks.sqlite3, "connect", no_fts5)
    [error] = checks.sqlite_has_fts5()
    assert error.id == "calls.E010"
    assert "no FTS5 module" in error.msg and "no such module: fts5" in error.msg
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", "django.db.backends.postgresql")
    assert checks.sqlite_has_fts5() == []
