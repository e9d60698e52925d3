"""The line a failed record count points at: the first `"` inside an unquoted value."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from pipeline.records import first_stray_quote


@pytest.mark.parametrize(
    ("text", "delimiter", "line"),
    [
        ('id,name\n1,ab\n2,5"6 tall\n3,cd\n', ",", 3),
        ('id;name\n1;"a;b"\n2;"say ""hi"""\n3;x"y\n', ";", 4),
        ('id\tname\n1\t"two\nlines"\n2\tfine\n', "\t", None),
        ('id,name\n1,"ends ""quoted"""\n2,"a,b"\n', ",", None),
        ('id,name\r\n1,"x"\r\n2,y"\r\n', ",", 3),
    ],
)
def test_the_first_quote_inside_an_unquoted_value_is_found(
    tmp_path: Path, text: str, delimiter: str, line: int | None
) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(text.encode("utf-8"))
    assert first_stray_quote(path, delimiter) == line


def test_a_gzip_file_and_a_latin1_file_are_followed(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv.gz"
    path.write_bytes(gzip.compress('id,name\n1,Zoë\n2,5"6\n'.encode("latin-1")))
    assert first_stray_quote(path) == 3
