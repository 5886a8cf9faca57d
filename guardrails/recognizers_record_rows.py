"""A date in a person's record row is their date of birth, even with no header to say so.

A headerless export line such as `Yulia Volkov,yulia.v@example.com,+1 (723) 844-6812,895-88-3776,1962-05-11,6690 Elm
St, Portland` carries no birth cue, so the date went through as a plain date. A line of at least five delimited
cells that holds an e-mail or an SSN is a record about a person; its one date cell, of a year at least 14 years
back, is the birth date. A row with a header is left to the header (`recognizers.birth_column`), a row with several
dates is ambiguous (created, updated, ...), and a date with a time of day is a time stamp.
"""
from __future__ import annotations

import datetime

from guardrails.text_spans import compile_re2

DELIMITERS = (",", ";", "|", "\t")
MIN_CELLS = 5
MIN_AGE_YEARS = 14
SSN_CELL = compile_re2(r"^\d{3}-\d{2}-\d{4}$")
EMAIL_CELL = compile_re2(r"^[^@\s]+@[^@\s]+\.\p{L}{2,24}$")
YEAR = compile_re2(r"(?:^|\D)(\d{4})(?:\D|$)")
DATE_CELL = compile_re2(r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4})$")


def record_row_birth_date(text: str, start: int, end: int) -> bool:
    """The date text[start:end] is the only date cell of a headerless person record row."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    value = text[start:end]
    year = YEAR.search(value)
    if year is None or int(year.group(1)) > datetime.date.today().year - MIN_AGE_YEARS:
        return False
    for sep in DELIMITERS:
        cells = [c.strip() for c in line.split(sep)]
        if len(cells) < MIN_CELLS or sep in value or value not in cells:
            continue
        if line_start > 0 and text[: text.find("\n")].count(sep) == line.count(sep):
            return False  # a header line: its column decides
        personal = any(SSN_CELL.search(c) or EMAIL_CELL.search(c) for c in cells)
        return personal and sum(1 for c in cells if DATE_CELL.search(c)) == 1
    return False
