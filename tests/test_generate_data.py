"""Tests of the data generator (datagen/, run by scripts/generate_data.py) and of the seed
files it committed."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from datagen import streams, writers
from datagen.cli import main
from datagen.loyalty import LOYALTY_SCHEMA, loyalty_members
from datagen.mall import mall_customers
from datagen.orders import BAD_AMOUNTS, CATEGORIES, ORDER_DIRT, ORDER_SCHEMA, orders
from datagen.shop import (
    PROFESSIONS,
    SHOP_ROWS,
    SHOP_SCHEMA,
    SHOP_SEGMENTS,
    shop_customers,
    shop_segments,
)
from datagen.streams import DEFAULT_SEED
from datagen.writers import write_frame, write_mall_csv

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SCRIPT = ROOT / "scripts" / "generate_data.py"
GENERATED = ("mall_customers.csv", "shop_customers.csv", "orders.csv", "loyalty_members.csv")

MALL_INCOME = "Annual Income (k$)"
MALL_SCORE = "Spending Score (1-100)"
SHOP_INCOME = "Annual Income ($)"
SHOP_SCORE = "Spending Score (1-100)"

# Published mall clusters: size -> (income, spending) centre.
MALL_CLUSTERS = {81: (55, 50), 39: (87, 82), 35: (88, 17), 23: (26, 21), 22: (26, 79)}


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    """KMeans on a few hundred rows is fastest, and steadiest, on one thread."""
    with threadpool_limits(limits=1):
        yield


@cache
def _text(name: str) -> pd.DataFrame:
    """A committed seed file with every value as text (empty stays '')."""
    return pd.read_csv(SEEDS / name, dtype=str, keep_default_na=False)


@cache
def _mall() -> pd.DataFrame:
    return pd.read_csv(SEEDS / "mall_customers.csv", dtype={"CustomerID": str})


@cache
def _shop() -> pd.DataFrame:
    return pd.read_csv(
        SEEDS / "shop_customers.csv", dtype={"CustomerID": str, "Profession": str}
    ).fillna({"Profession": ""})


def _silhouettes(x: np.ndarray) -> dict[int, float]:
    """Silhouette of KMeans(k, n_init=10, random_state=0) for k = 2..10."""
    return {
        k: silhouette_score(x, KMeans(k, n_init=10, random_state=0).fit_predict(x))
        for k in range(2, 11)
    }


def _best_k(x: np.ndarray) -> int:
    scores = _silhouettes(x)
    return max(scores, key=scores.__getitem__)


def _std(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return StandardScaler().fit_transform(df[columns].to_numpy(float))


# ---------------------------------------------------------------------------
# Reproducibility
# ---------------------------------------------------------------------------


def test_seeds_regenerate_byte_for_byte(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["seeds", "--out", str(tmp_path), "--seed", str(DEFAULT_SEED)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("seeds: wrote")
    for name in GENERATED:
        assert (tmp_path / name).read_bytes() == (SEEDS / name).read_bytes(), name


def test_script_runs_the_package_command_line(tmp_path: Path) -> None:
    """`make seeds` runs scripts/generate_data.py, which only hands over to datagen.cli."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "seeds", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("seeds: wrote")
    for name in GENERATED:
        assert (tmp_path / name).read_bytes() == (SEEDS / name).read_bytes(), name


def test_dataframe_api_matches_seed_files(tmp_path: Path) -> None:
    write_mall_csv(mall_customers(DEFAULT_SEED), tmp_path / "mall.csv")
    customers = shop_customers(SHOP_ROWS, DEFAULT_SEED)
    write_frame(customers, tmp_path / "shop.csv", SHOP_SCHEMA)
    write_frame(orders(customers, DEFAULT_SEED), tmp_path / "o.csv", ORDER_SCHEMA)
    members = loyalty_members(customers, DEFAULT_SEED)
    write_frame(members, tmp_path / "l.csv", LOYALTY_SCHEMA)
    pairs = {"mall.csv": "mall_customers.csv", "shop.csv": "shop_customers.csv"}
    pairs |= {"o.csv": "orders.csv", "l.csv": "loyalty_members.csv"}
    for ours, committed in pairs.items():
        assert (tmp_path / ours).read_bytes() == (SEEDS / committed).read_bytes(), committed


def test_other_seed_gives_other_data() -> None:
    a = shop_customers(200, seed=1)
    b = shop_customers(200, seed=2)
    assert not a.equals(b)
    assert a.equals(shop_customers(200, seed=1))


# ---------------------------------------------------------------------------
# mall_customers.csv
# ---------------------------------------------------------------------------


def test_mall_layout() -> None:
    raw = (SEEDS / "mall_customers.csv").read_bytes()
    assert not raw.endswith(b"\n")
    assert raw.count(b"\n") == raw.count(b"\r\n") == 200
    lines = raw.decode("ascii").split("\r\n")
    assert lines[0] == "CustomerID,Genre,Age,Annual Income (k$),Spending Score (1-100)"
    assert len(lines) == 201
    assert [line.split(",")[0] for line in lines[1:]] == [f"{i:04d}" for i in range(1, 201)]


def test_mall_values() -> None:
    df = _mall()
    assert df["Genre"].value_counts().to_dict() == {"Female": 112, "Male": 88}
    for column, (lo, hi) in {
        "Age": (18, 70),
        MALL_INCOME: (15, 137),
        MALL_SCORE: (1, 99),
    }.items():
        assert df[column].dtype == np.int64
        assert (df[column].min(), df[column].max()) == (lo, hi), column
    assert df[MALL_INCOME].is_monotonic_increasing


@pytest.mark.parametrize("random_state", range(5))
def test_mall_kmeans_finds_the_published_clusters(random_state: int) -> None:
    df = _mall()
    x = df[[MALL_INCOME, MALL_SCORE]].to_numpy(float)
    raw = KMeans(5, n_init=10, random_state=random_state).fit(x)
    sizes = np.bincount(raw.labels_)
    assert sorted(sizes) == sorted(MALL_CLUSTERS)
    for label, size in enumerate(sizes):
        centre = np.asarray(MALL_CLUSTERS[size])
        assert np.abs(raw.cluster_centers_[label] - centre).max() <= 3, size
    std = KMeans(5, n_init=10, random_state=random_state).fit(StandardScaler().fit_transform(x))
    assert adjusted_rand_score(raw.labels_, std.labels_) == 1.0


def test_mall_group_spreads_and_ages() -> None:
    df = _mall()
    labels = KMeans(5, n_init=10, random_state=0).fit_predict(df[[MALL_INCOME, MALL_SCORE]])
    groups = {int((labels == k).sum()): df[labels == k] for k in range(5)}
    mid = groups[81]
    assert mid[MALL_INCOME].between(40, 70).all() and mid[MALL_SCORE].between(35, 61).all()
    older, younger = mid[mid["Age"] >= 40], mid[mid["Age"] < 40]
    assert 40 <= len(older) <= 50 and older["Age"].between(45, 70).all()
    assert 53 <= older["Age"].mean() <= 59
    assert younger["Age"].between(18, 35).all() and 24 <= younger["Age"].mean() <= 30
    ages = {39: (30, 36, 27, 40), 35: (38, 44, 19, 59), 23: (42, 48, 19, 67), 22: (22, 28, 18, 35)}
    for size, (mean_lo, mean_hi, lo, hi) in ages.items():
        age = groups[size]["Age"]
        assert mean_lo <= age.mean() <= mean_hi and age.between(lo, hi).all(), size
    for size in (39, 35, 23, 22):
        centre_income, centre_score = MALL_CLUSTERS[size]
        group = groups[size]
        assert 4 <= group[MALL_INCOME].std() <= 16, size
        assert 4 <= group[MALL_SCORE].std() <= 16, size
        assert group[MALL_SCORE].sub(centre_score).abs().max() <= 25, size
        if centre_income < 40:
            assert group[MALL_INCOME].between(15, 39).all(), size


@pytest.mark.parametrize(
    ("columns", "standardise", "best"),
    [
        ([MALL_INCOME, MALL_SCORE], True, 5),
        (["Age", MALL_INCOME, MALL_SCORE], True, 6),
        ([MALL_INCOME, MALL_SCORE], False, 5),
        (["Age", MALL_INCOME, MALL_SCORE], False, 6),
    ],
)
def test_mall_silhouette_peak(columns: list[str], standardise: bool, best: int) -> None:
    df = _mall()
    x = _std(df, columns) if standardise else df[columns].to_numpy(float)
    assert _best_k(x) == best


# ---------------------------------------------------------------------------
# shop_customers.csv
# ---------------------------------------------------------------------------


def test_shop_layout() -> None:
    raw = (SEEDS / "shop_customers.csv").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n") and not raw.endswith(b"\n\n")
    header = raw.split(b"\n", 1)[0].decode()
    assert header == (
        "CustomerID,Gender,Age,Annual Income ($),Spending Score (1-100),"
        "Profession,Work Experience,Family Size"
    )
    df = _text("shop_customers.csv")
    assert df["CustomerID"].tolist() == [str(i) for i in range(1, 2001)]
    for column in ("Age", SHOP_INCOME, SHOP_SCORE, "Work Experience", "Family Size"):
        assert df[column].str.fullmatch(r"\d+").all(), column


def test_shop_values() -> None:
    df = _shop()
    assert set(df["Gender"]) == {"Female", "Male"}
    assert 0.57 <= (df["Gender"] == "Female").mean() <= 0.61
    assert 100_000 <= df[SHOP_INCOME].mean() <= 120_000 and df[SHOP_INCOME].max() <= 190_000
    assert df[SHOP_SCORE].between(0, 100).all()
    professions = df.loc[df["Profession"] != "", "Profession"].value_counts()
    assert set(professions.index) == set(PROFESSIONS)
    assert professions.index[0] == "Artist"
    assert df["Family Size"].between(1, 9).all()
    assert (df["Work Experience"] <= 17).mean() >= 0.99
    assert df["Age"].between(0, 99).all() and df["Age"].max() == 99


def test_shop_quirk_counts() -> None:
    df = _shop()
    age, work = df["Age"], df["Work Experience"]
    assert (df["Profession"] == "").sum() == 35
    assert (age == 0).sum() == 24
    assert age.between(1, 17).sum() == 306
    assert (df[SHOP_INCOME] == 0).sum() == 2
    assert (df[SHOP_SCORE] == 0).sum() == 2
    assert (work > age).sum() == 80
    assert ((work > age) & (age < 18)).sum() > 40
    minors = df[age < 18]
    assert (minors["Profession"] != "").mean() > 0.9 and (minors[SHOP_INCOME] > 0).all()


def test_shop_other_rows_are_plausible() -> None:
    df = _shop()
    age, work = df["Age"], df["Work Experience"]
    zero = (df[SHOP_INCOME] == 0) | (df[SHOP_SCORE] == 0)
    quirky = (age < 18) | zero | (work > age)
    rest = df[~quirky]
    assert len(rest) == 2000 - 330 - 4 - (((work > age) & (age >= 18)).sum())
    assert rest["Age"].between(18, 99).all()
    assert (rest[SHOP_INCOME] > 0).all() and rest[SHOP_SCORE].between(1, 100).all()
    assert (rest["Work Experience"] <= rest["Age"] - 16).all()
    assert rest["Family Size"].between(1, 9).all()
    # The zero income / zero score rows are otherwise plausible adults.
    odd = df[zero]
    assert odd["Age"].between(18, 99).all() and (odd["Work Experience"] <= odd["Age"] - 16).all()
    assert ((odd[SHOP_INCOME] > 0) | (odd[SHOP_SCORE] > 0)).all()


def test_shop_has_segment_structure() -> None:
    adults = _shop()[lambda d: d["Age"] >= 18]
    x = _std(adults, ["Age", SHOP_INCOME, SHOP_SCORE])
    scores = _silhouettes(x)
    best = max(scores, key=scores.__getitem__)
    assert best == len(SHOP_SEGMENTS)
    assert scores[best] - max(v for k, v in scores.items() if k != best) > 0.03


# ---------------------------------------------------------------------------
# orders.csv
# ---------------------------------------------------------------------------


def _orders() -> pd.DataFrame:
    df = _text("orders.csv").copy()
    df["amount"] = pd.to_numeric(df["amount_usd"], errors="coerce")
    df["date"] = pd.to_datetime(df["order_date"], errors="coerce", format="%Y-%m-%d")
    return df


def test_orders_layout() -> None:
    raw = (SEEDS / "orders.csv").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n") and not raw.endswith(b"\n\n")
    header = raw.split(b"\n", 1)[0].decode()
    assert (
        header == "order_id,line_number,customer_id,order_date,product_category,amount_usd,channel"
    )
    df = _orders()
    assert 15_000 <= len(df) <= 30_000
    assert df["order_id"].str.fullmatch(r"O\d{7}").all()
    assert df["customer_id"].str.fullmatch(r"[1-9]\d*").all()
    assert set(df["product_category"]) == set(CATEGORIES)
    assert set(df["channel"]) == {"store", "web", "app"}
    ok_amount = df["amount"].notna()
    assert df.loc[ok_amount, "amount_usd"].str.fullmatch(r"-?\d+\.\d{2}").all()
    ok_date = df["date"].notna()
    assert df.loc[ok_date, "order_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    clean = df[ok_date & (df["date"] <= "2025-12-31")]
    assert clean["date"].min() == pd.Timestamp("2024-01-01")
    assert clean["date"].max() == pd.Timestamp("2025-12-31")
    # The shuffled order is not the order-id order.
    assert not df["order_id"].is_monotonic_increasing


def test_orders_lines_are_consistent() -> None:
    df = _orders().drop_duplicates()
    lines = df.groupby("order_id")["line_number"].agg(lambda s: sorted(map(int, s)))
    assert all(n == list(range(1, len(n) + 1)) and len(n) <= 3 for n in lines)
    per_order = df.groupby("order_id")[["customer_id", "channel"]].nunique()
    assert (per_order == 1).all().all()
    assert (df.groupby("order_id")["order_date"].nunique() == 1).all()


def test_orders_dirty_counts() -> None:
    df = _orders()
    dirt = ORDER_DIRT
    shop_ids = set(_text("shop_customers.csv")["CustomerID"])
    unknown = ~df["customer_id"].isin(shop_ids)
    assert unknown.sum() == dirt["unknown_customer"] == 40
    assert df.loc[unknown, "customer_id"].astype(int).between(9001, 9999).all()
    assert (df["amount"] < 0).sum() == dirt["negative_amount"] == 60
    assert (df["amount"] == 0).sum() == dirt["zero_amount"] == 10
    assert df["amount"].isna().sum() == dirt["bad_amount"] == 5
    assert set(df.loc[df["amount"].isna(), "amount_usd"]) <= set(BAD_AMOUNTS)
    assert df["date"].isna().sum() == dirt["bad_date"] == 5
    future = df["date"] > "2025-12-31"
    assert future.sum() == dirt["future_date"] == 25
    assert (df.loc[future, "date"].dt.year == 2027).all()
    assert df.drop(columns=["amount", "date"]).duplicated().sum() == dirt["duplicate"] == 50


def test_orders_follow_customer_behaviour() -> None:
    df = _orders().drop_duplicates()
    customers = _shop()
    n_orders = df.groupby("customer_id")["order_id"].nunique()
    orders_per = customers["CustomerID"].map(n_orders).fillna(0)
    assert 8 <= orders_per.mean() <= 12
    assert 0.03 <= (orders_per == 0).mean() <= 0.07
    assert (orders_per == 1).sum() > 20
    assert (orders_per[customers["Age"] < 18] > 0).mean() > 0.9
    score = customers[SHOP_SCORE]
    assert orders_per[score >= 60].mean() > 1.5 * orders_per[score.between(1, 30)].mean()

    lines = df.merge(customers, left_on="customer_id", right_on="CustomerID")
    young = lines[lines["Age"].between(18, 30)]
    old = lines[lines["Age"] >= 60]
    assert (young["channel"] == "app").mean() > 2 * (old["channel"] == "app").mean()
    assert (old["channel"] == "store").mean() > 2 * (young["channel"] == "store").mean()
    trendy = ["Sports", "Fashion", "Electronics"]
    assert young["product_category"].isin(trendy).mean() > 0.6
    assert old["product_category"].isin(["Home Goods", "Groceries"]).mean() > 0.6
    rich = lines[(lines[SHOP_INCOME] >= 130_000) & (lines[SHOP_SCORE] >= 60)]
    assert rich["product_category"].isin(["Electronics", "Fashion", "Beauty"]).mean() > 0.65
    paid = lines[lines["amount"] > 0]
    income = paid[SHOP_INCOME]
    assert (
        paid.loc[income >= 140_000, "amount"].median()
        > 2 * paid.loc[income.between(1, 60_000), "amount"].median()
    )
    last = df[df["date"] <= "2025-12-31"].groupby("customer_id")["date"].max()
    assert 0.1 <= (last < "2025-01-01").mean() <= 0.3


# ---------------------------------------------------------------------------
# loyalty_members.csv
# ---------------------------------------------------------------------------


def test_loyalty_members() -> None:
    raw = (SEEDS / "loyalty_members.csv").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n") and not raw.endswith(b"\n\n")
    assert raw.split(b"\n", 1)[0] == b"customer_id,joined_date,tier"
    df = _text("loyalty_members.csv")
    customers = _shop()
    assert df["customer_id"].is_unique and df["customer_id"].isin(customers["CustomerID"]).all()
    assert 0.35 <= len(df) / len(customers) <= 0.45
    joined = pd.to_datetime(df["joined_date"], format="%Y-%m-%d")
    assert joined.min() >= pd.Timestamp("2019-01-01") and joined.max() <= pd.Timestamp("2025-12-31")
    assert set(df["tier"]) == {"Bronze", "Silver", "Gold"}
    segment = shop_segments(
        customers["Age"].to_numpy(), customers[SHOP_INCOME].to_numpy(), customers[SHOP_SCORE]
    )
    member = customers["CustomerID"].isin(df["customer_id"]).to_numpy()
    names = [s.name for s in SHOP_SEGMENTS]
    rate = {name: member[segment == i].mean() for i, name in enumerate(names)}
    assert rate["young_trendsetters"] > 0.8
    assert 0.45 <= rate["family_mainstream"] <= 0.7
    assert 0.2 <= rate["affluent_big_spenders"] <= 0.4


# ---------------------------------------------------------------------------
# scale
# ---------------------------------------------------------------------------


def _scale(out: Path, fmt: str, rows: int = 5000, chunk_rows: int | None = None) -> Path:
    args = ["scale", "--rows", str(rows), "--format", fmt, "--out", str(out), "--with-orders"]
    if chunk_rows is not None:
        args += ["--chunk-rows", str(chunk_rows)]
    assert main(args) == 0
    return out


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_scale_is_deterministic_and_chunk_independent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    # Small blocks so that chunks cross block and row-group boundaries.
    monkeypatch.setattr(streams, "SHOP_BLOCK_ROWS", 2000)
    monkeypatch.setattr(streams, "ACTIVITY_BLOCK_CUSTOMERS", 1500)
    monkeypatch.setattr(writers, "PARQUET_ROW_GROUP_ROWS", 3000)
    for fmt in ("csv", "parquet"):
        whole = _files(_scale(tmp_path / f"{fmt}_whole", fmt, chunk_rows=5000))
        assert whole == _files(_scale(tmp_path / f"{fmt}_again", fmt, chunk_rows=5000))
        assert whole == _files(_scale(tmp_path / f"{fmt}_1000", fmt, chunk_rows=1000))
        assert whole == _files(_scale(tmp_path / f"{fmt}_700", fmt, chunk_rows=700))
    assert capsys.readouterr().out.count("\n") == 8


def test_scale_csv_and_parquet_hold_the_same_values(tmp_path: Path) -> None:
    csv_dir, parquet_dir = _scale(tmp_path / "csv", "csv"), _scale(tmp_path / "pq", "parquet")
    for name in ("shop_customers", "orders", "loyalty_members"):
        from_csv = pd.read_csv(csv_dir / f"{name}.csv", dtype=str, keep_default_na=False)
        table = pq.read_table(parquet_dir / f"{name}.parquet")
        from_parquet = pd.DataFrame(
            {
                c: ["" if v is None else str(v) for v in table[c].to_pylist()]
                for c in table.column_names
            }
        )
        pd.testing.assert_frame_equal(from_csv, from_parquet, check_dtype=False)
    schema = pq.read_schema(parquet_dir / "shop_customers.parquet")
    types = {field.name: str(field.type) for field in schema}
    assert types["CustomerID"] == types["Profession"] == types["Gender"] == "string"
    assert {types[c] for c in ("Age", SHOP_INCOME, SHOP_SCORE, "Work Experience")} == {"int64"}
    profession = pq.read_table(parquet_dir / "shop_customers.parquet")["Profession"]
    assert profession.null_count == round(35 * 5000 / 2000)


def test_scale_quirks_scale_with_rows(tmp_path: Path) -> None:
    df = pd.read_csv(_scale(tmp_path, "csv") / "shop_customers.csv")
    assert len(df) == 5000 and df["CustomerID"].tolist() == list(range(1, 5001))
    assert (df["Age"] == 0).sum() == 60 and df["Age"].between(1, 17).sum() == 765
    assert (df[SHOP_INCOME] == 0).sum() == 5 and (df[SHOP_SCORE] == 0).sum() == 5
    assert (df["Work Experience"] > df["Age"]).sum() == 200


def test_scale_of_seed_size_reproduces_the_seeds(tmp_path: Path) -> None:
    _scale(tmp_path, "csv", rows=SHOP_ROWS)
    for name in GENERATED[1:]:
        assert (tmp_path / name).read_bytes() == (SEEDS / name).read_bytes(), name


def test_unknown_customer_ids_stay_outside_the_file() -> None:
    customers = shop_customers(12_000, seed=7)
    lines = orders(customers, seed=7)
    unknown = ~lines["customer_id"].isin(set(customers["CustomerID"]))
    assert unknown.sum() == 240
    assert (lines.loc[unknown, "customer_id"].astype(int) > 12_000).all()
    assert re.fullmatch(r"O\d{7}", lines["order_id"].max())
