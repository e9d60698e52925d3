"""Tests of the offline segment report (the segment_report package and scripts/build_report.py).

Pure functions on small frames, the report built from the project's own marts (DuckDB file
and Parquet folder) and from marts with other customer bases, and the page itself in headless
Chromium: every chart drawn, no console error, every persona shown, and not a single network
request.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from segment_report import screenshot as chromium
from segment_report.build import build_report
from segment_report.cards import (
    CATALOG_PERSONA,
    NAMED_FROM_PROFILE,
    NO_DISTINCTIVE_VALUE,
    feature_name,
    segment_cards,
    segment_cards_html,
)
from segment_report.charts import base_charts
from segment_report.data import (
    PAIR_SAMPLE_PER_BASE,
    connect_marts,
    load_report_data,
    rejections_by_rule,
    sample_customers,
)
from segment_report.figures.profiles import income_spending_figure, segment_3d_figure
from segment_report.formatting import NOT_AVAILABLE, base_anchor, base_title
from segment_report.history import migration_matrix, share_change_text, stability_text
from segment_report.personas import (
    FALLBACK_COLOURS,
    PERSONA_PALETTE,
    catalog_personas,
    page_colours,
    persona_colour,
    persona_colour_map,
    persona_order,
    read_catalog,
)

PROJECT_DIR = Path(__file__).resolve().parents[1]
SCRIPT = PROJECT_DIR / "scripts" / "build_report.py"
CATALOG = PROJECT_DIR / "seeds" / "persona_catalog.csv"
MARTS = (
    "segment_summary",
    "segment_profiles",
    "customer_segments",
    "segment_centroids",
    "segment_diagnostics",
    "segment_category_mix",
    "rejected_rows",
    "source_row_counts",
    "segmentation_runs",
    "segment_migrations",
    "segment_drift",
)
EXTERNAL_REFERENCE = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*https?:|@import|url\(\s*["']?\s*https?:""", re.IGNORECASE
)
HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def _load_script():
    """The command line, scripts/build_report.py, as a module."""
    spec = importlib.util.spec_from_file_location("build_report", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


command_line = _load_script()


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_report(
    built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, int]:
    """The report of the project's own build, from the DuckDB file; (path, charts emitted)."""
    out = tmp_path_factory.mktemp("report") / "segments.html"
    charts = build_report(out, database=built_warehouse)
    return out, charts


@pytest.fixture(scope="module")
def summary(built_warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        return connection.execute("select * from segment_summary").df()


@pytest.fixture
def customers_db() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory customer_segments of 30,000 rows over two bases (20,000 and 10,000)."""
    connection = duckdb.connect()
    connection.execute(
        """
        create table customer_segments as
        select
            case when i % 3 = 0 then 'shop' else 'mall' end as customer_base,
            'C' || i::varchar as customer_id,
            (i % 4 + 1)::integer as segment_id,
            'seg-' || (i % 4 + 1)::varchar as segment_key,
            'Persona ' || (i % 4 + 1)::varchar as persona_name,
            case when i % 2 = 0 then 'female' else 'male' end as gender,
            (18 + i % 60)::double as age,
            (20000 + (i * 37) % 150000)::double as annual_income_usd,
            (1 + i % 100)::double as spending_score
        from range(30000) as r(i)
        """
    )
    yield connection
    connection.close()


# --------------------------------------------------------------------------------------------
# Colours
# --------------------------------------------------------------------------------------------


def test_catalog_personas_match_the_seed() -> None:
    with CATALOG.open(newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: int(row["persona_id"]))
    names = [row["persona_name"] for row in rows]
    assert tuple(names) == catalog_personas()
    # Every persona of the seed has a colour of its own, in catalog order.
    assert len(names) <= len(PERSONA_PALETTE), "more personas than catalog colours"
    assert persona_colour_map(names) == dict(zip(names, PERSONA_PALETTE, strict=False))


def test_another_catalog_gives_its_personas_order_and_colours(tmp_path: Path) -> None:
    catalog_file = tmp_path / "persona_catalog.csv"
    catalog_file.write_text(
        "persona_id,persona_name,description\n"
        "3,Weekend Browsers,Third.\n"
        "1,Night Owls,First.\n"
        "2,Early Birds,Second.\n",
        encoding="utf-8",
    )
    catalog = read_catalog(catalog_file)
    assert catalog == ("Night Owls", "Early Birds", "Weekend Browsers")
    present = ["Weekend Browsers", "Older · lapsed", "Night Owls", "Practical Buyers"]
    assert persona_order(present, catalog) == [
        "Night Owls",
        "Weekend Browsers",
        "Older · lapsed",
        "Practical Buyers",
    ]
    colours = persona_colour_map(present, catalog)
    assert colours["Night Owls"] == PERSONA_PALETTE[0]
    assert colours["Weekend Browsers"] == PERSONA_PALETTE[2]
    # A name outside this catalog gets a fallback colour, whatever the project's catalog says.
    assert colours["Practical Buyers"] in FALLBACK_COLOURS
    assert read_catalog(tmp_path / "missing.csv") == ()


def test_colour_map_gives_one_stable_colour_per_persona() -> None:
    catalog = list(catalog_personas())
    colours = persona_colour_map(catalog)
    assert len(set(colours.values())) == len(catalog), "two personas share a colour"
    assert all(HEX_COLOUR.match(colour) for colour in colours.values())
    # Independent of order, duplicates and of which other personas are present.
    shuffled = [*reversed(catalog), catalog[0], "Older · lapsed"]
    again = persona_colour_map(shuffled)
    assert {name: again[name] for name in catalog} == colours
    assert persona_colour_map(catalog[2:4]) == {name: colours[name] for name in catalog[2:4]}
    # Names built from the data: deterministic, and never a catalog colour.
    assert persona_colour("Older · lapsed") == persona_colour("Older · lapsed")
    assert persona_colour("Older · lapsed") in FALLBACK_COLOURS
    assert persona_order(shuffled)[: len(catalog)] == catalog


def test_names_of_one_page_never_share_a_colour() -> None:
    catalog = list(catalog_personas())
    built = [f"Trait {n} · older" for n in range(len(FALLBACK_COLOURS) + 3)]
    names = [catalog[0], catalog[3], *built]
    colours = page_colours(names)
    # Catalog personas keep their own colour; the rest differ from them and from each other
    # (a checksum alone gives 8 names 8 colours only by luck).
    assert colours[catalog[0]] == PERSONA_PALETTE[0]
    assert colours[catalog[3]] == PERSONA_PALETTE[3]
    assert len(set(colours.values())) == len(names)
    assert page_colours(list(reversed(names))) == colours


def test_every_chart_gives_a_persona_its_own_colour(built_warehouse: Path) -> None:
    with connect_marts(database=built_warehouse) as connection:
        data = load_report_data(connection, "test", per_base=300)
    personas = set(data.summary["persona_name"])
    checked = 0
    for base in data.summary["customer_base"].unique():
        for chart in base_charts(data, base):
            for figure in (chart.figure, chart.fallback):
                for trace in figure.data if figure is not None else ():
                    persona = trace.legendgroup or trace.name
                    if persona in personas and trace.marker.color is not None:
                        assert trace.marker.color == persona_colour(persona), chart.title
                        checked += 1
    assert checked > 0


# --------------------------------------------------------------------------------------------
# Cards, sample, rules
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_data(built_warehouse: Path):
    """The project's marts as the report reads them, with a small customer sample."""
    with connect_marts(database=built_warehouse) as connection:
        return load_report_data(connection, "test", per_base=300)


def test_every_segment_card_shows_its_name_kind_features_and_four_recommendations(
    report_data,
) -> None:
    summary, profiles = report_data.summary, report_data.profiles
    assert len(profiles), "segment_profiles has no segmented-on feature"
    for base, rows in summary.groupby("customer_base"):
        base = str(base)
        cards = {
            card.segment_key: card
            for card in segment_cards(
                summary, profiles, base, has_orders=report_data.has_orders(base)
            )
        }
        html_cards = segment_cards_html(
            summary, profiles, base, has_orders=report_data.has_orders(base)
        )
        assert html_cards.count('class="card"') == len(rows)
        features = profiles[profiles["customer_base"] == base]["attribute_name"].unique()
        for segment in rows.itertuples(index=False):
            card = cards[segment.segment_key]
            assert card.persona == segment.persona_name
            assert f'data-persona="{segment.persona_name}"' in html_cards
            # The name's kind, from is_catalog_persona.
            kind = CATALOG_PERSONA if segment.is_catalog_persona else NAMED_FROM_PROFILE
            assert card.name_kind == kind
            assert segment.persona_description and card.description == (segment.persona_description)
            # All four recommendations, the last with value index, measure and budget share.
            texts = {item.kind: item for item in card.recommendations}
            assert [item.kind for item in card.recommendations] == [
                "marketing_channel",
                "product_strategy",
                "engagement_action",
                "resource_allocation",
            ]
            for column in texts:
                assert texts[column].text == getattr(segment, column)
            detail = texts["resource_allocation"].detail
            assert f"Budget share {segment.recommended_budget_share:.1%}" in detail
            assert f"customer share of {segment.customer_share:.1%}" in detail
            assert f"value index {segment.value_index:.2f} ({segment.value_measure})" in detail
            # Every feature the base was segmented on, beside the base average.
            assert len(card.features) == len(features)
            own = profiles[
                (profiles["customer_base"] == base)
                & (profiles["segment_id"] == segment.segment_id)
                & (profiles["attribute_kind"] == "numeric")
            ]
            for row, profile in zip(card.features, own.itertuples(index=False), strict=False):
                assert row.average and row.value
                assert row.distinctive == (abs(profile.standardised_mean) >= 0.5)
    assert "No recommendation" not in html_cards


def test_a_segment_card_shows_numeric_and_categorical_features_in_their_units() -> None:
    summary = pd.DataFrame(
        {
            "customer_base": ["campaign"] * 2,
            "segment_id": [1, 2],
            "segment_key": ["campaign-1", "campaign-2"],
            "persona_name": ["PhD · high income", "Average customers"],
            "is_catalog_persona": [False, False],
            "persona_description": ["Richer, more of them hold a PhD.", "Like the base."],
            "marketing_channel": ["Email.", "Social media."],
            "product_strategy": ["Premium lines.", "Starter bundles."],
            "engagement_action": ["Top tier.", "Seasonal offers."],
            "resource_allocation": ["Invest: 60.0%.", "Economise: 40.0%."],
            "value_measure": ["customer share", "customer share"],
            "value_index": [1.0, 1.0],
            "recommended_budget_share": [0.6, 0.4],
            "customer_count": [60, 40],
            "customer_share": [0.6, 0.4],
            "outlier_count": [0, 0],
        }
    )
    profiles = pd.DataFrame(
        [
            # (segment, attribute, kind, value, share, base share, lift, mean, base mean, z)
            (1, "annual_income_usd", "numeric", None, None, None, None, 90000.0, 60000.0, 1.2),
            (1, "education", "categorical", "PhD", 0.62, 0.30, 2.07, None, None, None),
            (1, "education", "categorical", "Graduate", 0.38, 0.50, 0.76, None, None, None),
            (2, "annual_income_usd", "numeric", None, None, None, None, 55000.0, 60000.0, -0.2),
            # Graduate is common in every segment: never distinctive, however large its share.
            (2, "education", "categorical", "Graduate", 0.55, 0.50, 1.1, None, None, None),
            # PhD has a high lift but too few hold it.
            (2, "education", "categorical", "Basic", 0.30, 0.10, 3.0, None, None, None),
        ],
        columns=[
            "segment_id",
            "attribute_name",
            "attribute_kind",
            "attribute_value",
            "value_share",
            "base_value_share",
            "lift",
            "mean_value",
            "base_mean_value",
            "standardised_mean",
        ],
    ).assign(customer_base="campaign")
    cards = {
        c.segment_key: c for c in segment_cards(summary, profiles, "campaign", has_orders=False)
    }
    rich = {row.label: row for row in cards["campaign-1"].features}
    assert list(rich) == ["Annual income", "Education"]
    assert (rich["Annual income"].value, rich["Annual income"].average) == ("$90,000", "$60,000")
    assert rich["Annual income"].difference == "▲ 1.2 sd" and rich["Annual income"].distinctive
    assert rich["Education"].value == "PhD 62%" and rich["Education"].average == "30%"
    assert rich["Education"].distinctive and rich["Education"].difference == "lift 2.1"
    plain = {row.label: row for row in cards["campaign-2"].features}
    assert not plain["Annual income"].distinctive
    assert not plain["Education"].distinctive
    assert plain["Education"].value == "Graduate 55%"
    assert NO_DISTINCTIVE_VALUE in plain["Education"].difference
    html_cards = segment_cards_html(summary, profiles, "campaign", has_orders=False)
    assert html_cards.count(f'data-name-kind="{NAMED_FROM_PROFILE}"') == 2
    assert html_cards.count("data-recommendation=") == 8
    assert html_cards.count('class="feature categorical distinctive"') == 1
    assert "not recorded for this base" in html_cards


def test_order_facts_follow_the_base_s_order_history_not_its_name() -> None:
    summary = pd.DataFrame(
        {
            "customer_base": ["web_store"],
            "segment_id": [1],
            "segment_key": ["web_store-1"],
            "persona_name": ["Luxury Shoppers"],
            "customer_count": [40],
            "customer_share": [1.0],
            "loyalty_rate": [0.25],
            "top_product_category": ["Beauty"],
            "top_product_category_share": [0.4],
            "revenue_usd": [1200.0],
            "revenue_share": [1.0],
            "outlier_count": [0],
        }
    )
    profiles = pd.DataFrame(columns=["customer_base", "segment_id", "attribute_name"])
    with_orders = segment_cards_html(summary, profiles, "web_store", has_orders=True)
    assert "not recorded for this base" not in with_orders
    assert "Loyalty members" in with_orders and "Beauty" in with_orders
    assert "$1,200" in with_orders
    without = segment_cards_html(summary, profiles, "web_store", has_orders=False)
    assert "not recorded for this base" in without
    assert "Loyalty members" not in without and "Beauty" not in without


def test_base_titles_and_anchors_come_from_the_base_name() -> None:
    assert base_title("mall") == "Mall customers"
    assert base_title("shop") == "Shop customers"
    assert base_title("online_store") == "Online store customers"
    assert base_title("EU-wholesale") == "EU wholesale customers"
    assert base_anchor("online_store") == "online_store"
    assert base_anchor("EU wholesale (B2B)") == "EU-wholesale-B2B-"


def test_diamonds_are_segment_means_in_the_2d_and_3d_charts() -> None:
    summary = pd.DataFrame(
        {
            "customer_base": ["shop", "shop"],
            "segment_key": ["shop-1", "shop-2"],
            "persona_name": ["Luxury Shoppers", "Budget-Conscious"],
            "mean_age": [35.0, 50.0],
            "mean_annual_income_usd": [150000.0, 30000.0],
            "mean_spending_score": [80.0, 20.0],
        }
    )
    sample = pd.DataFrame(
        columns=["customer_base", "persona_name", "age", "annual_income_usd", "spending_score"]
    )
    flat = income_spending_figure(sample, summary, "shop")
    solid = segment_3d_figure(sample, summary, "shop")
    for figure, axes in ((flat, ("x", "y")), (solid, ("y", "z"))):
        diamonds = [t for t in figure.data if t.marker.symbol == "diamond"]
        assert [t.name for t in diamonds] == [
            "Luxury Shoppers (segment mean)",
            "Budget-Conscious (segment mean)",
        ]
        positions = [
            (float(getattr(t, axes[0])[0]), float(getattr(t, axes[1])[0])) for t in diamonds
        ]
        assert positions == [(150000.0, 80.0), (30000.0, 20.0)]


def test_captions_say_what_the_charts_draw(report_data) -> None:
    for base in report_data.bases:
        charts = {
            chart.chart_id.rsplit("-", 1)[1]: chart for chart in base_charts(report_data, base)
        }
        total = int(
            report_data.summary.loc[
                report_data.summary["customer_base"] == base, "customer_count"
            ].sum()
        )
        shown = min(300, total)
        note = (
            f"All {total:,} customers are shown."
            if shown >= total
            else f"Shows a fixed sample of {shown:,} of the {total:,} customers"
        )
        for key in ("scatter", "3d", "boxes", "pairs"):
            assert note in charts[key].caption, key
        assert note in charts["3d"].fallback_caption
        # The diamonds are called the same, and what they are, in every chart that has them.
        for caption in (
            charts["scatter"].caption,
            charts["3d"].caption,
            charts["3d"].fallback_caption,
        ):
            assert "diamonds mark each segment's mean over all its customers" in caption
            assert "centroid" not in caption
        # No caption refers to a sample it has not introduced.
        for chart in charts.values():
            assert "that fixed sample" not in chart.caption
        assert "budget" in charts and charts["budget"].group == "budget"
        assert {charts[k].group for k in ("boxes", "pairs")} == {"more"}


def test_pair_plot_caption_names_its_own_smaller_sample(built_warehouse: Path) -> None:
    with connect_marts(database=built_warehouse) as connection:
        data = load_report_data(connection, "test", per_base=PAIR_SAMPLE_PER_BASE + 100)
    counts = data.summary.groupby("customer_base")["customer_count"].sum()
    base = str(counts.idxmax())
    total = int(counts.max())
    assert total > PAIR_SAMPLE_PER_BASE + 100, "the largest demo base must exceed the sample"
    charts = {chart.chart_id.rsplit("-", 1)[1]: chart for chart in base_charts(data, base)}
    assert (
        f"Shows a fixed sample of {PAIR_SAMPLE_PER_BASE + 100:,} of the {total:,} customers"
        in charts["scatter"].caption
    )
    assert (
        f"Shows a fixed sample of {PAIR_SAMPLE_PER_BASE:,} of the {total:,} customers"
        in charts["pairs"].caption
    )
    pair_points = sum(
        len(trace.x) for trace in charts["pairs"].figure.data if trace.type == "histogram"
    )
    assert pair_points == PAIR_SAMPLE_PER_BASE * 3  # one histogram per feature


def test_sample_is_bounded_and_deterministic(
    customers_db: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    sample = sample_customers(customers_db, ["mall", "shop"], per_base=500)
    assert sample.groupby("customer_base").size().to_dict() == {"mall": 500, "shop": 500}
    assert sample["customer_id"].is_unique
    again = sample_customers(customers_db, ["mall", "shop"], per_base=500)
    assert again["customer_id"].tolist() == sample["customer_id"].tolist()
    # A base smaller than the bound comes back whole.
    everything = sample_customers(customers_db, ["shop"], per_base=50_000)
    assert len(everything) == 10_000
    # The same customers from a Parquet folder.
    customers_db.execute(
        f"copy customer_segments to '{tmp_path / 'customer_segments.parquet'}' (format parquet)"
    )
    with connect_marts(parquet_dir=tmp_path) as parquet:
        from_parquet = sample_customers(parquet, ["mall", "shop"], per_base=500)
    assert from_parquet["customer_id"].tolist() == sample["customer_id"].tolist()


def test_report_data_reads_at_most_the_sample(built_warehouse: Path, summary: pd.DataFrame) -> None:
    with connect_marts(database=built_warehouse) as connection:
        data = load_report_data(connection, "test", per_base=100)
    sizes = data.sample.groupby("customer_base").size()
    counts = summary.groupby("customer_base")["customer_count"].sum()
    for base, count in counts.items():
        assert sizes[base] == min(100, count)


def test_failed_rules_are_split_and_counted() -> None:
    rejected = pd.DataFrame(
        {
            "source_name": ["orders", "orders", "orders", "shop_customers"],
            "failed_rules": [
                "customer_rejected, duplicate_order_line",
                "customer_rejected",
                "future_order_date",
                "implausible_age, work_experience_impossible_for_age",
            ],
        }
    )
    expected = {
        ("orders", "customer_rejected"): 2,
        ("orders", "duplicate_order_line"): 1,
        ("orders", "future_order_date"): 1,
        ("shop_customers", "implausible_age"): 1,
        ("shop_customers", "work_experience_impossible_for_age"): 1,
    }

    with duckdb.connect() as connection:
        connection.register("rejected_rows", rejected)
        counted = rejections_by_rule(connection)
    assert {(row.source_name, row.rule): row.row_count for row in counted.itertuples()} == expected


# --------------------------------------------------------------------------------------------
# Segments over time
# --------------------------------------------------------------------------------------------

MATRIX_CELL = re.compile(
    r'<td class="cell (\w+)" data-from="(\d*)"\s+data-to="(\d*)" data-count="(\d+)"'
)


def figure_spec(html: str, chart_id: str) -> dict:
    """The figure a chart slot draws, from its inline JSON."""
    marker = f'"target": "plot-{chart_id}"'
    for spec in re.findall(
        r'<script type="application/json" class="figure-spec">(.*?)</script>', html
    ):
        if spec.startswith("{" + marker):
            return json.loads(spec.replace("<\\/", "</"))
    raise AssertionError(f"no chart {chart_id}")


def base_sections(text: str) -> dict[str, str]:
    """Each base's part of the page, by base name."""
    return {
        section.split('"', 1)[0]: section.split('<section class="quality"', 1)[0]
        for section in text.split('<section class="base" id="base-')[1:]
    }


def over_time(section: str) -> str:
    """The "Segments over time" part of a base's section."""
    assert '<h3 class="group over-time">Segments over time</h3>' in section
    return section.split('<h3 class="group over-time">', 1)[1].split("More charts", 1)[0]


def matrix_cells(section: str) -> dict[tuple[int | None, int | None], tuple[str, int]]:
    """(from segment, to segment) -> (kind, customers) of the migrations matrix on the page;
    None is outside the base (new to it, or left it)."""
    return {
        (int(source) if source else None, int(target) if target else None): (kind, int(count))
        for kind, source, target, count in MATRIX_CELL.findall(section)
    }


def mart_matrix(migrations: pd.DataFrame, base: str) -> dict[tuple[int | None, int | None], int]:
    """The same from the mart's rows of one base and run."""
    rows = migrations[migrations["customer_base"] == base]
    return {
        (
            None if pd.isna(row.from_segment_id) else int(row.from_segment_id),
            None if pd.isna(row.to_segment_id) else int(row.to_segment_id),
        ): int(row.customer_count)
        for row in rows.itertuples(index=False)
    }


def second_run_migrations(first: pd.DataFrame) -> pd.DataFrame:
    """Run 2 made up from run 1's rows (everyone joined): in each base, one customer of each
    segment moves to the next segment, one leaves, the rest stay; three join segment 1."""
    rows = []
    for base, joined in first.groupby("customer_base"):
        segments = sorted(int(s) for s in joined["to_segment_id"])
        names = dict(
            zip(joined["to_segment_id"].astype(int), joined["to_persona_name"], strict=True)
        )
        counts = dict(
            zip(joined["to_segment_id"].astype(int), joined["customer_count"], strict=True)
        )
        for index, segment in enumerate(segments):
            following = segments[(index + 1) % len(segments)]
            for kind, source, target, count in (
                ("stayed", segment, segment, int(counts[segment]) - 2),
                ("moved", segment, following, 1),
                ("left", segment, None, 1),
            ):
                rows.append((base, kind, names[source], names.get(target), source, target, count))
        rows.append((base, "joined", None, names[segments[0]], None, segments[0], 3))
    return (
        pd.DataFrame(
            rows,
            columns=[
                "customer_base",
                "migration_kind",
                "from_persona_name",
                "to_persona_name",
                "from_segment_id",
                "to_segment_id",
                "customer_count",
            ],
        )
        .assign(run_number=2)[list(first.columns)]
        .astype({"from_segment_id": "Int32", "to_segment_id": "Int32", "run_number": "int32"})
    )


def second_run_drift(first: pd.DataFrame, migrations: pd.DataFrame) -> pd.DataFrame:
    """Run 2's drift rows: in each base the first feature (by name) has drifted (PSI 0.31),
    the second shifted moderately (0.15); shares from the made-up migrations."""
    features = first[first["drift_kind"] == "feature"].sort_values(
        ["customer_base", "feature_name"]
    )
    features = features.assign(
        population_stability_index=features.groupby("customer_base")
        .cumcount()
        .map({0: 0.31, 1: 0.15})
        .fillna(0.02),
    )
    features["is_drifted"] = features["population_stability_index"] > 0.25
    shares = []
    for base, rows in migrations.groupby("customer_base"):
        before = (
            rows.dropna(subset=["from_segment_id"])
            .groupby("from_segment_id")["customer_count"]
            .sum()
        )
        after = (
            rows.dropna(subset=["to_segment_id"]).groupby("to_segment_id")["customer_count"].sum()
        )
        template = first[
            (first["customer_base"] == base) & (first["drift_kind"] == "segment_share")
        ]
        for row in template.itertuples(index=False):
            reference = before[row.segment_id] / before.sum()
            current = after[row.segment_id] / after.sum()
            shares.append(
                row._replace(
                    reference_share=reference,
                    current_share=current,
                    share_change=current - reference,
                )
            )
    drift = pd.concat([features, pd.DataFrame(shares, columns=first.columns)], ignore_index=True)
    return drift.assign(run_number=2).astype({"run_number": "int32"})


@pytest.fixture(scope="module")
def second_run_marts(built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Parquet folder of the project's marts as a second run would publish them: run 1's
    rows of segment_migrations and segment_drift followed by made-up run 2 rows, and
    segment_summary with a segment_stability column."""
    folder = tmp_path_factory.mktemp("second-run") / "marts"
    folder.mkdir()
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        for mart in MARTS:
            frame = connection.execute(f"select * from {mart}").df()
            if mart == "segment_migrations":
                frame = frame.astype({"from_segment_id": "Int32", "to_segment_id": "Int32"})
                frame = pd.concat([frame, second_run_migrations(frame)], ignore_index=True)
            elif mart == "segment_drift":
                migrations = pd.read_parquet(folder / "segment_migrations.parquet")
                frame = pd.concat(
                    [frame, second_run_drift(frame, migrations[migrations["run_number"] == 2])],
                    ignore_index=True,
                )
            elif mart == "segment_summary":
                frame["segment_stability"] = [
                    (0.91, 0.78, 0.7, 0.55)[i % 4] for i in range(len(frame))
                ]
            frame.to_parquet(folder / f"{mart}.parquet", index=False)
    return folder


def test_migration_matrix_puts_every_customer_in_one_cell() -> None:
    migrations = pd.DataFrame(
        [
            ("stayed", 1, 1, 50),
            ("stayed", 2, 2, 30),
            ("moved", 1, 2, 4),
            ("moved", 2, 1, 1),
            ("joined", None, 2, 6),
            ("left", 1, None, 2),
        ],
        columns=["migration_kind", "from_segment_id", "to_segment_id", "customer_count"],
    )
    names = {1: ("Luxury Shoppers", "web-1"), 2: ("Older · lapsed", "web-2")}
    matrix = migration_matrix(migrations, names)
    assert [column.label for column in matrix.columns] == [
        "Luxury Shoppers",
        "Older · lapsed",
        "Left the base",
    ]
    assert [row.segment.label for row in matrix.rows] == [
        "Luxury Shoppers",
        "Older · lapsed",
        "New to the base",
    ]
    assert [[cell.count for cell in row.cells] for row in matrix.rows] == [
        [50, 4, 2],
        [1, 30, 0],
        [0, 6, 0],
    ]
    assert [[cell.kind for cell in row.cells] for row in matrix.rows] == [
        ["stayed", "moved", "left"],
        ["moved", "stayed", "left"],
        ["joined", "joined", "none"],
    ]
    # Rows add up to the previous run (plus new customers), columns to this run (plus left).
    assert [row.total for row in matrix.rows] == ["56", "31", "6"]
    assert matrix.column_totals == ["51", "40", "2"]
    assert matrix.total == "93"
    # Only customers who changed segment are shaded, the largest change darkest.
    shaded = {(c.from_id, c.to_id): c.shade for row in matrix.rows for c in row.cells if c.shade}
    assert set(shaded) == {(1, 2), (2, 1), (None, 2), (1, None)}
    assert shaded[(None, 2)] == "rgba(51, 65, 85, 0.45)"


def test_stability_and_share_changes_in_words() -> None:
    assert stability_text(0.91) == "0.91 · highly stable"
    assert stability_text(0.8) == "0.80 · stable"
    assert stability_text(0.65) == "0.65 · doubtful"
    assert stability_text(0.4) == "0.40 · unstable"
    assert stability_text(None) == NOT_AVAILABLE
    assert share_change_text(0.015) == "+1.5 pp"
    assert share_change_text(-0.005) == "\N{MINUS SIGN}0.5 pp"
    assert share_change_text(0.0) == "0.0 pp"


def test_first_run_says_so_instead_of_a_matrix(
    built_report: tuple[Path, int], summary: pd.DataFrame, built_warehouse: Path
) -> None:
    text = built_report[0].read_text(encoding="utf-8")
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        drift = connection.execute("select * from segment_drift where drift_kind = 'feature'").df()
    sections = base_sections(text)
    assert set(sections) == set(summary["customer_base"])
    for base, section in sections.items():
        part = over_time(section)
        customers = int(summary.loc[summary["customer_base"] == base, "customer_count"].sum())
        assert 'data-first-run="yes"' in part
        assert (
            f"Run 1 is the first run of this base: all {customers:,} customers joined their "
            "segments" in part
        )
        assert "numbers migrations" not in part and not matrix_cells(part)
        # Drift per feature is drawn from the first run on; share changes only from the second.
        assert f'id="{base}-drift"' in part and f'id="{base}-shares"' not in part
        [bars] = figure_spec(part, f"{base}-drift")["figure"]["data"]
        own = drift[drift["customer_base"] == base]
        assert sorted(bars["text"]) == sorted(
            f"{value:.3f}" for value in own["population_stability_index"]
        )
        # Stability per segment exactly when segment_summary has the column.
        assert ("<th>Stability</th>" in part) == ("segment_stability" in summary.columns)


def test_second_run_matrix_drift_and_stability_equal_the_marts(
    second_run_marts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "segments.html"
    charts = build_report(out, parquet_dir=second_run_marts)
    text = out.read_text(encoding="utf-8")
    assert f'data-chart-count="{charts}"' in text
    migrations = pd.read_parquet(second_run_marts / "segment_migrations.parquet")
    latest = migrations[migrations["run_number"] == 2]
    drift = pd.read_parquet(second_run_marts / "segment_drift.parquet")
    summary = pd.read_parquet(second_run_marts / "segment_summary.parquet")
    for base, section in base_sections(text).items():
        part = over_time(section)
        assert 'data-first-run="no"' in part
        expected = mart_matrix(latest, base)
        cells = matrix_cells(part)
        # Every count of the latest run's rows is in its cell, and every other cell is empty.
        assert {pair: count for pair, (_, count) in cells.items() if count} == expected
        segments = {pair[0] for pair in expected if pair[0] is not None}
        assert len(cells) == (len(segments) + 1) ** 2
        assert all(kind == "stayed" for (f, t), (kind, _) in cells.items() if f == t and f)
        stayed = sum(c for (f, t), c in expected.items() if f == t)
        moved = sum(c for (f, t), c in expected.items() if f and t and f != t)
        joined = sum(c for (f, _), c in expected.items() if f is None)
        left = sum(c for (_, t), c in expected.items() if t is None)
        assert (
            f"Run 2 compared with run 1: {stayed:,} customers stayed in their segment, "
            f"{moved:,} moved to another one, {joined:,} joined the base and {left:,} left it."
        ) in part
        # The drifted feature is named with its index; the share chart is drawn.
        features = drift[
            (drift["customer_base"] == base)
            & (drift["run_number"] == 2)
            & (drift["drift_kind"] == "feature")
        ]
        [drifted] = features.loc[features["is_drifted"], "feature_name"]
        assert (
            f"{feature_name(drifted).lower()} (PSI 0.31) has drifted past the threshold of 0.25"
            in part
        )
        assert f'id="{base}-drift"' in part and f'id="{base}-shares"' in part
        # Shares and stability per segment.
        own = summary[summary["customer_base"] == base]
        assert "<th>Stability</th>" in part
        for row in own.itertuples(index=False):
            shares_row = part.split(f'<tr data-segment-id="{row.segment_id}">', 1)[1].split(
                "</tr>"
            )[0]
            assert stability_text(row.segment_stability) in shares_row
            share = drift[
                (drift["customer_base"] == base)
                & (drift["run_number"] == 2)
                & (drift["segment_id"] == row.segment_id)
            ].iloc[0]
            assert f"{share.reference_share:.1%}" in shares_row
            assert f"{share.current_share:.1%}" in shares_row
            assert share_change_text(share.share_change) in shares_row


# --------------------------------------------------------------------------------------------
# The report file
# --------------------------------------------------------------------------------------------


def test_report_builds_the_same_from_duckdb_and_parquet(
    built_warehouse: Path, built_report: tuple[Path, int], summary: pd.DataFrame, tmp_path: Path
) -> None:
    from_db, charts = built_report
    folder = tmp_path / "marts"
    folder.mkdir()
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        present = {name for (name,) in connection.execute("show tables").fetchall()}
        runs = connection.execute("select run_id from segmentation_runs").fetchall()
        # Every mart but the optional run metadata, which the report must do without.
        for mart in MARTS:
            if mart in present and mart != "segmentation_runs":
                path = folder / f"{mart}.parquet"
                connection.execute(f"copy (select * from {mart}) to '{path}' (format parquet)")
    out = tmp_path / "from-parquet.html"
    assert command_line.main(["--parquet-dir", str(folder), "--out", str(out)]) == 0
    for html_path in (from_db, out):
        text = html_path.read_text(encoding="utf-8")
        assert f'data-chart-count="{charts}"' in text
        assert text.count('class="figure-spec"') == charts
        for persona in summary["persona_name"].unique():
            assert persona in text
        assert text.count("* plotly.js v") == 1, "plotly.js must be inlined exactly once"
    assert f"run {runs[0][0][:8]}" in from_db.read_text(encoding="utf-8")
    assert "not recorded (no segmentation_runs mart)" in out.read_text(encoding="utf-8")


# Other bases made from the project's own: (base copied, new name, keeps its category mix).
# Only web_store has an order history: the mall base has none, and outlet loses its own.
OTHER_BASES = (("mall", "kiosk", True), ("shop", "web_store", True), ("shop", "outlet", False))
BASE_MARTS = (
    "segment_summary",
    "segment_profiles",
    "customer_segments",
    "segment_centroids",
    "segment_diagnostics",
    "segment_category_mix",
    "segment_migrations",
    "segment_drift",
)


@pytest.fixture(scope="module")
def other_bases_marts(built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Parquet folder of the project's marts with three bases named neither mall nor shop,
    `outlet` without an order history though its summary has loyalty rates, and
    segmentation_runs without any per-base column."""
    folder = tmp_path_factory.mktemp("other-bases") / "marts"
    folder.mkdir()
    bases = ", ".join(f"('{old}', '{new}', {keep})" for old, new, keep in OTHER_BASES)
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        for mart in MARTS:
            columns = [row[0] for row in connection.execute(f"describe {mart}").fetchall()]
            path = folder / f"{mart}.parquet"
            if mart in BASE_MARTS:
                renamed = ["bases.new_base as customer_base"]
                if "segment_key" in columns:
                    renamed.append(
                        "bases.new_base || substr(mart.segment_key, length(bases.old_base) + 1)"
                        " as segment_key"
                    )
                keep = "where bases.has_orders" if mart == "segment_category_mix" else ""
                select = (
                    f"select mart.* replace ({', '.join(renamed)}) from {mart} as mart "
                    f"inner join (values {bases}) as bases(old_base, new_base, has_orders) "
                    f"on mart.customer_base = bases.old_base {keep}"
                )
            elif mart == "segmentation_runs":
                kept = [f'"{column}"' for column in columns if not column.endswith("_chosen_k")]
                select = f"select {', '.join(kept)} from {mart}"
            else:
                select = f"select * from {mart}"
            connection.execute(f"copy ({select}) to '{path}' (format parquet)")
    return folder


@pytest.fixture(scope="module")
def other_bases_report(other_bases_marts: Path) -> Path:
    """The report of those marts, written by the command line run from another folder (so
    the templates and static files come from the installed package)."""
    out = other_bases_marts.parent / "segments.html"
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--parquet-dir", str(other_bases_marts), "--out", str(out)],
        cwd=other_bases_marts.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "charts)" in completed.stdout
    return out


def test_report_shows_any_number_of_bases_with_any_names(
    other_bases_marts: Path, other_bases_report: Path
) -> None:
    text = other_bases_report.read_text(encoding="utf-8")
    sections = {
        section.split('"', 1)[0]: section
        for section in text.split('<section class="base" id="base-')[1:]
    }
    assert list(sections) == ["kiosk", "outlet", "web_store"]
    for title in ("Kiosk customers", "Outlet customers", "Web store customers"):
        assert f">{title}</a>" in text and f"<h2>{title} " in text
    assert "Mall customers" not in text and "Shop customers" not in text
    diagnostics = pd.read_parquet(other_bases_marts / "segment_diagnostics.parquet")
    summary = pd.read_parquet(other_bases_marts / "segment_summary.parquet")
    for base, section in sections.items():
        # The chosen k comes from segment_diagnostics (segmentation_runs has no k column).
        chosen = diagnostics[(diagnostics["customer_base"] == base) & diagnostics["is_chosen_k"]]
        assert f"k&nbsp;=&nbsp;{int(chosen['k'].iloc[0])}," in section
        segments = int((summary["customer_base"] == base).sum())
        assert section.count('class="card"') == segments
        # Order facts and the category chart exactly where segment_category_mix has rows.
        has_orders = base == "web_store"
        assert (f'id="{base}-categories"' in section) == has_orders
        assert section.count("not recorded for this base") == (0 if has_orders else segments)
        assert ("Loyalty members" in section) == has_orders
    declared = int(re.search(r'data-chart-count="(\d+)"', text).group(1))
    assert text.count('class="figure-spec"') == declared


def without_library(text: str) -> str:
    """The page without the inlined plotly.js bundle, whose own strings (attribution links of
    map tiles the report never draws) are data, not references; the browser test proves
    that nothing is requested at run time."""
    marker = text.index("* plotly.js v")
    start = text.rindex("<script>", 0, marker)
    end = text.index("</script>", marker) + len("</script>")
    return text[:start] + text[end:]


def test_report_file_references_nothing_outside_itself(built_report: tuple[Path, int]) -> None:
    text = built_report[0].read_text(encoding="utf-8")
    assert EXTERNAL_REFERENCE.findall(without_library(text)) == []
    assert "<link" not in text.lower()
    assert text.count("<script") == text.count("</script>")


# --------------------------------------------------------------------------------------------
# The page in headless Chromium
# --------------------------------------------------------------------------------------------

DRAWN_CHARTS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map((plot) => {
  const svg = plot.querySelector('svg.main-svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const canvases = Array.from(plot.querySelectorAll('.gl-container canvas'))
    .filter((canvas) => canvas.width > 0 && canvas.height > 0);
  return {
    id: plot.id,
    width: box.width,
    height: box.height,
    traces: plot.querySelectorAll('g.trace').length,
    canvases: canvases.length,
  };
})
"""


def _chromium() -> str:
    """The system Chromium, or skip (fail in CI) when it or playwright is missing."""
    missing = None
    if not Path(chromium.CHROMIUM_PATH).exists():
        missing = f"{chromium.CHROMIUM_PATH} not found (Debian package `chromium`)"
    elif importlib.util.find_spec("playwright") is None:
        missing = "the playwright Python package is not installed"
    if missing:
        if _in_ci():
            pytest.fail(f"browser test cannot run in CI: {missing}")
        pytest.skip(f"browser test skipped outside CI: {missing}")
    return chromium.CHROMIUM_PATH


def test_missing_chromium_skips_locally_but_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(chromium, "CHROMIUM_PATH", str(tmp_path / "no-chromium"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        _chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        _chromium()


@pytest.mark.parametrize("webgl", ["as-available", "disabled"])
def test_report_page_in_chromium(
    built_report: tuple[Path, int], summary: pd.DataFrame, tmp_path: Path, webgl: str
) -> None:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    html_path, charts = built_report
    url = html_path.resolve().as_uri()
    args = list(chromium.CHROMIUM_ARGS)
    if webgl == "disabled":
        args.append("--disable-3d-apis")  # forces the static stand-in of the 3D chart

    errors: list[str] = []
    external: list[str] = []

    def record(request_url: str) -> bool:
        local = request_url == url or request_url.startswith(("data:", "blob:"))
        if not local:
            external.append(request_url)
        return local

    def route(route, request) -> None:
        if record(request.url):
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=args)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", route)
            page = context.new_page()
            page.on(
                "console",
                lambda message: errors.append(message.text) if message.type == "error" else None,
            )
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda request: record(request.url))
            page.goto(url)
            page.wait_for_function(
                "document.body.dataset.chartsDrawn !== undefined", timeout=60_000
            )

            assert errors == []
            # Secondary charts are folded: drawn, but out of sight until "More charts" opens,
            # when they take the full width of their slot.
            bases = summary["customer_base"].nunique()
            assert page.locator("details.more-charts").count() == bases
            assert page.locator("details.more-charts[open]").count() == 0
            folded = page.eval_on_selector_all(
                "details.more-charts .js-plotly-plot", "plots => plots.map(p => p.id)"
            )
            assert len(folded) >= 2 * bases
            for summary_line in page.locator("details.more-charts > summary").all():
                summary_line.click()
            page.wait_for_timeout(300)
            declared = int(page.get_attribute("body", "data-chart-count") or -1)
            drawn = page.evaluate(DRAWN_CHARTS)
            assert declared == charts == len(drawn)
            assert int(page.get_attribute("body", "data-charts-drawn") or -1) == charts
            for chart in drawn:
                assert chart["width"] > 0 and chart["height"] > 0, chart
                assert chart["traces"] > 0 or chart["canvases"] > 0, chart
            slot_widths = page.eval_on_selector_all(
                "details.more-charts .js-plotly-plot",
                "plots => plots.map(p => [p.getBoundingClientRect().width,"
                " p.querySelector('svg.main-svg').getBoundingClientRect().width])",
            )
            for slot, svg in slot_widths:
                assert abs(slot - svg) < 2, (slot, svg)
            budget = [chart for chart in drawn if chart["id"].endswith("-budget")]
            assert len(budget) == bases and all(chart["traces"] == 2 for chart in budget)

            # Every card: its name's kind, the segmented-on features, four recommendations.
            cards = page.eval_on_selector_all(
                "article.card",
                """cards => cards.map(card => ({
                  kind: card.querySelector('.name-kind').innerText.toLowerCase(),
                  features: card.querySelectorAll('tr.feature').length,
                  recommendations: Array.from(card.querySelectorAll('[data-recommendation]'))
                    .map(item => item.dataset.recommendation),
                  resources: card.querySelector('[data-recommendation=resource_allocation]')
                    .innerText,
                }))""",
            )
            assert len(cards) == len(summary)
            for card in cards:
                assert card["kind"] in (CATALOG_PERSONA, NAMED_FROM_PROFILE), card
                assert card["features"] >= 2, card
                assert card["recommendations"] == [
                    "marketing_channel",
                    "product_strategy",
                    "engagement_action",
                    "resource_allocation",
                ], card
                assert "Budget share" in card["resources"] and "value index" in card["resources"]

            has_webgl = page.get_attribute("body", "data-webgl") == "yes"
            fallbacks = page.locator("figure.is-fallback").count()
            if webgl == "disabled":
                assert not has_webgl
            assert fallbacks == (0 if has_webgl else bases)
            if has_webgl:
                assert sum(chart["canvases"] > 0 for chart in drawn) == bases

            text = page.inner_text("body")
            for persona in summary["persona_name"].unique():
                assert persona in text

            screenshot = tmp_path / f"report-webgl-{webgl}.png"
            page.screenshot(path=str(screenshot), full_page=True)
            assert screenshot.stat().st_size > 10_000
            assert external == []

            # The recorder itself works: a request to the network is caught.
            probe = context.new_page()
            probe.evaluate("fetch('https://example.invalid/probe').catch(() => null)")
            probe.wait_for_timeout(200)
            assert external == ["https://example.invalid/probe"]
        finally:
            browser.close()


def test_page_of_other_bases_in_chromium(other_bases_report: Path) -> None:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=[*chromium.CHROMIUM_ARGS, "--disable-3d-apis"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on(
                "console",
                lambda message: errors.append(message.text) if message.type == "error" else None,
            )
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(other_bases_report.resolve().as_uri())
            page.wait_for_function(
                "document.body.dataset.chartsDrawn !== undefined", timeout=60_000
            )
            assert errors == []
            declared = int(page.get_attribute("body", "data-chart-count") or -1)
            assert len(page.evaluate(DRAWN_CHARTS)) == declared
            assert int(page.get_attribute("body", "data-charts-drawn") or -1) == declared
            # One static 3D stand-in per base, and every contents link leads to its section.
            assert page.locator("figure.is-fallback").count() == len(OTHER_BASES)
            targets = page.eval_on_selector_all(
                "nav.toc a",
                "links => links.map(link => !!document.querySelector(link.getAttribute('href')))",
            )
            assert targets == [True] * (len(OTHER_BASES) + 1)
        finally:
            browser.close()
