"""Build the offline segment report: one self-contained HTML file from the published marts.

The report reads only the serving marts, either from the DuckDB file (opened read-only) or
from a folder of Parquet files named ``<mart>.parquet``. Customer-level charts use a bounded,
deterministic sample per customer base (ordered by ``hash(customer_id)``), so the build stays
fast however large ``customer_segments`` grows. plotly.js is embedded once; the file makes no
network request and uses system fonts only.

    python scripts/build_report.py --database warehouse/segments.duckdb --out reports/segments.html
    python scripts/build_report.py --parquet-dir warehouse/marts --out reports/segments.html
"""

from __future__ import annotations

import argparse
import html
import json
import math
import re
import sys
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

REQUIRED_MARTS = (
    "segment_summary",
    "customer_segments",
    "segment_centroids",
    "segment_diagnostics",
    "segment_category_mix",
    "rejected_rows",
    "source_row_counts",
)
OPTIONAL_MARTS = ("segmentation_runs",)

# Customers read per base for the scatter, 3D and box charts; the pair plot uses the first
# PAIR_SAMPLE_PER_BASE of them (same hash order), which keeps the SVG light.
SAMPLE_PER_BASE = 5000
PAIR_SAMPLE_PER_BASE = 1500

# The personas of seeds/persona_catalog.csv, in catalog order, each with its one colour.
CATALOG_PERSONAS = (
    "Practical Buyers",
    "Luxury Shoppers",
    "Impulsive Buyers",
    "Conservative Earners",
    "Affluent Minimalists",
    "Budget-Conscious",
    "Balanced Spenders",
)
PERSONA_COLOURS = {
    "Practical Buyers": "#4E79A7",
    "Luxury Shoppers": "#B07AA1",
    "Impulsive Buyers": "#E15759",
    "Conservative Earners": "#3B9C96",
    "Affluent Minimalists": "#9C755F",
    "Budget-Conscious": "#59A14F",
    "Balanced Spenders": "#F28E2B",
}
# 'Mixed Segment N' takes colour N (cycling); any other name a colour picked by its checksum.
FALLBACK_COLOURS = (
    "#6B7280",
    "#D4A517",
    "#FF8FA3",
    "#17BECF",
    "#8C6D31",
    "#393B79",
    "#BCBD22",
    "#AD494A",
)
MIXED_SEGMENT = re.compile(r"^Mixed Segment (\d+)$")

# Colours for things that are not personas (genders, categories, sources, k curves): greys
# and slates, so that colour keeps meaning "persona" everywhere in the report.
NEUTRAL_COLOURS = ("#334155", "#64748B", "#94A3B8", "#CBD5E1", "#1E293B", "#475569")
INK = "#1F2937"
MUTED = "#6B7280"
GRID = "#E5E7EB"
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif'
)

FEATURES = ("age", "annual_income_usd", "spending_score")
FEATURE_LABELS = {
    "age": "Age (years)",
    "annual_income_usd": "Annual income (USD)",
    "spending_score": "Spending score (1-100)",
    "work_experience_years": "Work experience (years)",
    "family_size": "Family size (people)",
    "recency_days": "Recency (days)",
    "order_count": "Orders",
    "monetary_value_usd": "Spend (USD)",
}
FEATURE_SHORT = {
    "age": "age",
    "annual_income_usd": "annual income",
    "spending_score": "spending score",
}
NOT_AVAILABLE = "\N{EN DASH}"  # shown for a missing value
BASE_TITLES = {"mall": "Mall customers", "shop": "Shop customers"}

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "scrollZoom": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
}


# --------------------------------------------------------------------------------------------
# Colours
# --------------------------------------------------------------------------------------------


def persona_colour(persona_name: str) -> str:
    """The fixed colour of a persona: catalog colour, 'Mixed Segment N' colour N, or checksum."""
    if persona_name in PERSONA_COLOURS:
        return PERSONA_COLOURS[persona_name]
    mixed = MIXED_SEGMENT.match(persona_name)
    if mixed:
        return FALLBACK_COLOURS[(int(mixed.group(1)) - 1) % len(FALLBACK_COLOURS)]
    return FALLBACK_COLOURS[zlib.crc32(persona_name.encode()) % len(FALLBACK_COLOURS)]


def persona_order(persona_names: Iterable[str]) -> list[str]:
    """Distinct persona names in a stable order: catalog order, then mixed segments by N."""

    def key(name: str) -> tuple[int, int, str]:
        if name in CATALOG_PERSONAS:
            return (0, CATALOG_PERSONAS.index(name), name)
        mixed = MIXED_SEGMENT.match(name)
        if mixed:
            return (1, int(mixed.group(1)), name)
        return (2, 0, name)

    return sorted(set(persona_names), key=key)


def persona_colour_map(persona_names: Iterable[str]) -> dict[str, str]:
    """persona_name -> colour for the given names, in persona order; independent of input order."""
    return {name: persona_colour(name) for name in persona_order(persona_names)}


# --------------------------------------------------------------------------------------------
# Reading the marts
# --------------------------------------------------------------------------------------------


@dataclass
class ReportData:
    """Everything the report shows, already bounded in size."""

    summary: pd.DataFrame
    sample: pd.DataFrame
    centroids: pd.DataFrame
    diagnostics: pd.DataFrame
    category_mix: pd.DataFrame
    source_counts: pd.DataFrame
    rejections: pd.DataFrame
    runs: pd.DataFrame | None
    source_label: str


def connect_marts(
    database: Path | None = None, parquet_dir: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection on which every available mart can be queried by its name.

    A database file is opened read-only; a Parquet folder gets one view per `<mart>.parquet`.
    """
    if (database is None) == (parquet_dir is None):
        raise ValueError("give exactly one of a database file or a Parquet folder")
    if database is not None:
        if not database.exists():
            raise FileNotFoundError(f"no DuckDB file at {database}")
        return duckdb.connect(str(database), read_only=True)
    assert parquet_dir is not None
    if not parquet_dir.is_dir():
        raise FileNotFoundError(f"no Parquet folder at {parquet_dir}")
    connection = duckdb.connect()
    for mart in REQUIRED_MARTS + OPTIONAL_MARTS:
        path = parquet_dir / f"{mart}.parquet"
        if path.exists():
            literal = str(path).replace("'", "''")
            connection.execute(f"create view {mart} as select * from read_parquet('{literal}')")
    return connection


def available_marts(connection: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the tables and views visible on the connection."""
    rows = connection.execute("select table_name from information_schema.tables").fetchall()
    return {name for (name,) in rows}


def sample_customers(
    connection: duckdb.DuckDBPyConnection, bases: Sequence[str], per_base: int = SAMPLE_PER_BASE
) -> pd.DataFrame:
    """At most `per_base` customers of each base, the same ones on every run.

    Customers are taken in `hash(customer_id)` order (ties by id), which DuckDB answers with a
    top-N over the table: memory stays bounded and nothing else is read into Python.
    """
    per_base = int(per_base)
    if per_base < 1:
        raise ValueError("per_base must be at least 1")
    frames = []
    for base in bases:
        frames.append(
            connection.execute(
                f"""
                select customer_base, customer_id, segment_key, persona_name, gender,
                       age, annual_income_usd, spending_score
                from customer_segments
                where customer_base = ?
                order by hash(customer_id), customer_id
                limit {per_base}
                """,
                [base],
            ).df()
        )
    if not frames:
        return pd.DataFrame(
            columns=[
                "customer_base",
                "customer_id",
                "segment_key",
                "persona_name",
                "gender",
                *FEATURES,
            ]
        )
    return pd.concat(frames, ignore_index=True)


def rejections_by_rule(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rejected rows per source and rule; a row failing two rules counts once for each."""
    return connection.execute(
        """
        with rules as (
            select source_name, trim(unnest(string_split(failed_rules, ', '))) as rule
            from rejected_rows
        )
        select source_name, rule, count(*) as row_count
        from rules
        where rule <> ''
        group by source_name, rule
        order by row_count desc, rule, source_name
        """
    ).df()


def run_time_columns(columns: dict[str, str]) -> list[str]:
    """Timestamp columns of segmentation_runs (name -> type), most telling first: when the
    run finished or was published, then when it started, then any other."""
    stamps = [
        name for name, kind in columns.items() if "TIMESTAMP" in kind.upper() or kind == "DATE"
    ]

    def rank(name: str) -> int:
        lowered = name.lower()
        if any(word in lowered for word in ("finish", "publish", "built", "complet", "end")):
            return 0
        return 1 if "start" in lowered else 2

    return sorted(stamps, key=rank)


def latest_runs(connection: duckdb.DuckDBPyConnection, limit: int = 20) -> pd.DataFrame:
    """The most recent rows of segmentation_runs, newest first (by finish, else start time)."""
    described = connection.execute("describe segmentation_runs").fetchall()
    stamps = run_time_columns({row[0]: row[1] for row in described})
    quoted = ", ".join('"' + name.replace('"', '""') + '"' for name in stamps)
    order = f"order by coalesce({quoted}) desc nulls last" if stamps else ""
    return connection.execute(f"select * from segmentation_runs {order} limit {int(limit)}").df()


def load_report_data(
    connection: duckdb.DuckDBPyConnection,
    source_label: str,
    per_base: int = SAMPLE_PER_BASE,
) -> ReportData:
    """Read the marts the report needs; customer rows only as a bounded sample."""
    present = available_marts(connection)
    missing = [mart for mart in REQUIRED_MARTS if mart not in present]
    if missing:
        raise LookupError(f"missing marts: {', '.join(missing)}")
    summary = connection.execute(
        "select * from segment_summary order by customer_base, segment_id"
    ).df()
    bases = sorted(summary["customer_base"].unique().tolist())
    return ReportData(
        summary=summary,
        sample=sample_customers(connection, bases, per_base),
        centroids=connection.execute(
            "select * from segment_centroids order by customer_base, segment_id, feature_position"
        ).df(),
        diagnostics=connection.execute(
            "select * from segment_diagnostics order by customer_base, k"
        ).df(),
        category_mix=connection.execute(
            "select * from segment_category_mix "
            "order by customer_base, segment_id, product_category"
        ).df(),
        source_counts=connection.execute(
            "select * from source_row_counts order by source_name"
        ).df(),
        rejections=rejections_by_rule(connection),
        runs=latest_runs(connection) if "segmentation_runs" in present else None,
        source_label=source_label,
    )


# --------------------------------------------------------------------------------------------
# Formatting helpers
# --------------------------------------------------------------------------------------------


def _missing(value: object) -> bool:
    """True for None, NaN and pandas NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_int(value: object) -> str:
    """1234 -> '1,234'; missing -> NOT_AVAILABLE."""
    return NOT_AVAILABLE if _missing(value) else f"{round(float(value)):,}"


def fmt_usd(value: object) -> str:
    """1234.5 -> '$1,235'."""
    return NOT_AVAILABLE if _missing(value) else f"${float(value):,.0f}"


def fmt_pct(value: object, digits: int = 0) -> str:
    """0.216 -> '22%'."""
    return NOT_AVAILABLE if _missing(value) else f"{float(value):.{digits}%}"


def _esc(value: object) -> str:
    return html.escape("" if _missing(value) else str(value))


def base_title(base: str) -> str:
    """Display name of a customer base."""
    return BASE_TITLES.get(base, f"{base.title()} customers")


def base_means(summary: pd.DataFrame, base: str) -> dict[str, float]:
    """Customer-weighted base averages of the segment means (exact base means)."""
    rows = summary[summary["customer_base"] == base]
    weights = rows["customer_count"].astype(float)
    means: dict[str, float] = {"customer_count": float(weights.sum())}
    for column in (
        "mean_age",
        "mean_annual_income_usd",
        "mean_spending_score",
        "loyalty_rate",
        "female_share",
    ):
        if column not in rows:
            means[column] = math.nan
            continue
        values = rows[column].astype(float)
        known = values.notna()
        total = weights[known].sum()
        means[column] = float((values[known] * weights[known]).sum() / total) if total else math.nan
    return means


def wrap_label(text: str, width: int = 12) -> str:
    """A persona name broken on spaces into lines of about `width` characters (Plotly <br>)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "<br>".join(lines) or text


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def _base_layout(height: int, **extra: object) -> dict[str, object]:
    """Shared layout: system fonts, white background, light grid, legend on top."""
    layout: dict[str, object] = {
        "template": "none",
        "height": height,
        "font": {"family": FONT_STACK, "size": 13, "color": INK},
        "paper_bgcolor": "#FFFFFF",
        "plot_bgcolor": "#FFFFFF",
        "margin": {"l": 70, "r": 24, "t": 56, "b": 60},
        "legend": {
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "xanchor": "left",
            "x": 0,
            "font": {"size": 12},
            "itemsizing": "constant",
            "traceorder": "normal",
        },
        "hoverlabel": {"font": {"family": FONT_STACK}},
    }
    layout.update(extra)
    return layout


def _style_axes(figure: go.Figure) -> go.Figure:
    """Light grid, dark axis lines, readable tick labels on every 2D axis."""
    figure.update_xaxes(
        showgrid=True,
        gridcolor=GRID,
        zeroline=False,
        linecolor="#9CA3AF",
        ticks="outside",
        tickcolor="#9CA3AF",
        automargin=True,
        title_font={"size": 13},
    )
    figure.update_yaxes(
        showgrid=True,
        gridcolor=GRID,
        zeroline=False,
        linecolor="#9CA3AF",
        ticks="outside",
        tickcolor="#9CA3AF",
        automargin=True,
        title_font={"size": 13},
    )
    return figure


def _f32(values: pd.Series) -> np.ndarray:
    """Compact float32 array (Plotly writes it as base64)."""
    return values.to_numpy(dtype="float32", na_value=np.nan)


def _axis_format(feature: str) -> dict[str, object]:
    """Axis title and tick format for a feature (USD with $ and k)."""
    if feature.endswith("_usd"):
        return {"title": FEATURE_LABELS[feature], "tickprefix": "$", "tickformat": "~s"}
    return {"title": FEATURE_LABELS.get(feature, feature)}


def segment_centres(
    summary: pd.DataFrame, centroids: pd.DataFrame, base: str, features: Sequence[str]
) -> tuple[pd.DataFrame, bool]:
    """Centre of each segment on `features`: the model centroids when all are clustering
    features of the base, otherwise the segment means of segment_summary.

    Returns the centres (persona_name, segment_key, one column per feature) and whether they
    are model centroids.
    """
    base_centroids = centroids[centroids["customer_base"] == base]
    clustering = set(base_centroids["feature_name"])
    if set(features) <= clustering and not base_centroids.empty:
        wide = base_centroids.pivot_table(
            index=["segment_key", "persona_name"],
            columns="feature_name",
            values="centroid_raw",
            aggfunc="first",
        ).reset_index()
        return wide[["segment_key", "persona_name", *features]], True
    rows = summary[summary["customer_base"] == base]
    means = pd.DataFrame(
        {
            "segment_key": rows["segment_key"].to_numpy(),
            "persona_name": rows["persona_name"].to_numpy(),
        }
    )
    for feature in features:
        means[feature] = rows[f"mean_{feature}"].to_numpy()
    return means, False


def income_spending_figure(
    sample: pd.DataFrame, summary: pd.DataFrame, centroids: pd.DataFrame, base: str
) -> tuple[go.Figure, bool]:
    """Income x spending scatter of the sampled customers, coloured by persona, with each
    segment's centre as a large diamond. Returns the figure and whether the centres are model
    centroids (else segment means)."""
    rows = sample[sample["customer_base"] == base]
    personas = persona_order(summary.loc[summary["customer_base"] == base, "persona_name"])
    centres, from_model = segment_centres(
        summary, centroids, base, ["annual_income_usd", "spending_score"]
    )
    figure = go.Figure()
    for persona in personas:
        points = rows[rows["persona_name"] == persona]
        figure.add_trace(
            go.Scatter(
                x=_f32(points["annual_income_usd"]),
                y=_f32(points["spending_score"]),
                mode="markers",
                name=persona,
                legendgroup=persona,
                marker={"color": persona_colour(persona), "size": 6, "opacity": 0.6},
                hovertemplate=(
                    f"<b>{html.escape(persona)}</b><br>Income $%{{x:,.0f}}"
                    "<br>Spending score %{y:.0f}<extra></extra>"
                ),
            )
        )
    centre_kind = "centroid" if from_model else "segment mean"
    for centre in centres.itertuples(index=False):
        figure.add_trace(
            go.Scatter(
                x=[centre.annual_income_usd],
                y=[centre.spending_score],
                mode="markers",
                name=f"{centre.persona_name} ({centre_kind})",
                legendgroup=centre.persona_name,
                showlegend=False,
                marker={
                    "color": persona_colour(centre.persona_name),
                    "size": 17,
                    "symbol": "diamond",
                    "line": {"color": INK, "width": 2},
                },
                hovertemplate=(
                    f"<b>{html.escape(centre.persona_name)}</b> {centre_kind} "
                    f"({html.escape(centre.segment_key)})"
                    "<br>Income $%{x:,.0f}<br>Spending score %{y:.1f}<extra></extra>"
                ),
            )
        )
    figure.update_layout(
        _base_layout(
            500,
            xaxis={**_axis_format("annual_income_usd"), "nticks": 8},
            yaxis={**_axis_format("spending_score"), "range": [0, 102]},
            margin={"l": 70, "r": 24, "t": 80, "b": 60},
        )
    )
    return _style_axes(figure), from_model


def segment_3d_figure(sample: pd.DataFrame, summary: pd.DataFrame, base: str) -> go.Figure:
    """Interactive 3D scatter of age, income and spending, coloured by persona (WebGL)."""
    rows = sample[sample["customer_base"] == base]
    base_rows = summary[summary["customer_base"] == base]
    figure = go.Figure()
    for persona in persona_order(base_rows["persona_name"]):
        points = rows[rows["persona_name"] == persona]
        figure.add_trace(
            go.Scatter3d(
                x=_f32(points["age"]),
                y=_f32(points["annual_income_usd"]),
                z=_f32(points["spending_score"]),
                mode="markers",
                name=persona,
                legendgroup=persona,
                marker={"color": persona_colour(persona), "size": 2.6, "opacity": 0.75},
                hovertemplate=(
                    f"<b>{html.escape(persona)}</b><br>Age %{{x:.0f}} years"
                    "<br>Income $%{y:,.0f}<br>Spending score %{z:.0f}<extra></extra>"
                ),
            )
        )
    for segment in base_rows.itertuples(index=False):
        figure.add_trace(
            go.Scatter3d(
                x=[segment.mean_age],
                y=[segment.mean_annual_income_usd],
                z=[segment.mean_spending_score],
                mode="markers",
                legendgroup=segment.persona_name,
                showlegend=False,
                name=f"{segment.persona_name} (segment mean)",
                marker={
                    "color": persona_colour(segment.persona_name),
                    "size": 9,
                    "symbol": "diamond",
                    "line": {"color": INK, "width": 2},
                },
                hovertemplate=(
                    f"<b>{html.escape(segment.persona_name)}</b> segment mean<br>"
                    "Age %{x:.1f}<br>Income $%{y:,.0f}<br>Spending %{z:.1f}<extra></extra>"
                ),
            )
        )
    axis = {"backgroundcolor": "#F9FAFB", "gridcolor": GRID, "showbackground": True}
    figure.update_layout(
        _base_layout(
            580,
            margin={"l": 0, "r": 0, "t": 70, "b": 0},
            scene={
                "xaxis": {**axis, "title": {"text": "Age (years)"}},
                "yaxis": {
                    **axis,
                    "title": {"text": "Income (USD)"},
                    "tickprefix": "$",
                    "tickformat": "~s",
                },
                "zaxis": {**axis, "title": {"text": "Spending (1-100)"}},
                "camera": {"eye": {"x": 1.7, "y": -1.5, "z": 0.9}},
                "aspectmode": "cube",
            },
        )
    )
    return figure


def _project(
    points: np.ndarray, azimuth: float = math.radians(-40), elevation: float = math.radians(22)
) -> np.ndarray:
    """Orthographic projection of unit-cube points (x, y, z; z up) onto the screen plane."""
    x, y, z = points[:, 0], points[:, 1], points[:, 2]
    u = x * math.cos(azimuth) - y * math.sin(azimuth)
    depth = x * math.sin(azimuth) + y * math.cos(azimuth)
    v = z * math.cos(elevation) + depth * math.sin(elevation)
    return np.column_stack([u, v])


def projection_figure(sample: pd.DataFrame, summary: pd.DataFrame, base: str) -> go.Figure:
    """Static stand-in for the 3D chart: the same points (age, income, spending) projected
    onto the page with a fixed camera, drawn in SVG inside a labelled box."""
    rows = sample[sample["customer_base"] == base]
    base_rows = summary[summary["customer_base"] == base]
    columns = list(FEATURES)
    values = rows[columns].to_numpy(dtype=float)
    lows = np.nanmin(values, axis=0) if len(values) else np.zeros(3)
    highs = np.nanmax(values, axis=0) if len(values) else np.ones(3)
    spans = np.where(highs > lows, highs - lows, 1.0)

    def unit(array: np.ndarray) -> np.ndarray:
        return (array - lows) / spans

    figure = go.Figure()
    # The box: its 12 edges, back edges lighter.
    corners = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)], dtype=float)
    for a in range(8):
        for b in range(a + 1, 8):
            if np.abs(corners[a] - corners[b]).sum() == 1:
                line = _project(corners[[a, b]])
                figure.add_trace(
                    go.Scatter(
                        x=line[:, 0],
                        y=line[:, 1],
                        mode="lines",
                        line={"color": "#D1D5DB", "width": 1},
                        hoverinfo="skip",
                        showlegend=False,
                    )
                )
    for persona in persona_order(base_rows["persona_name"]):
        points = rows[rows["persona_name"] == persona]
        screen = _project(unit(points[columns].to_numpy(dtype=float)))
        figure.add_trace(
            go.Scatter(
                x=screen[:, 0].astype("float32"),
                y=screen[:, 1].astype("float32"),
                mode="markers",
                name=persona,
                legendgroup=persona,
                marker={"color": persona_colour(persona), "size": 5, "opacity": 0.6},
                customdata=points[columns].to_numpy(dtype="float32"),
                hovertemplate=(
                    f"<b>{html.escape(persona)}</b><br>Age %{{customdata[0]:.0f}} years"
                    "<br>Income $%{customdata[1]:,.0f}<br>Spending score %{customdata[2]:.0f}"
                    "<extra></extra>"
                ),
            )
        )
    means = base_rows[[f"mean_{c}" for c in columns]].to_numpy(dtype=float)
    screen = _project(unit(means))
    for index, segment in enumerate(base_rows.itertuples(index=False)):
        figure.add_trace(
            go.Scatter(
                x=[screen[index, 0]],
                y=[screen[index, 1]],
                mode="markers",
                legendgroup=segment.persona_name,
                showlegend=False,
                marker={
                    "color": persona_colour(segment.persona_name),
                    "size": 15,
                    "symbol": "diamond",
                    "line": {"color": INK, "width": 2},
                },
                hovertemplate=f"<b>{html.escape(segment.persona_name)}</b> segment mean"
                "<extra></extra>",
            )
        )
    # Axes along outer edges of the box, labelled outside it: age along the front floor
    # edge, income along the right floor edge, spending up the left edge.
    annotations = []
    centre = _project(np.full((1, 3), 0.5))[0]
    edges = (
        ((0, 0, 0), (1, 0, 0), "Age (years)", f"{lows[0]:.0f}", f"{highs[0]:.0f}"),
        (
            (1, 0, 0),
            (1, 1, 0),
            "Annual income (USD)",
            f"${lows[1] / 1000:,.0f}k",
            f"${highs[1] / 1000:,.0f}k",
        ),
        ((0, 0, 0), (0, 0, 1), "Spending score", f"{lows[2]:.0f}", f"{highs[2]:.0f}"),
    )
    for start_corner, end_corner, title, low_text, high_text in edges:
        ends = _project(np.array([start_corner, end_corner], dtype=float))
        figure.add_trace(
            go.Scatter(
                x=ends[:, 0],
                y=ends[:, 1],
                mode="lines",
                line={"color": INK, "width": 2},
                hoverinfo="skip",
                showlegend=False,
            )
        )
        middle = ends.mean(axis=0)
        outward = middle - centre
        outward = outward / (np.linalg.norm(outward) or 1.0)
        vertical = abs(ends[1, 0] - ends[0, 0]) < 1e-9
        # Tick labels a little inside the ends, so labels of two edges sharing a corner
        # do not collide.
        low_at = ends[0] + (ends[1] - ends[0]) * 0.06
        high_at = ends[0] + (ends[1] - ends[0]) * 0.94
        labels = (
            (middle, f"<b>{title}</b>", 30 if vertical else 40, -90 if vertical else 0),
            (low_at, low_text, 16, 0),
            (high_at, high_text, 16, 0),
        )
        for (u, v), text, distance, angle in labels:
            annotations.append(
                {
                    "x": float(u),
                    "y": float(v),
                    "text": text,
                    "textangle": angle,
                    "showarrow": False,
                    "xshift": float(outward[0] * distance),
                    "yshift": float(outward[1] * distance),
                    "font": {"size": 12 if distance > 16 else 11, "color": INK},
                }
            )
    box = _project(corners)
    padding_u = (box[:, 0].max() - box[:, 0].min()) * 0.12
    padding_v = (box[:, 1].max() - box[:, 1].min()) * 0.1
    hidden = {"visible": False, "fixedrange": True}
    figure.update_layout(
        _base_layout(
            580,
            xaxis={
                **hidden,
                "range": [box[:, 0].min() - padding_u, box[:, 0].max() + padding_u],
            },
            yaxis={
                **hidden,
                "range": [box[:, 1].min() - padding_v, box[:, 1].max() + padding_v],
                "scaleanchor": "x",
                "scaleratio": 1,
            },
            annotations=annotations,
            margin={"l": 10, "r": 10, "t": 80, "b": 10},
        )
    )
    return figure


def spending_box_figure(sample: pd.DataFrame, summary: pd.DataFrame, base: str) -> go.Figure:
    """Box plots of the spending score: by gender (left, greys) and by segment (right,
    persona colours); the dashed line in each box is the mean."""
    rows = sample[sample["customer_base"] == base]
    personas = persona_order(summary.loc[summary["customer_base"] == base, "persona_name"])
    figure = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.3, 0.7],
        horizontal_spacing=0.08,
        subplot_titles=("By gender", "By segment"),
    )
    genders = rows["gender"].astype("string").fillna("unknown").str.lower()
    for index, gender in enumerate(sorted(genders.unique())):
        values = rows.loc[genders == gender, "spending_score"]
        figure.add_trace(
            go.Box(
                y=_f32(values),
                name=gender.title(),
                marker={"color": NEUTRAL_COLOURS[index % len(NEUTRAL_COLOURS)]},
                boxmean=True,
                boxpoints=False,
                showlegend=False,
                hovertemplate="%{y:.0f}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for persona in personas:
        values = rows.loc[rows["persona_name"] == persona, "spending_score"]
        figure.add_trace(
            go.Box(
                y=_f32(values),
                x=[wrap_label(persona)] * len(values),
                name=persona,
                marker={"color": persona_colour(persona)},
                boxmean=True,
                boxpoints=False,
                showlegend=False,
            ),
            row=1,
            col=2,
        )
    figure.update_layout(_base_layout(440, margin={"l": 70, "r": 24, "t": 50, "b": 70}))
    figure.update_yaxes(title_text="Spending score (1-100)", range=[0, 102], row=1, col=1)
    figure.update_yaxes(range=[0, 102], row=1, col=2)
    figure.update_annotations(font={"size": 14, "color": INK})
    return _style_axes(figure)


def _bins(values: pd.Series, count: int = 24) -> dict[str, float]:
    """Shared histogram bins over the values' range, so stacked histograms line up."""
    low = float(values.min()) if len(values) else 0.0
    high = float(values.max()) if len(values) else 1.0
    size = (high - low) / count if high > low else 1.0
    return {"start": low, "end": high + size, "size": size}


def pair_plot_figure(
    sample: pd.DataFrame, summary: pd.DataFrame, base: str, per_base: int = PAIR_SAMPLE_PER_BASE
) -> go.Figure:
    """Scatter matrix of age, income and spending (first `per_base` sampled customers),
    coloured by persona; the diagonal stacks each feature's histogram by persona."""
    rows = sample[sample["customer_base"] == base].head(per_base)
    personas = persona_order(summary.loc[summary["customer_base"] == base, "persona_name"])
    count = len(FEATURES)
    bins = {feature: _bins(rows[feature]) for feature in FEATURES}
    figure = make_subplots(rows=count, cols=count, horizontal_spacing=0.08, vertical_spacing=0.07)
    for persona in personas:
        points = rows[rows["persona_name"] == persona]
        colour = persona_colour(persona)
        for row_index, y_feature in enumerate(FEATURES, start=1):
            for col_index, x_feature in enumerate(FEATURES, start=1):
                if row_index == col_index:
                    trace: go.Histogram | go.Scatter = go.Histogram(
                        x=_f32(points[x_feature]),
                        name=persona,
                        legendgroup=persona,
                        showlegend=False,
                        marker={"color": colour, "line": {"color": "#FFFFFF", "width": 0.5}},
                        xbins=bins[x_feature],
                        hovertemplate=f"{html.escape(persona)}: %{{y}} customers<extra></extra>",
                    )
                else:
                    trace = go.Scatter(
                        x=_f32(points[x_feature]),
                        y=_f32(points[y_feature]),
                        mode="markers",
                        name=persona,
                        legendgroup=persona,
                        showlegend=row_index == 1 and col_index == 2,
                        marker={"color": colour, "size": 4, "opacity": 0.6},
                        hoverinfo="skip",
                    )
                figure.add_trace(trace, row=row_index, col=col_index)
    for index, feature in enumerate(FEATURES, start=1):
        formatting = _axis_format(feature)
        title = formatting.pop("title")
        for other in range(1, count + 1):
            figure.update_xaxes(formatting, row=other, col=index)
            if other != index:
                figure.update_yaxes(formatting, row=index, col=other)
        figure.update_yaxes(showticklabels=False, ticks="", row=index, col=index)
        figure.update_xaxes(title_text=title, row=count, col=index)
        figure.update_yaxes(title_text=title, row=index, col=1)
    figure.update_layout(
        _base_layout(740, barmode="stack", margin={"l": 80, "r": 24, "t": 80, "b": 70})
    )
    _style_axes(figure)
    for index in range(1, count + 1):
        figure.update_yaxes(ticks="", row=index, col=index)
    return figure


def diagnostics_figure(diagnostics: pd.DataFrame, base: str) -> go.Figure:
    """Elbow (inertia by k) and silhouette (by k) curves with the chosen k starred and a
    dotted line through it."""
    rows = diagnostics[diagnostics["customer_base"] == base].sort_values("k")
    chosen = rows[rows["is_chosen_k"].astype(bool)]
    figure = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=(
            "Elbow: inertia by k (lower = tighter segments)",
            "Silhouette by k (higher = better separated)",
        ),
    )
    figure.update_annotations(font={"size": 14, "color": INK})
    for col, metric, label in ((1, "inertia", "Inertia"), (2, "silhouette", "Silhouette")):
        figure.add_trace(
            go.Scatter(
                x=rows["k"].tolist(),
                y=rows[metric].tolist(),
                mode="lines+markers",
                name=label,
                line={"color": NEUTRAL_COLOURS[1], "width": 2},
                marker={"size": 7, "color": NEUTRAL_COLOURS[1]},
                showlegend=False,
                hovertemplate=f"k = %{{x}}<br>{label} %{{y:,.3f}}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        for k, value in zip(chosen["k"], chosen[metric], strict=True):
            figure.add_vline(
                x=int(k),
                line={"color": INK, "width": 1, "dash": "dot"},
                annotation={
                    "text": f"<b>chosen k = {int(k)}</b>",
                    "font": {"size": 13, "color": INK},
                    "bgcolor": "rgba(255,255,255,0.85)",
                },
                annotation_position="top right",
                row=1,
                col=col,
            )
            figure.add_trace(
                go.Scatter(
                    x=[int(k)],
                    y=[float(value)],
                    mode="markers",
                    marker={
                        "size": 18,
                        "symbol": "star",
                        "color": "#FACC15",
                        "line": {"color": INK, "width": 1.5},
                    },
                    name="chosen k",
                    showlegend=False,
                    hovertemplate=f"chosen k = %{{x}}<br>{label} %{{y:,.3f}}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    figure.update_xaxes(title_text="Number of segments k", dtick=1)
    for col, metric, title in (
        (1, "inertia", "Inertia"),
        (2, "silhouette", "Mean silhouette (-1 to 1)"),
    ):
        values = rows[metric].astype(float)
        span = float(values.max() - values.min()) or 1.0
        # Head room above the curve for the "chosen k" label.
        figure.update_yaxes(
            title_text=title,
            range=[float(values.min()) - 0.08 * span, float(values.max()) + 0.22 * span],
            row=1,
            col=col,
        )
    figure.update_layout(_base_layout(390, margin={"l": 80, "r": 30, "t": 50, "b": 60}))
    return _style_axes(figure)


def _persona_tick(persona: str, segment_key: str | None = None) -> str:
    """Axis label with the persona's colour dot."""
    suffix = (
        f" <span style='color:{MUTED}'>({html.escape(segment_key)})</span>" if segment_key else ""
    )
    return f"<span style='color:{persona_colour(persona)}'>●</span> {html.escape(persona)}{suffix}"


def category_mix_figure(mix: pd.DataFrame, base: str) -> go.Figure:
    """Stacked horizontal bars: each segment's revenue split by product category (100%)."""
    rows = mix[mix["customer_base"] == base]
    segments = (
        rows[["segment_key", "persona_name", "segment_id"]]
        .drop_duplicates()
        .assign(
            order=lambda frame: frame["persona_name"].map(
                persona_order(frame["persona_name"]).index
            )
        )
        .sort_values(["order", "segment_id"], ascending=[False, False])
    )
    ticks = [
        _persona_tick(segment.persona_name, segment.segment_key)
        for segment in segments.itertuples(index=False)
    ]
    categories = (
        rows.groupby("product_category")["revenue_usd"].sum().sort_values(ascending=False).index
    )
    palette = ("#1E3A5F", "#3D5A80", "#5C7EA3", "#8AA5C2", "#B7C9DB", "#DCE5EE", "#94A3B8")
    figure = go.Figure()
    for index, category in enumerate(categories):
        part = rows[rows["product_category"] == category].set_index("segment_key")
        shares = [float(part["revenue_share"].get(key, 0.0)) for key in segments["segment_key"]]
        revenue = [float(part["revenue_usd"].get(key, 0.0)) for key in segments["segment_key"]]
        colour = palette[index % len(palette)]
        figure.add_trace(
            go.Bar(
                x=shares,
                y=ticks,
                orientation="h",
                name=str(category),
                marker={"color": colour, "line": {"color": "#FFFFFF", "width": 1}},
                text=[f"{share:.0%}" if share >= 0.06 else "" for share in shares],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"color": "#FFFFFF" if index < 3 else INK, "size": 12},
                customdata=np.array(revenue, dtype="float64"),
                hovertemplate=(
                    f"{html.escape(str(category))}: %{{x:.1%}} of revenue"
                    "<br>$%{customdata:,.0f}<extra></extra>"
                ),
            )
        )
    figure.update_layout(
        _base_layout(
            140 + 52 * max(len(segments), 1),
            barmode="stack",
            bargap=0.28,
            xaxis={"title": "Share of the segment's revenue", "tickformat": ".0%", "range": [0, 1]},
            margin={"l": 70, "r": 24, "t": 70, "b": 60},
        )
    )
    return _style_axes(figure)


def source_counts_figure(counts: pd.DataFrame) -> go.Figure:
    """Rows read per source split into passed, rejected on their own, and rejected because
    their customer was rejected (when the mart says so); bars are shares, labels counts."""
    rows = counts.sort_values("raw_row_count")
    has_cascade = "cascaded_row_count" in rows
    raw = rows["raw_row_count"].astype(float).replace(0, np.nan)
    parts = [("Passed", rows["passing_row_count"], "#94A3B8")]
    if has_cascade:
        cascaded = rows["cascaded_row_count"].fillna(0)
        parts += [
            ("Rejected: own fault", rows["rejected_row_count"] - cascaded, "#1E293B"),
            ("Rejected: customer rejected", cascaded, "#64748B"),
        ]
    else:
        parts.append(("Rejected", rows["rejected_row_count"], "#1E293B"))
    ticks = [
        f"{html.escape(str(name))}<br><span style='color:{MUTED}'>{fmt_int(total)} rows</span>"
        for name, total in zip(rows["source_name"], rows["raw_row_count"], strict=True)
    ]
    figure = go.Figure()
    for label, values, colour in parts:
        shares = (values.astype(float) / raw).fillna(0.0)
        figure.add_trace(
            go.Bar(
                x=shares.tolist(),
                y=ticks,
                orientation="h",
                name=label,
                marker={"color": colour},
                text=[
                    f"{fmt_int(value)}" if share >= 0.07 else ""
                    for value, share in zip(values, shares, strict=True)
                ],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"color": "#FFFFFF" if colour != "#94A3B8" else INK},
                customdata=np.asarray(values, dtype="float64"),
                hovertemplate=f"{label}: %{{customdata:,.0f}} rows (%{{x:.1%}})<extra></extra>",
            )
        )
    figure.update_layout(
        _base_layout(
            150 + 60 * max(len(rows), 1),
            barmode="stack",
            bargap=0.3,
            xaxis={"title": "Share of the rows read", "tickformat": ".0%", "range": [0, 1]},
            margin={"l": 70, "r": 24, "t": 60, "b": 60},
        )
    )
    return _style_axes(figure)


def rejection_rules_figure(rejections: pd.DataFrame) -> go.Figure:
    """Rejected rows per validation rule, stacked by source."""
    totals = rejections.groupby("rule")["row_count"].sum().sort_values()
    sources = sorted(rejections["source_name"].unique()) if len(rejections) else []
    figure = go.Figure()
    for index, source in enumerate(sources):
        part = rejections[rejections["source_name"] == source].set_index("rule")["row_count"]
        figure.add_trace(
            go.Bar(
                x=[int(part.get(rule, 0)) for rule in totals.index],
                y=list(totals.index),
                orientation="h",
                name=str(source),
                marker={"color": NEUTRAL_COLOURS[index % len(NEUTRAL_COLOURS)]},
                hovertemplate=f"{html.escape(str(source))}: %{{x:,}} rows<extra></extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=totals.tolist(),
            y=list(totals.index),
            mode="text",
            text=[f"  {value:,}" for value in totals],
            textposition="middle right",
            textfont={"size": 12, "color": INK},
            showlegend=False,
            hoverinfo="skip",
        )
    )
    upper = float(totals.max()) * 1.15 if len(totals) else 1.0
    figure.update_layout(
        _base_layout(
            150 + 34 * max(len(totals), 1),
            barmode="stack",
            bargap=0.3,
            xaxis={
                "title": "Rejected rows (a row failing two rules counts in both)",
                "range": [0, upper],
            },
            margin={"l": 70, "r": 30, "t": 60, "b": 60},
        )
    )
    return _style_axes(figure)


# --------------------------------------------------------------------------------------------
# HTML fragments
# --------------------------------------------------------------------------------------------


@dataclass
class Chart:
    """One chart slot: a figure, an optional static stand-in when WebGL is missing, and the
    sentence shown under it."""

    chart_id: str
    title: str
    caption: str
    figure: go.Figure
    fallback: go.Figure | None = None
    fallback_caption: str = ""
    wide: bool = False


def _figure_json(figure: go.Figure) -> str:
    return figure.to_json(validate=False, pretty=False)


def chart_html(chart: Chart) -> str:
    """A <figure> with the plot slot, its caption, and the figure data as inline JSON."""
    spec = (
        '{"target": '
        + json.dumps(f"plot-{chart.chart_id}")
        + ', "figure": '
        + _figure_json(chart.figure)
        + ', "fallback": '
        + (_figure_json(chart.fallback) if chart.fallback is not None else "null")
        + "}"
    )
    # Inline JSON must not close its <script> element.
    spec = spec.replace("</", "<\\/").replace("<!--", "<\\!--")
    fallback_note = (
        f'<p class="caption only-fallback">{chart.fallback_caption}</p>'
        if chart.fallback is not None
        else ""
    )
    classes = "chart wide" if chart.wide else "chart"
    return (
        f'<figure class="{classes}" id="{chart.chart_id}">'
        f"<h3>{html.escape(chart.title)}</h3>"
        f'<div class="plot" id="plot-{chart.chart_id}"></div>'
        f'<figcaption><p class="caption{" only-webgl" if chart.fallback is not None else ""}">'
        f"{chart.caption}</p>{fallback_note}</figcaption>"
        f'<script type="application/json" class="figure-spec">{spec}</script>'
        "</figure>"
    )


def _difference(value: object, average: object, kind: str) -> str:
    """Segment value against the base average in plain units: '▲ 17 yrs', '▼ 9%', '≈ 0 pts'."""
    if _missing(value) or _missing(average):
        return ""
    value, average = float(value), float(average)  # type: ignore[arg-type]
    if kind == "usd":
        if average == 0:
            return ""
        change = (value - average) / abs(average)
        text = f"{abs(change):.0%}"
        small = abs(change) < 0.005
    else:
        change = value - average
        unit = "yrs" if kind == "age" else "pts"
        text = f"{abs(change):.0f} {unit}"
        small = abs(change) < 0.5
    if small:
        return f"≈ {text}"
    return f"{'▲' if change > 0 else '▼'} {text}"


def profile_tagline(segment: pd.Series, averages: dict[str, float]) -> str:
    """Three words on how the segment differs from its base: e.g. 'Older · lower income ·
    average spending'. Thresholds: 5 years, 15% of income, 10 score points."""
    parts = []
    age = float(segment["mean_age"]) - averages["mean_age"]
    parts.append("older" if age > 5 else "younger" if age < -5 else "average age")
    income_base = averages["mean_annual_income_usd"]
    income = (float(segment["mean_annual_income_usd"]) - income_base) / income_base
    parts.append(
        "higher income" if income > 0.15 else "lower income" if income < -0.15 else "mid income"
    )
    spending = float(segment["mean_spending_score"]) - averages["mean_spending_score"]
    parts.append(
        "high spending"
        if spending > 10
        else "low spending"
        if spending < -10
        else "average spending"
    )
    text = " · ".join(parts)
    return text[0].upper() + text[1:]


def profile_table_html(segment: pd.Series, averages: dict[str, float]) -> str:
    """Segment means next to the base averages for age, income and spending."""
    rows = [
        (
            "Age",
            f"{float(segment['mean_age']):.0f} yrs",
            f"{averages['mean_age']:.0f} yrs",
            _difference(segment["mean_age"], averages["mean_age"], "age"),
        ),
        (
            "Income",
            fmt_usd(segment["mean_annual_income_usd"]),
            fmt_usd(averages["mean_annual_income_usd"]),
            _difference(
                segment["mean_annual_income_usd"], averages["mean_annual_income_usd"], "usd"
            ),
        ),
        (
            "Spending",
            f"{float(segment['mean_spending_score']):.0f} / 100",
            f"{averages['mean_spending_score']:.0f} / 100",
            _difference(segment["mean_spending_score"], averages["mean_spending_score"], "score"),
        ),
    ]
    body = "".join(
        f"<tr><th>{label}</th><td>{value}</td><td>{average}</td><td>{difference}</td></tr>"
        for label, value, average, difference in rows
    )
    return (
        '<table class="profile"><thead><tr><th></th><th>Segment</th><th>Base avg</th>'
        f"<th>Difference</th></tr></thead><tbody>{body}</tbody></table>"
    )


def _fact(label: str, value_html: str) -> str:
    """One labelled line of a card (value already escaped)."""
    return f'<li><span class="k">{html.escape(label)}</span><span>{value_html}</span></li>'


def segment_card_html(segment: pd.Series, averages: dict[str, float]) -> str:
    """The card of one segment: persona, size, profile against the base average, behaviour
    where the base has orders, and the three recommended actions."""
    persona = str(segment["persona_name"])
    colour = persona_colour(persona)
    facts = []
    if not _missing(segment.get("female_share")):
        facts.append(
            _fact(
                "Gender",
                f"{fmt_pct(segment['female_share'])} female, "
                f"{fmt_pct(segment.get('male_share'))} male",
            )
        )
    has_orders = not _missing(segment.get("loyalty_rate")) or not _missing(
        segment.get("top_product_category")
    )
    if has_orders:
        if not _missing(segment.get("loyalty_rate")):
            facts.append(
                _fact(
                    "Loyalty members",
                    f"{fmt_pct(segment['loyalty_rate'])} "
                    f"<em>(base {fmt_pct(averages['loyalty_rate'])})</em>",
                )
            )
        if not _missing(segment.get("top_product_category")):
            facts.append(
                _fact(
                    "Top category",
                    f"{_esc(segment['top_product_category'])} "
                    f"<em>({fmt_pct(segment.get('top_product_category_share'))} of its "
                    "revenue)</em>",
                )
            )
        if not _missing(segment.get("revenue_share")):
            facts.append(
                _fact(
                    "Revenue",
                    f"{fmt_usd(segment.get('revenue_usd'))} "
                    f"<em>({fmt_pct(segment['revenue_share'])} of the base)</em>",
                )
            )
        if not _missing(segment.get("mean_order_count")):
            facts.append(
                _fact(
                    "Per customer",
                    f"{float(segment['mean_order_count']):.1f} orders, "
                    f"{fmt_usd(segment.get('mean_monetary_value_usd'))} spent",
                )
            )
        if not _missing(segment.get("rfm_segment_mix")):
            top_rfm = ", ".join(str(segment["rfm_segment_mix"]).split(", ")[:2])
            facts.append(_fact("RFM mix", html.escape(top_rfm)))
    else:
        facts.append(
            '<li class="na">Loyalty and purchases: not recorded for this base '
            "(no order history).</li>"
        )
    if not _missing(segment.get("top_profession")):
        facts.append(_fact("Top profession", _esc(segment["top_profession"])))
    actions = [
        ("Channel", segment.get("marketing_channel")),
        ("Product", segment.get("product_strategy")),
        ("Engagement", segment.get("engagement_action")),
    ]
    action_items = (
        "".join(
            f"<li><span>{label}</span>{_esc(text)}</li>"
            for label, text in actions
            if not _missing(text)
        )
        or '<li class="na">No recommendation in the persona catalog.</li>'
    )
    description = (
        f'<p class="description">{_esc(segment.get("persona_description"))}</p>'
        if not _missing(segment.get("persona_description"))
        else ""
    )
    outliers = int(segment.get("outlier_count") or 0)
    outlier_note = (
        f'<p class="footnote">{outliers:,} customer{"s" if outliers != 1 else ""} far from the '
        "segment centre (flagged as outliers).</p>"
        if outliers
        else ""
    )
    return (
        f'<article class="card" style="--persona:{colour}" '
        f'data-segment-key="{_esc(segment["segment_key"])}" data-persona="{html.escape(persona)}">'
        '<header class="card-head">'
        f'<span class="swatch" style="background:{colour}"></span>'
        f'<h3 class="persona">{html.escape(persona)}</h3>'
        f'<span class="segment-key">{_esc(segment["segment_key"])}</span>'
        "</header>"
        f'<p class="tagline">{html.escape(profile_tagline(segment, averages))}</p>'
        f'<p class="size"><strong>{fmt_int(segment["customer_count"])}</strong> customers · '
        f"<strong>{fmt_pct(segment['customer_share'], 1)}</strong> of the base</p>"
        f'<div class="share-bar"><span style="width:{float(segment["customer_share"]) * 100:.1f}%;'
        f'background:{colour}"></span></div>'
        f"{description}"
        "<h4>Profile vs. base average</h4>"
        f"{profile_table_html(segment, averages)}"
        f'<ul class="facts">{"".join(facts)}</ul>'
        "<h4>Recommended actions</h4>"
        f'<ul class="actions">{action_items}</ul>'
        f"{outlier_note}"
        "</article>"
    )


def segment_cards_html(summary: pd.DataFrame, base: str) -> str:
    """Cards of every segment of a base, largest segment first."""
    rows = summary[summary["customer_base"] == base].sort_values(
        ["customer_count", "segment_id"], ascending=[False, True]
    )
    averages = base_means(summary, base)
    cards = "".join(segment_card_html(row, averages) for _, row in rows.iterrows())
    return f'<div class="cards">{cards}</div>'


def persona_key_html(persona_names: Iterable[str]) -> str:
    """The colour key: one chip per persona present in the report."""
    chips = "".join(
        f'<li><span class="swatch" style="background:{colour}"></span>{html.escape(name)}</li>'
        for name, colour in persona_colour_map(persona_names).items()
    )
    return f'<ul class="persona-key">{chips}</ul>'


def _timestamp_text(value: object) -> str:
    """A timestamp to the minute; naive ones are UTC (as segmentation_runs records them)."""
    if _missing(value):
        return NOT_AVAILABLE
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC")
        return stamp.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def _run_value_text(value: object) -> str:
    """A run field for display: JSON objects as 'key: value, ...', timestamps to the minute."""
    if isinstance(value, pd.Timestamp | datetime):
        return _timestamp_text(value)
    text = str(value)
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        if isinstance(parsed, dict):
            return ", ".join(
                f"{key}: {item if isinstance(item, str) else json.dumps(item)}"
                for key, item in parsed.items()
            )
    return text


def run_metadata_html(runs: pd.DataFrame | None) -> tuple[str, str]:
    """When the data was built (the latest run's finish time, else its start time), and a
    details block listing that run's fields. Without segmentation_runs: a plain note."""
    if runs is None or runs.empty:
        return "not recorded (no segmentation_runs mart)", ""
    latest = runs.iloc[0]
    stamps = run_time_columns(
        {
            column: "TIMESTAMP"
            for column in runs.columns
            if pd.api.types.is_datetime64_any_dtype(runs[column])
        }
    )
    known = [column for column in stamps if not _missing(latest[column])]
    built = _timestamp_text(latest[known[0]]) if known else NOT_AVAILABLE
    if "run_id" in runs.columns and not _missing(latest["run_id"]):
        built += f" · run {str(latest['run_id'])[:8]}"
    if len(runs) > 1:
        built += f" · {len(runs)} runs on record" if len(runs) < 20 else " · 20+ runs on record"
    items = "".join(
        f"<tr><th>{html.escape(str(column))}</th>"
        f"<td>{html.escape(_run_value_text(value))}</td></tr>"
        for column, value in latest.items()
        if not _missing(value)
    )
    details = (
        '<details class="run"><summary>Details of the latest segmentation run</summary>'
        f'<table class="kv">{items}</table></details>'
    )
    return built, details


def base_intro_html(
    summary: pd.DataFrame, centroids: pd.DataFrame, diagnostics: pd.DataFrame, base: str
) -> str:
    """One sentence on the base: customers, segments, features and how k was chosen."""
    rows = summary[summary["customer_base"] == base]
    features = (
        centroids[centroids["customer_base"] == base]
        .sort_values("feature_position")["feature_name"]
        .drop_duplicates()
        .tolist()
    )
    feature_text = ", ".join(FEATURE_SHORT.get(f, f.replace("_", " ")) for f in features)
    chosen = diagnostics[
        (diagnostics["customer_base"] == base) & diagnostics["is_chosen_k"].astype(bool)
    ]
    choice = ""
    if not chosen.empty:
        row = chosen.iloc[0]
        rule = str(row["k_rule"]).replace("_", "-")
        how = "fixed in the settings" if rule == "fixed" else f"picked by the {rule} rule"
        choice = (
            f" The number of segments, k&nbsp;=&nbsp;{int(row['k'])}, was {how} "
            f"(silhouette {float(row['silhouette']):.2f})."
        )
    return (
        f'<p class="intro"><strong>{fmt_int(rows["customer_count"].sum())}</strong> valid '
        f"customers in <strong>{len(rows)}</strong> segments, grouped by "
        f"{html.escape(feature_text) or 'their features'}.{choice}</p>"
    )


def base_charts(data: ReportData, base: str) -> list[Chart]:
    """The charts of one customer base, in page order."""
    summary, sample = data.summary, data.sample
    sampled = int((sample["customer_base"] == base).sum())
    total = int(summary.loc[summary["customer_base"] == base, "customer_count"].sum())
    sample_note = (
        f"All {total:,} customers are shown."
        if sampled >= total
        else f"Shows a fixed sample of {sampled:,} of the {total:,} customers."
    )
    pair_note = (
        sample_note
        if sampled <= PAIR_SAMPLE_PER_BASE
        else f"Shows the first {PAIR_SAMPLE_PER_BASE:,} customers of that fixed sample."
    )
    scatter, from_model = income_spending_figure(sample, summary, data.centroids, base)
    centre_text = (
        "the model's centroid of each segment"
        if from_model
        else "each segment's mean (income and spending are not clustering features here)"
    )
    charts = [
        Chart(
            f"{base}-scatter",
            "Annual income vs. spending score",
            "Each dot is a customer, coloured by persona; the outlined diamonds mark "
            f"{centre_text}. Clusters far apart mean clearly different customers. {sample_note}",
            scatter,
        ),
        Chart(
            f"{base}-3d",
            "Age, income and spending together",
            "Drag to rotate, scroll to zoom: the same customers in three dimensions, so age "
            f"differences between personas become visible. Diamonds are segment means. "
            f"{sample_note}",
            segment_3d_figure(sample, summary, base),
            fallback=projection_figure(sample, summary, base),
            fallback_caption=(
                "A fixed 3D view, shown because this browser has no WebGL for the rotating "
                "chart: age along the front edge, income along the right edge, spending up; "
                f"diamonds are segment means. {sample_note}"
            ),
        ),
        Chart(
            f"{base}-boxes",
            "Spending score by gender and by segment",
            "Each box spans the middle half of the customers; the solid line is the median, "
            "the dashed line the mean, the whiskers the usual range. When the two gender boxes "
            f"sit at the same height, gender makes little difference to spending. {sample_note}",
            spending_box_figure(sample, summary, base),
            wide=True,
        ),
        Chart(
            f"{base}-pairs",
            "Every pair of features",
            "Each small chart plots one feature against another; the diagonal shows how each "
            "feature is distributed, stacked by persona. Where colours stay apart, that pair "
            f"of features separates the segments. {pair_note}",
            pair_plot_figure(sample, summary, base),
            wide=True,
        ),
    ]
    if (data.diagnostics["customer_base"] == base).any():
        charts.append(
            Chart(
                f"{base}-k",
                "How many segments? Elbow and silhouette",
                "Left: inertia (the sum of squared distances of customers to their segment "
                "centre) always falls as k grows; where the curve bends (the elbow), more "
                "segments stop helping much. Right: silhouette measures how well separated the "
                "segments are. The star marks the k used for this report.",
                diagnostics_figure(data.diagnostics, base),
                wide=True,
            )
        )
    if (data.category_mix["customer_base"] == base).any():
        charts.append(
            Chart(
                f"{base}-categories",
                "What each segment buys: revenue by product category",
                "Each bar is one segment's revenue split by product category (100% per bar); "
                "hover for the dollar amounts. Different splits point to different product "
                "offers per segment.",
                category_mix_figure(data.category_mix, base),
                wide=True,
            )
        )
    return charts


def quality_charts(data: ReportData) -> list[Chart]:
    """The data-quality charts: rows kept per source, and rejected rows per rule."""
    has_cascade = "cascaded_row_count" in data.source_counts
    cascade_text = (
        " Rows rejected only because their customer was rejected are shown separately."
        if has_cascade
        else ""
    )
    charts = [
        Chart(
            "quality-sources",
            "Rows read, passed and rejected per source",
            "Each bar is one input file (100% = every row read); labels are row counts. Rejected "
            f"rows are kept aside in the rejected_rows mart, never silently dropped.{cascade_text}",
            source_counts_figure(data.source_counts),
            wide=True,
        )
    ]
    if len(data.rejections):
        charts.append(
            Chart(
                "quality-rules",
                "Why rows were rejected",
                "Rejected rows per validation rule, by source. customer_rejected means the order "
                "line or membership belongs to a customer whose own row was rejected.",
                rejection_rules_figure(data.rejections),
                wide=True,
            )
        )
    return charts


def source_table_html(counts: pd.DataFrame) -> str:
    """The source_row_counts numbers as a small table."""
    body = "".join(
        "<tr>"
        f"<th>{_esc(row['source_name'])}</th>"
        f"<td>{fmt_int(row['raw_row_count'])}</td>"
        f"<td>{fmt_int(row['passing_row_count'])}</td>"
        f"<td>{fmt_int(row['rejected_row_count'])}</td>"
        f"<td>{fmt_pct(row['rejected_share'], 1)}</td>"
        "</tr>"
        for _, row in counts.sort_values("source_name").iterrows()
    )
    return (
        '<table class="numbers"><thead><tr><th>Source</th><th>Rows read</th><th>Passed</th>'
        f"<th>Rejected</th><th>Rejected share</th></tr></thead><tbody>{body}</tbody></table>"
    )


STYLE = """
:root { --ink: #1F2937; --muted: #6B7280; --line: #E5E7EB; --bg: #F3F4F6; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 FONT_STACK; }
main { max-width: 1240px; margin: 0 auto; padding: 0 24px 48px; }
.page-head { background: #111827; color: #F9FAFB; padding: 28px 0 22px; margin-bottom: 28px; }
.page-head .inner { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
.page-head h1 { margin: 0 0 6px; font-size: 28px; letter-spacing: -0.01em; }
.page-head p { margin: 6px 0; color: #D1D5DB; max-width: 900px; }
.page-head .howto { color: #F9FAFB; }
.meta { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 12px 0 4px; padding: 0;
  font-size: 14px; color: #D1D5DB; }
.meta div { margin: 0; } .meta dt { display: inline; color: #9CA3AF; }
.meta dd { display: inline; margin: 0 0 0 6px; color: #F9FAFB; font-weight: 600; }
nav.toc { margin-top: 14px; display: flex; gap: 10px; flex-wrap: wrap; }
nav.toc a { color: #F9FAFB; text-decoration: none; border: 1px solid #4B5563;
  padding: 3px 12px; border-radius: 999px; font-size: 14px; }
nav.toc a:hover { background: #374151; }
.persona-key { list-style: none; display: flex; flex-wrap: wrap; gap: 8px 18px; padding: 0;
  margin: 14px 0 0; font-size: 14px; }
.persona-key li { display: flex; align-items: center; gap: 7px; }
.swatch { width: 13px; height: 13px; border-radius: 50%; display: inline-block;
  flex: none; box-shadow: 0 0 0 1px rgba(0,0,0,.15); }
section.base, section.quality { background: #FFFFFF; border-radius: 14px; padding: 24px 28px;
  margin-bottom: 28px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
section h2 { margin: 0 0 4px; font-size: 24px; }
section h2 .base-id { color: var(--muted); font-weight: 400; font-size: 16px; }
.intro { margin: 4px 0 18px; color: #374151; max-width: 900px; }
h3.group { font-size: 18px; margin: 26px 0 12px; padding-bottom: 6px;
  border-bottom: 1px solid var(--line); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr));
  gap: 18px; }
.card { border: 1px solid var(--line); border-top: 6px solid var(--persona); border-radius: 10px;
  padding: 14px 16px 12px; background: #FFFFFF; }
.card-head { display: flex; align-items: center; gap: 9px; }
.card-head .persona { margin: 0; font-size: 18px; flex: 1; }
.segment-key { color: var(--muted); font-size: 13px; }
.size { margin: 6px 0 4px; font-size: 14px; }
.share-bar { height: 6px; background: #F3F4F6; border-radius: 3px; overflow: hidden; }
.share-bar span { display: block; height: 100%; }
.description { color: #374151; font-size: 14px; margin: 10px 0 6px; }
.card h4 { margin: 12px 0 6px; font-size: 12px; text-transform: uppercase;
  letter-spacing: .06em; color: var(--muted); }
.tagline { margin: 2px 0 6px; font-weight: 600; color: #374151; font-size: 14px; }
table.profile { width: 100%; border-collapse: collapse; font-size: 14px;
  font-variant-numeric: tabular-nums; }
table.profile th, table.profile td { padding: 3px 4px; text-align: right; }
table.profile thead th { font-size: 12px; color: var(--muted); font-weight: 400; }
table.profile tbody th { text-align: left; color: var(--muted); font-weight: 400; }
table.profile tbody td:nth-child(2) { font-weight: 700; }
table.profile tbody td:nth-child(3) { color: var(--muted); }
table.profile tbody tr { border-top: 1px solid #F3F4F6; }
ul.facts, ul.actions { list-style: none; margin: 8px 0 0; padding: 0; font-size: 14px; }
ul.facts li, ul.actions li { padding: 3px 0; border-top: 1px dashed var(--line); }
ul.facts li { display: grid; grid-template-columns: 122px 1fr; gap: 6px; }
ul.facts li span.k { color: var(--muted); }
ul.actions li { display: grid; grid-template-columns: 104px 1fr; gap: 6px; }
ul.actions { background: #F9FAFB; border-radius: 8px; padding: 4px 10px; }
ul.actions li:first-child { border-top: 0; }
ul.actions li span { font-weight: 600; color: #374151; }
ul.facts li.na { display: block; }
ul.facts em { color: var(--muted); font-style: normal; }
li.na { color: var(--muted); font-style: italic; }
.footnote { color: var(--muted); font-size: 12px; margin: 8px 0 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr));
  gap: 22px; }
.chart { margin: 0; border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px;
  background: #FFFFFF; min-width: 0; }
.chart.wide { grid-column: 1 / -1; }
.chart h3 { margin: 0 0 4px; font-size: 16px; }
.chart .plot { width: 100%; }
figcaption .caption { margin: 8px 0 0; color: #4B5563; font-size: 14px; }
.only-fallback { display: none; }
.is-fallback .only-fallback { display: block; }
.is-fallback .only-webgl { display: none; }
table.numbers { border-collapse: collapse; margin: 8px 0 18px; font-size: 14px; }
table.numbers th, table.numbers td { padding: 6px 14px; border-bottom: 1px solid var(--line);
  text-align: right; font-variant-numeric: tabular-nums; }
table.numbers th:first-child { text-align: left; }
table.numbers thead th { color: var(--muted); font-weight: 600; }
details.run { margin-top: 10px; font-size: 13px; color: #D1D5DB; }
details.run summary { cursor: pointer; }
table.kv { margin-top: 6px; max-width: 1100px; }
table.kv th { text-align: left; padding: 2px 14px 2px 0; color: #9CA3AF; font-weight: 400;
  vertical-align: top; white-space: nowrap; }
table.kv td { color: #E5E7EB; overflow-wrap: anywhere; }
footer { color: var(--muted); font-size: 13px; text-align: center; margin: 10px 0 30px; }
@media (max-width: 640px) { .charts { grid-template-columns: 1fr; }
  main { padding: 0 10px 30px; } section.base, section.quality { padding: 16px; } }
""".replace("FONT_STACK", FONT_STACK)

BOOTSTRAP = """
(function () {
  "use strict";
  function webglWorks() {
    try {
      var canvas = document.createElement("canvas");
      var gl = canvas.getContext("webgl") || canvas.getContext("experimental-webgl");
      return !!(gl && typeof gl.getParameter === "function");
    } catch (error) {
      return false;
    }
  }
  var config = CONFIG;
  var webgl = webglWorks();
  document.body.dataset.webgl = webgl ? "yes" : "no";
  var specs = document.querySelectorAll("script.figure-spec");
  var drawn = [];
  Array.prototype.forEach.call(specs, function (node) {
    var spec = JSON.parse(node.textContent);
    var slot = document.getElementById(spec.target);
    var figure = spec.figure;
    if (spec.fallback && !webgl) {
      figure = spec.fallback;
      slot.closest("figure").classList.add("is-fallback");
    }
    drawn.push(Plotly.newPlot(slot, figure.data, figure.layout, config));
  });
  Promise.all(drawn).then(function () {
    document.body.dataset.chartsDrawn = String(drawn.length);
  });
})();
"""


def render_report(data: ReportData, plotly_js: str, generated_at: datetime) -> tuple[str, int]:
    """The whole page and the number of charts it draws."""
    bases = sorted(data.summary["customer_base"].unique().tolist())
    built, run_details = run_metadata_html(data.runs)
    sections = []
    chart_count = 0
    for base in bases:
        charts = base_charts(data, base)
        chart_count += len(charts)
        sections.append(
            f'<section class="base" id="base-{_esc(base)}" data-base="{_esc(base)}">'
            f'<h2>{html.escape(base_title(base))} <span class="base-id">base: {_esc(base)}</span>'
            "</h2>"
            f"{base_intro_html(data.summary, data.centroids, data.diagnostics, base)}"
            '<h3 class="group">Segments: who they are and what to do</h3>'
            f"{segment_cards_html(data.summary, base)}"
            '<h3 class="group">How the segments differ</h3>'
            f'<div class="charts">{"".join(chart_html(chart) for chart in charts)}</div>'
            "</section>"
        )
    quality = quality_charts(data)
    chart_count += len(quality)
    sections.append(
        '<section class="quality" id="data-quality"><h2>Data quality</h2>'
        '<p class="intro">Every row read from the source files either passed validation or '
        "was rejected with the rules it failed; nothing is dropped silently.</p>"
        f"{source_table_html(data.source_counts)}"
        f'<div class="charts">{"".join(chart_html(chart) for chart in quality)}</div>'
        "</section>"
    )
    counts = data.summary.groupby("customer_base")["customer_count"].sum()
    customers = " · ".join(f"{html.escape(base)} {fmt_int(counts[base])}" for base in bases)
    nav = "".join(
        f'<a href="#base-{_esc(base)}">{html.escape(base_title(base))}</a>' for base in bases
    )
    nav += '<a href="#data-quality">Data quality</a>'
    generated = generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    bootstrap = BOOTSTRAP.replace("CONFIG", json.dumps(PLOTLY_CONFIG))
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer segments report</title>
<style>{STYLE}</style>
</head>
<body data-chart-count="{chart_count}">
<header class="page-head"><div class="inner">
<h1>Customer segments report</h1>
<p>Who the customers of each base are, grouped into segments with a persona each, and what to
do for every segment. One offline file built from the segmentation marts; it needs no network.</p>
<dl class="meta">
<div><dt>Data built</dt><dd>{html.escape(built)}</dd></div>
<div><dt>Report generated</dt><dd>{generated}</dd></div>
<div><dt>Customers</dt><dd>{customers}</dd></div>
<div><dt>Read from</dt><dd>{html.escape(data.source_label)}</dd></div>
</dl>
<p class="howto"><strong>How to read this:</strong> each persona keeps one colour in every chart
(key below). Start with the segment cards: size, profile against the base average and the
recommended actions; the charts below them show how clearly the segments separate. Hover any
chart for exact values; click a persona in a legend to hide it.</p>
{persona_key_html(data.summary["persona_name"])}
{run_details}
<nav class="toc">{nav}</nav>
</div></header>
<main>
{"".join(sections)}
</main>
<footer>Customer segments report · generated {generated} · charts drawn with plotly.js, embedded
in this file.</footer>
<script>{plotly_js}</script>
<script>{bootstrap}</script>
</body>
</html>
"""
    return page, chart_count


# --------------------------------------------------------------------------------------------
# Screenshot and command line
# --------------------------------------------------------------------------------------------


def take_screenshot(
    html_path: Path, png_path: Path, width: int = 1280, height: int | None = None
) -> None:
    """Render the report in headless Chromium and save a PNG: the full page, or its top
    `height` pixels."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, args=list(CHROMIUM_ARGS)
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(html_path.resolve().as_uri())
            page.wait_for_function("document.body.dataset.chartsDrawn !== undefined")
            png_path.parent.mkdir(parents=True, exist_ok=True)
            if height is None:
                page.screenshot(path=str(png_path), full_page=True)
            else:
                page.screenshot(
                    path=str(png_path),
                    full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": height},
                )
        finally:
            browser.close()


def build_report(
    out: Path,
    database: Path | None = None,
    parquet_dir: Path | None = None,
    per_base: int = SAMPLE_PER_BASE,
) -> int:
    """Read the marts, write the HTML report to `out`; returns the number of charts."""
    if database is not None:
        label = database.name
    elif parquet_dir is not None:
        label = f"{parquet_dir.name}/ (Parquet)"
    else:
        raise ValueError("give a database file or a Parquet folder")
    with connect_marts(database, parquet_dir) as connection:
        data = load_report_data(connection, label, per_base)
    page, chart_count = render_report(data, get_plotlyjs(), datetime.now(UTC))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return chart_count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--database", type=Path, help="serving DuckDB file (opened read-only)")
    source.add_argument("--parquet-dir", type=Path, help="folder of <mart>.parquet files")
    parser.add_argument("--out", type=Path, default=Path("reports/segments.html"))
    parser.add_argument(
        "--sample-size",
        type=int,
        default=SAMPLE_PER_BASE,
        help=f"customers per base for the customer-level charts (default {SAMPLE_PER_BASE})",
    )
    parser.add_argument(
        "--screenshot", type=Path, help="also save a full-page PNG of the report (Chromium)"
    )
    parser.add_argument(
        "--screenshot-height", type=int, help="keep only the top of the page, in pixels"
    )
    args = parser.parse_args(argv)
    database = args.database
    if database is None and args.parquet_dir is None:
        database = Path("warehouse/segments.duckdb")
    started = time.perf_counter()
    try:
        charts = build_report(args.out, database, args.parquet_dir, args.sample_size)
    except (FileNotFoundError, LookupError, ValueError) as error:
        print(f"build_report: {error}", file=sys.stderr)
        return 1
    size = args.out.stat().st_size / 1e6
    print(
        f"wrote {args.out} ({size:.1f} MB, {charts} charts) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    if args.screenshot:
        take_screenshot(args.out, args.screenshot, height=args.screenshot_height)
        print(f"wrote {args.screenshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
