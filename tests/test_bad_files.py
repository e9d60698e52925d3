"""Bad input: every broken file is handled (rows quarantined with a reason) or refused with a
message naming the file, the column and the problem; published marts never change on refusal."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from conftest import PROJECT_DIR, Run, query, run_dbt, run_pipeline

SHOP_SEED = PROJECT_DIR / "seeds" / "shop_customers.csv"
HEADER = SHOP_SEED.read_text(encoding="utf-8").splitlines()[0].split(",")


def seed_rows(limit: int = 300) -> list[list[str]]:
    with SHOP_SEED.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1 : limit + 1]


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    delimiter: str = ",",
    line_endings: list[str] | None = None,
    prefix: str = "",
) -> Path:
    """A CSV file; line_endings gives each line's ending in turn (e.g. CRLF then LF)."""
    endings = line_endings or ["\n"]
    lines = []
    for number, fields in enumerate([header, *rows]):
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(fields)
        lines.append(buffer.getvalue() + endings[number % len(endings)])
    path.write_bytes((prefix + "".join(lines)).encode("utf-8"))
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Run:
    run = run_pipeline(tmp_path_factory.mktemp("published"))
    assert run.ok, run.output[-4000:]
    return run


def renamed_header(old: str, new: str) -> list[str]:
    return [new if column == old else column for column in HEADER]


REFUSED = {
    "missing_column": (
        lambda path: write_csv(
            path,
            [c for c in HEADER if c != "Age"],
            [r[:2] + r[3:] for r in seed_rows()],
        ),
        ["column 'age' maps to 'Age', which the file does not have"],
    ),
    "renamed_column": (
        lambda path: write_csv(path, renamed_header("Annual Income ($)", "Income"), seed_rows()),
        [
            "column 'annual_income_usd' maps to 'Annual Income ($)', which the file does not have",
            "Found columns: CustomerID, Gender, Age, Income",
        ],
    ),
    "empty_file": (lambda path: path.write_bytes(b"") and path, ["the file is empty"]),
    "header_only": (lambda path: write_csv(path, HEADER, []), ["a header but no rows"]),
}


@pytest.mark.parametrize("case", REFUSED)
def test_unreadable_file_is_refused_and_nothing_is_published(
    published: Run, tmp_path: Path, case: str
) -> None:
    make, expected_messages = REFUSED[case]
    path = tmp_path / f"{case}.csv"
    make(path)
    before = digest(published.serving_db)

    run = run_pipeline(published.work, dbt_vars={"shop_customers_path": str(path)})

    assert not run.ok
    assert f"Base 'shop' customers file '{path}' (var shop_customers_path)" in run.output
    for message in expected_messages:
        assert message in run.output
    assert "nothing was published" in run.output
    assert digest(published.serving_db) == before


FORMATS = {
    "utf8_bom": {"prefix": "\ufeff"},
    "mixed_line_endings": {"line_endings": ["\r\n", "\n"]},
    "semicolon_delimited": {"delimiter": ";"},
}


@pytest.mark.parametrize("case", FORMATS)
def test_export_format_variants_are_read_in_full(tmp_path: Path, case: str) -> None:
    rows = seed_rows()
    path = write_csv(tmp_path / f"{case}.csv", HEADER, rows, **FORMATS[case])

    run = run_dbt(
        ["build", "--select", "+stg_customer_bases__customers", "--indirect-selection", "cautious"],
        tmp_path,
        dbt_vars={"shop_customers_path": str(path)},
    )

    assert run.ok, run.output[-3000:]
    read = query(
        run.build_db,
        "select customer_id, age, annual_income_usd, family_size "
        "from stg_customer_bases__customers where customer_base = 'shop' "
        "order by source_row_number",
    )
    expected = [(r[0], float(r[2]), float(r[3]), float(r[7])) for r in rows]
    assert read == expected


def test_extra_column_is_kept_in_the_raw_record_and_ignored(tmp_path: Path) -> None:
    rows = [[*row, "north"] for row in seed_rows()]
    path = write_csv(tmp_path / "extra.csv", [*HEADER, "Region"], rows)

    run = run_dbt(
        ["build", "--select", "+stg_customer_bases__customers", "--indirect-selection", "cautious"],
        tmp_path,
        dbt_vars={"shop_customers_path": str(path)},
    )

    assert run.ok, run.output[-3000:]
    [(count, regions)] = query(
        run.build_db,
        "select count(*), count(*) filter (where raw_record.shop.Region = 'north') "
        "from stg_customer_bases__customers where customer_base = 'shop'",
    )
    assert count == regions == len(rows)


def test_bad_values_are_quarantined_with_their_reasons(tmp_path: Path) -> None:
    """Text in numbers, negative and huge numbers, duplicate ids, non-ASCII text and a very
    long field, all in one file: each bad row is rejected by name, the others go on."""
    rows = seed_rows(2000)
    good = rows[0]
    long_profession = "Artist " * 150_000  # about a megabyte in one field
    bad = {
        "T1": ["T1", "Male", "thirty", *good[3:]],
        "T2": ["T2", "Female", good[2], "90 000 $", *good[4:]],
        "N1": ["N1", "Male", good[2], "-5000", *good[4:]],
        "H1": ["H1", "Male", "1e12", *good[3:]],
        "H2": ["H2", "Female", good[2], "9999999999999", *good[4:]],
        "D1": ["D1", *good[1:]],
        "Ü1": ["Ü1", "Femme", good[2], good[3], good[4], "Ingénieure", *good[6:]],
        "L1": ["L1", good[1], good[2], good[3], good[4], long_profession, *good[6:]],
        "U1": ["U1", "Male", good[2], "90_000", *good[4:]],
        "F1": ["F1", "Male", good[2], "NaN", *good[4:]],
        "F2": ["F2", "Female", good[2], good[3], "inf", *good[5:]],
    }
    path = write_csv(tmp_path / "bad_values.csv", HEADER, [*rows, *bad.values(), bad["D1"]])

    run = run_dbt(["build"], tmp_path, dbt_vars={"shop_customers_path": str(path)})

    assert run.ok, run.output[-4000:]
    rejected = dict(
        query(
            run.build_db,
            "select raw_key, failed_rules from rejected_rows where source_name = 'shop_customers' "
            "and raw_key in ('T1', 'T2', 'N1', 'H1', 'H2', 'D1', 'Ü1', 'L1', 'U1', 'F1', 'F2')",
        )
    )
    assert rejected == {
        "T1": "unparseable_value",
        "T2": "unparseable_value",
        "N1": "non_positive_income",
        "H1": "implausible_age",
        "H2": "implausible_income",
        "D1": "duplicate_customer_id",
        "U1": "unparseable_value",
        "F1": "non_finite_value, implausible_income",
        "F2": "non_finite_value, spending_score_out_of_range",
    }
    [(duplicates,)] = query(
        run.build_db,
        "select count(*) from rejected_rows where raw_key = 'D1'",
    )
    assert duplicates == 2
    kept = dict(
        query(
            run.build_db,
            "select customer_id, profession from customer_segments "
            "where customer_id in ('Ü1', 'L1')",
        )
    )
    assert kept == {"Ü1": "Ingénieure", "L1": long_profession.strip()}
    [(gender,)] = query(
        run.build_db, "select gender from customer_segments where customer_id = 'Ü1'"
    )
    assert gender == "other"
    [(read, passing, rejected_count)] = query(
        run.build_db,
        "select raw_row_count, passing_row_count, rejected_row_count from source_row_counts "
        "where source_name = 'shop_customers'",
    )
    assert read == len(rows) + len(bad) + 1 == passing + rejected_count
