"""Example exports in shapes unlike the demo seeds, for trying the registry of customer bases
(`examples/bases.yml`) and for the tests of users' own files.

- ``campaign_export.tsv``: a marketing CRM export, tab-separated, with birth years, spend split
  over product columns, some incomes missing, education and marital status;
- ``web_customers.parquet``: web shop customers as Parquet with typed columns;
- ``accounts.csv`` and ``account_orders.csv``: a B2B account list (semicolon-separated,
  industry and company size) and its own order history.

Each is drawn from its own seeded generator, so the files come back byte for byte.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

EDUCATION = ["Basic", "Graduate", "Master", "PhD"]
MARITAL = ["Married", "Single", "Together", "Divorced"]
INDUSTRIES = ["Retail", "Software", "Logistics"]


def write_campaign_export(path: Path, rows: int = 600) -> dict[str, int]:
    """A marketing CRM export: tab-separated, birth years, spend split over product columns,
    some incomes missing, education and marital status. Returns what the tests expect."""
    rng = np.random.default_rng(2014)
    header = [
        "ID",
        "Year_Birth",
        "Education",
        "Marital_Status",
        "Income",
        "MntWines",
        "MntFruits",
        "MntMeatProducts",
        "Recency",
    ]
    missing_income = 0
    lines = []
    for i in range(rows):
        wealthy = i % 3 == 0
        income = "" if i % 50 == 7 else str(int(rng.normal(80_000 if wealthy else 35_000, 5_000)))
        missing_income += income == ""
        lines.append(
            [
                str(5000 + i),
                str(int(rng.integers(1950, 1996))),
                EDUCATION[(i // 3) % 4 if wealthy else i % 2],
                MARITAL[i % 4],
                income,
                str(int(rng.integers(400, 900) if wealthy else rng.integers(0, 60))),
                str(int(rng.integers(0, 50))),
                str(int(rng.integers(200, 600) if wealthy else rng.integers(0, 40))),
                str(int(rng.integers(0, 99))),
            ]
        )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(lines)
    return {"rows": rows, "missing_income": missing_income}


def write_web_parquet(path: Path, rows: int = 400) -> None:
    """A shop's web customers as Parquet with typed columns (integers, doubles, text)."""
    rng = np.random.default_rng(7)
    groups = rng.integers(0, 3, rows)
    table = pa.table(
        {
            "Customer Id": pa.array([f"W-{i:04d}" for i in range(rows)]),
            "Purchase Amount (USD)": pa.array(
                np.round(rng.normal(20 + 40 * groups, 4), 2), type=pa.float64()
            ),
            "Previous Purchases": pa.array(
                (groups * 12 + rng.integers(0, 5, rows)).astype("int64")
            ),
            "Subscription Status": pa.array(np.where(groups == 2, "Yes", "No")),
        }
    )
    pq.write_table(table, path)


def write_b2b_accounts(directory: Path, accounts: int = 300) -> None:
    """A B2B account list (semicolon-separated) and its own order history."""
    rng = np.random.default_rng(99)
    sizes = ["1-10", "11-50", "51-200", "201-1000"]
    with (directory / "accounts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(["Account", "Industry", "Company Size", "Revenue (k$)", "Employees"])
        for i in range(accounts):
            big = i % 4 == 0
            writer.writerow(
                [
                    f"A{i:03d}",
                    INDUSTRIES[i % 3],
                    sizes[3 if big else i % 3],
                    str(round(float(rng.normal(9000 if big else 800, 100)), 1)),
                    str(int(rng.normal(600 if big else 30, 5))),
                ]
            )
    with (directory / "account_orders.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["Order", "Line", "Account", "Date", "Category", "Net", "Via"])
        for order in range(accounts * 2):
            account = order % accounts
            writer.writerow(
                [
                    f"PO{order:05d}",
                    "1",
                    f"A{account:03d}",
                    f"2025-0{1 + order % 9}-1{order % 9}",
                    "Electronics",
                    str(100 + account),
                    "web",
                ]
            )


def write_examples(out: Path | str) -> dict[str, int]:
    """Every example file into `out`; the rows written per file."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    campaign = write_campaign_export(folder / "campaign_export.tsv")
    write_web_parquet(folder / "web_customers.parquet")
    write_b2b_accounts(folder)
    return {
        "campaign_export.tsv": campaign["rows"],
        "web_customers.parquet": 400,
        "accounts.csv": 300,
        "account_orders.csv": 600,
    }
