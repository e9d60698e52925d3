"""Reading a customer file cannot lose a row or a value unseen: the CSV dialect is fixed (a
header, standard quoting, no comment character), every row the reader returns is checked
against an independent count of the file's records, and a row with more or fewer fields than
the header is rejected as `ragged_row` with its whole line kept."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR, Run, demo_registry, query, run_dbt, run_pipeline

SHOP_SEED = PROJECT_DIR / "seeds" / "shop_customers.csv"
# More rows than DuckDB's sniffer samples (20,480), so a ragged row can sit past the sample.
PAST_THE_SAMPLE = 21_000


def seed() -> tuple[list[str], list[list[str]]]:
    with SHOP_SEED.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def csv_lines(rows: list[list[str]]) -> list[str]:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().splitlines(keepends=True)


def many_rows(count: int) -> tuple[list[str], list[list[str]]]:
    """`count` rows of the demo shop file, repeated under new ids."""
    header, rows = seed()
    return header, [[f"C{number}", *rows[number % len(rows)][1:]] for number in range(count)]


def build(tmp_path: Path, text: str) -> Run:
    """The whole build on one base read from this file (the shop format, without the demo
    orders, whose customer ids the written files do not keep)."""
    path = tmp_path / "customers.csv"
    path.write_text(text, encoding="utf-8")
    shop = demo_registry()["shop"]
    base = {
        "path": str(path),
        "source_name": "shop_customers",
        "columns": shop["columns"],
        "required": shop["required"],
    }
    # The unit tests are left out: some assume the demo registry's order history.
    run = run_dbt(
        ["build", "--exclude-resource-type", "unit_test"],
        tmp_path,
        dbt_vars={"customer_bases": {"shop": base}},
    )
    assert run.ok, run.output[-4000:]
    return run


def assert_rows_conserved(run: Run, expected_rows: int) -> None:
    """Every record of the file is read once, and is either passed on or rejected; the read
    of the ids alone, which skips the ragged-row check, gives every row the same id."""
    [(staged,)] = query(
        run.build_db,
        "select count(*) from stg_customer_bases__customers where customer_base = 'shop'",
    )
    [(read, passing, rejected)] = query(
        run.build_db,
        "select raw_row_count, passing_row_count, rejected_row_count from source_row_counts "
        "where source_name = 'shop_customers'",
    )
    assert staged == read == expected_rows
    assert passing + rejected == expected_rows
    ids = "select source_file, source_row_number, customer_id from {}"
    full, ids_only = (
        ids.format("stg_customer_bases__customers"),
        ids.format("stg_customer_bases__customer_ids"),
    )
    assert query(
        run.build_db,
        f"select (select count(*) from ({full} except all {ids_only})), "
        f"(select count(*) from ({ids_only} except all {full}))",
    ) == [(0, 0)]


def rejected(run: Run, where: str) -> list[tuple[str, str]]:
    return query(
        run.build_db,
        "select failed_rules, raw_record from rejected_rows "
        f"where source_name = 'shop_customers' and {where} order by source_row_number",
    )


def test_hash_ids_and_a_comment_like_footer_are_rows(tmp_path: Path) -> None:
    """Ids starting with `#` and a `# exported ...` footer once made the sniffer take `#` for
    a comment character: customers vanished. Every id is read, and the footer is a ragged
    row, rejected by name."""
    header, rows = seed()
    hashed = [[f"#{row[0]}", *row[1:]] for row in rows]
    text = "".join(csv_lines([header, *hashed])) + "# exported 2026-12-01 by the CRM\n"

    run = build(tmp_path, text)

    assert_rows_conserved(run, len(rows) + 1)
    [(hash_ids,)] = query(
        run.build_db,
        "select count(*) from stg_customer_bases__customers "
        "where customer_base = 'shop' and customer_id like '#%'",
    )
    assert hash_ids == len(rows) + 1
    [(rules, raw_record)] = rejected(run, "raw_key like '# exported%'")
    assert rules.startswith("ragged_row")
    assert json.loads(raw_record)["_source_line"] == "# exported 2026-12-01 by the CRM"


def test_an_extra_field_past_the_sniff_sample_is_a_ragged_row(tmp_path: Path) -> None:
    header, rows = many_rows(PAST_THE_SAMPLE)
    rows[20_900] = [*rows[20_900], "surplus value"]

    run = build(tmp_path, "".join(csv_lines([header, *rows])))

    assert_rows_conserved(run, len(rows))
    [(rules, raw_record)] = rejected(run, "raw_key = 'C20900'")
    assert rules == "ragged_row"
    assert json.loads(raw_record)["_source_line"].endswith(",surplus value")
    assert query(
        run.build_db, "select count(*) from customer_segments where customer_id = 'C20900'"
    ) == [(0,)]


def test_a_short_row_is_a_ragged_row_not_a_failed_load(tmp_path: Path) -> None:
    header, rows = many_rows(3_000)
    rows[2_500] = rows[2_500][:4]
    lines = csv_lines([header, *rows])

    run = build(tmp_path, "".join(lines))

    assert_rows_conserved(run, len(rows))
    [(rules, raw_record)] = rejected(run, "raw_key = 'C2500'")
    assert rules.split(", ")[0] == "ragged_row"
    assert json.loads(raw_record)["_source_line"] == lines[2_501].rstrip("\n")


@pytest.mark.parametrize("quoted", ["Artist\nand painter", 'The "best" artist, really'])
def test_quoted_newlines_and_quotes_are_not_ragged(tmp_path: Path, quoted: str) -> None:
    """The independent count follows standard quoting: a quoted newline or delimiter does not
    end a record or a field."""
    header, rows = seed()
    rows[10][5] = quoted

    run = build(tmp_path, "".join(csv_lines([header, *rows])))

    assert_rows_conserved(run, len(rows))
    [(profession,)] = query(
        run.build_db,
        f"select profession from customer_segments where customer_id = '{rows[10][0]}'",
    )
    assert profession == quoted
    assert rejected(run, "failed_rules like '%ragged_row%'") == []


def test_an_extra_field_within_the_sniff_sample_is_refused_naming_the_line(
    tmp_path: Path,
) -> None:
    """DuckDB's reader cannot open a file whose sampled rows disagree on the number of
    fields; the refusal names the file, the line and both counts instead of DuckDB's
    advice to set options the project does not expose."""
    header, rows = seed()
    rows[4] = [*rows[4], "surplus value"]
    path = tmp_path / "customers.csv"
    path.write_text("".join(csv_lines([header, *rows])), encoding="utf-8")

    run = run_dbt(["build"], tmp_path, dbt_vars={"shop_customers_path": str(path)})

    assert not run.ok
    assert (
        f"Base 'shop' customers file '{path}' (var shop_customers_path): line 6 of {path} "
        "has 9 fields where the header has 8."
    ) in run.output, run.output[-3000:]
    assert "START sql" not in run.output


def write_seed_as(path: Path, encoding: str, compress: bool = False) -> Path:
    """The demo shop file in another encoding (one profession with an accent), or gzipped."""
    header, rows = seed()
    rows[0][5] = "Ingénieure"
    data = "".join(csv_lines([header, *rows])).encode(encoding)
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


def write_mixed_glob(folder: Path) -> Path:
    folder.mkdir()
    write_seed_as(folder / "customers.csv", "utf-8")
    duckdb.sql(
        f"copy (select * from read_csv('{folder / 'customers.csv'}', all_varchar = true)) "
        f"to '{folder / 'more_customers.parquet'}' (format parquet)"
    )
    return folder / "*"


REFUSED_FILES = {
    "utf16": (lambda tmp: write_seed_as(tmp / "c.csv", "utf-16"), "is UTF-16 encoded"),
    "latin1_without_encoding": (
        lambda tmp: write_seed_as(tmp / "c.csv", "latin-1"),
        "is not UTF-8 (a latin-1 or Windows-1252 export?); set `encoding: latin-1`",
    ),
    "gzip_named_csv": (
        lambda tmp: write_seed_as(tmp / "c.csv", "utf-8", compress=True),
        "is gzip-compressed but not named .gz",
    ),
    "csv_and_parquet_in_one_glob": (
        lambda tmp: write_mixed_glob(tmp / "mixed"),
        "more_customers.parquet) as well as CSV files",
    ),
}


@pytest.mark.parametrize("case", REFUSED_FILES)
def test_a_file_the_reader_cannot_take_is_refused_naming_it(tmp_path: Path, case: str) -> None:
    make, message = REFUSED_FILES[case]
    path = make(tmp_path)

    run = run_dbt(["build"], tmp_path, dbt_vars={"shop_customers_path": str(path)})

    assert not run.ok
    assert f"Base 'shop' customers file '{path}' (var shop_customers_path): " in run.output
    assert message in run.output, run.output[-3000:]
    assert "START sql" not in run.output


@pytest.mark.parametrize(
    ("name", "encoding", "compress"),
    [("latin1.csv", "latin-1", False), ("customers.csv.gz", None, True)],
)
def test_latin1_with_its_encoding_and_gzip_named_gz_are_read_in_full(
    tmp_path: Path, name: str, encoding: str | None, compress: bool
) -> None:
    path = write_seed_as(tmp_path / name, encoding or "utf-8", compress=compress)
    shop = demo_registry()["shop"]
    base = {"path": str(path), "source_name": "shop_customers", "columns": shop["columns"]}
    if encoding:
        base["encoding"] = encoding

    run = run_dbt(
        ["build", "--select", "+stg_customer_bases__customers", "--indirect-selection", "cautious"],
        tmp_path,
        dbt_vars={"customer_bases": {"shop": base}},
    )

    assert run.ok, run.output[-3000:]
    _, rows = seed()
    staged = query(
        run.build_db,
        "select customer_id, profession from stg_customer_bases__customers "
        "order by source_row_number",
    )
    assert len(staged) == len(rows)
    assert staged[0] == (rows[0][0], "Ingénieure")


def test_a_glob_keeps_every_column_of_every_file_and_matches_header_alternatives(
    tmp_path: Path,
) -> None:
    """Files of a glob are matched by column name: one file says `Genre`, the other
    `Gender` (both allowed by the mall base), and a column only one file has is kept in
    raw_record for that file's rows."""
    folder = tmp_path / "mall"
    folder.mkdir()
    spring = [
        ["CustomerID", "Genre", "Age", "Annual Income (k$)", "Spending Score (1-100)", "Region"],
        *(
            [f"S{n}", "Female", str(20 + n), str(15 + 3 * n), str(10 + 7 * n), "North"]
            for n in range(6)
        ),
    ]
    autumn = [
        ["CustomerID", "Gender", "Age", "Annual Income (k$)", "Spending Score (1-100)"],
        *([f"A{n}", "Male", str(40 + n), str(60 + 5 * n), str(90 - 6 * n)] for n in range(6)),
    ]
    (folder / "spring.csv").write_text("".join(csv_lines(spring)), encoding="utf-8")
    (folder / "autumn.csv").write_text("".join(csv_lines(autumn)), encoding="utf-8")
    base = {**demo_registry()["mall"], "path": str(folder / "*.csv")}
    del base["seed"]

    run = run_dbt(
        ["build", "--select", "+int_customers_featurized", "--indirect-selection", "cautious"],
        tmp_path,
        dbt_vars={"customer_bases": {"mall": base}},
    )

    assert run.ok, run.output[-4000:]
    staged = query(
        run.build_db,
        "select featurized.customer_id, featurized.gender, staged.source_file, "
        "staged.raw_record.mall.Region "
        "from int_customers_featurized as featurized "
        "join stg_customer_bases__customers as staged "
        "using (customer_base, customer_id) "
        "where featurized.customer_base = 'mall' order by featurized.customer_id",
    )
    assert len(staged) == 12
    for customer_id, gender, source_file, region in staged:
        from_spring = customer_id.startswith("S")
        assert gender == ("female" if from_spring else "male")
        assert source_file.endswith("spring.csv" if from_spring else "autumn.csv")
        assert region == ("North" if from_spring else None)


def test_rows_the_reader_and_the_line_count_disagree_on_fail_the_job_naming_the_file(
    tmp_path: Path,
) -> None:
    """A `"` inside an unquoted value is a literal to DuckDB's reader but opens a quote to the
    line-by-line count: the two disagree, and the main job says so in one sentence naming
    the file and both counts, and publishes nothing."""
    header, rows = seed()
    rows[10][5] = '5"6 tall'
    path = tmp_path / "customers.csv"
    path.write_text("".join(csv_lines([header, *rows])).replace('"5""6 tall"', '5"6 tall'))
    shop = demo_registry()["shop"]
    base = {"path": str(path), "columns": shop["columns"], "required": shop["required"]}

    run = run_pipeline(tmp_path, dbt_vars={"customer_bases": {"shop": base}})

    assert run.returncode == 1
    assert (
        f"The customers file {path} of base shop was read as {len(rows)} rows, but it has 11 "
        "records counted line by line: the reader skipped, split or merged rows. Check its "
        'quoting (a " inside an unquoted value opens a quote) and line ends. Line 12 has a " '
        'inside an unquoted value: quote that value (doubling the " inside it) or remove the '
        "quote."
    ) in run.output, run.output[-3000:]
    assert "nothing was published" in run.output
    assert not run.serving_db.exists()


def test_the_record_count_keeps_to_a_small_memory_limit(tmp_path: Path) -> None:
    """The independent record count is running totals over the file's lines, not a window
    holding the whole file: 400,000 records (about 20 MB, some values spanning lines, some
    rows ragged) are counted, with their line numbers, within a 24 MB DuckDB memory limit; so
    are the per-file counts the reader is checked against and the ragged records staging
    joins."""
    header, rows = seed()
    rows[7][5] = "Engineer\nand artist"
    rows[9] = [*rows[9], "extra"]
    body = csv_lines(rows)
    path = tmp_path / "customers.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.writelines(csv_lines([header]))
        for _ in range(200):
            handle.writelines(body)
    location = f"{{'path': '{path}', 'encoding': none, 'delimiter': none}}"
    compiled = {
        name: run_dbt(["compile", "--quiet", "--inline", f"{{{{ {macro} }}}}"], tmp_path)
        for name, macro in {
            "records": f"file_records({location})",
            "ragged": f"file_records({location}, only_ragged=true)",
            "counts": f"file_record_counts({location})",
        }.items()
    }
    for run in compiled.values():
        assert run.ok, run.output[-3000:]

    with duckdb.connect() as connection:
        connection.execute("set memory_limit = '24MB'")
        connection.execute("set threads = 1")
        counted = connection.sql(
            "select count(*), max(source_row_number), count(*) filter (where field_count != "
            "header_field_count), count(*) filter (where record_text like '%and artist%'), "
            f"max(line_number) from ({compiled['records'].output})"
        ).fetchall()
        ragged = connection.sql(
            "select count(*), max(source_row_number), max(line_number), "
            "count(*) filter (where field_count = header_field_count) "
            f"from ({compiled['ragged'].output})"
        ).fetchall()
        per_file = connection.sql(
            f"select sum(record_count) from ({compiled['counts'].output})"
        ).fetchall()
    # Every 2,000-row block adds one record spanning two lines: 2,001 lines per block; its
    # tenth row (line 11 of the block) has a field too many.
    assert counted == [(400_000, 400_000, 200, 200, 1 + 200 * 2_001)]
    assert ragged == [(200, 199 * 2_000 + 10, 1 + 199 * 2_001 + 11, 0)]
    assert per_file == [(400_000,)]
