"""Where a CSV file leaves standard quoting, for the message of a failed record count.

DuckDB's reader takes a `"` inside an unquoted value as a literal; the independent record
count (macros `file_lines` and `file_record_counts`) takes it to open a quoted value that runs
on to the next `"`. The two then disagree on the rows of the file, and the `rows_match_source`
test fails naming the file. This finds the line to fix, reading the file only when that test
has failed.
"""

from __future__ import annotations

import gzip
from pathlib import Path

QUOTE = '"'


def first_stray_quote(path: Path, delimiter: str = ",") -> int | None:
    """The number of the first physical line (the header is line 1) holding a `"` inside an
    unquoted value, or None when every `"` opens, doubles or closes a quoted value.

    Bytes are read as latin-1: the quote, the delimiters and line ends are ASCII, so a UTF-8
    or Windows-1252 file is followed exactly. A `.gz` file is read through gzip.
    """
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    in_quotes = False
    with opener(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.decode("latin-1").rstrip("\r\n")
            at_field_start = not in_quotes
            position = 0
            while position < len(line):
                char = line[position]
                if in_quotes:
                    if char == QUOTE and line[position + 1 : position + 2] == QUOTE:
                        position += 2
                        continue
                    in_quotes = char != QUOTE
                    at_field_start = False
                elif char == QUOTE:
                    if not at_field_start:
                        return number
                    in_quotes = True
                else:
                    at_field_start = char == delimiter
                position += 1
    return None
