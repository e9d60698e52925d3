"""Writing the generated tables: CSV or Parquet of any size, and the mall file's CRLF layout.

CSV is written unquoted with a header and LF line endings, except the mall file, which
keeps the public file's CRLF and no newline after the last row. Parquet output has the
CSV column names: IDs and text columns are strings (an empty Profession is null),
numbers int64, ``joined_date`` a date; ``order_date`` and ``amount_usd`` stay text
because they carry the unparseable values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from datagen.mall import MALL_HEADER

FORMATS = ("csv", "parquet")
# Rows per Parquet row group (the last one fewer), whatever the appended table sizes.
PARQUET_ROW_GROUP_ROWS = 1_000_000


class TableSink:
    """Append Arrow tables with one schema to a CSV or Parquet file.

    CSV is written unquoted with LF line endings and a header. Parquet row groups
    hold exactly ``PARQUET_ROW_GROUP_ROWS`` rows (the last one fewer), so neither
    format depends on the sizes of the appended tables.
    """

    def __init__(self, path: str | Path, fmt: str, schema: pa.Schema) -> None:
        """Open ``path`` for writing in format ``fmt`` (``csv`` or ``parquet``)."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        self.schema = schema
        self.rows = 0
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._writer: pacsv.CSVWriter | pq.ParquetWriter
        if fmt == "csv":
            options = pacsv.WriteOptions(
                quoting_style="none", quoting_header="none", batch_size=65_536
            )
            self._writer = pacsv.CSVWriter(str(path), schema, write_options=options)
        else:
            self._writer = pq.ParquetWriter(str(path), schema, compression="zstd")

    def write(self, table: pa.Table) -> None:
        """Append ``table`` (cast to the sink's schema)."""
        table = table.select(self.schema.names).cast(self.schema)
        self.rows += table.num_rows
        if isinstance(self._writer, pacsv.CSVWriter):
            self._writer.write_table(table)
            return
        self._buffer.append(table)
        self._buffered += table.num_rows
        if self._buffered >= PARQUET_ROW_GROUP_ROWS:
            self._flush(final=False)

    def _flush(self, final: bool) -> None:
        """Write buffered rows as full row groups (and the remainder if ``final``)."""
        pending = pa.concat_tables(self._buffer) if self._buffer else self.schema.empty_table()
        start = 0
        while pending.num_rows - start >= PARQUET_ROW_GROUP_ROWS or (
            final and start < pending.num_rows
        ):
            group = pending.slice(start, PARQUET_ROW_GROUP_ROWS)
            self._writer.write_table(group, row_group_size=PARQUET_ROW_GROUP_ROWS)
            start += group.num_rows
        rest = pending.slice(start)
        self._buffer = [rest] if rest.num_rows else []
        self._buffered = rest.num_rows

    def close(self) -> None:
        """Flush and close the file."""
        if isinstance(self._writer, pq.ParquetWriter):
            self._flush(final=True)
        self._writer.close()

    def __enter__(self) -> TableSink:
        """Use as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close on leaving the context."""
        self.close()


def write_frame(df: pd.DataFrame, path: str | Path, schema: pa.Schema, fmt: str = "csv") -> None:
    """Write a DataFrame through :class:`TableSink` with ``schema``."""
    with TableSink(path, fmt, schema) as sink:
        sink.write(pa.Table.from_pandas(df, preserve_index=False))


def write_mall_csv(df: pd.DataFrame, path: str | Path) -> None:
    """Write the mall file as the public file is laid out: CRLF, no final newline."""
    lines = [MALL_HEADER]
    lines += [",".join(str(v) for v in row) for row in df.itertuples(index=False, name=None)]
    Path(path).write_bytes("\r\n".join(lines).encode("ascii"))
