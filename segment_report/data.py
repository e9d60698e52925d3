"""Reading the published marts: everything the report shows, already bounded in size.

The report reads only the serving marts, either from the DuckDB file (opened read-only) or
from a folder of Parquet files named ``<mart>.parquet``. The marts are long-form (one row per
customer base), so nothing here knows which bases exist. Customer-level rows are read as a
bounded, deterministic sample per base (ordered by ``hash(customer_id)``), so reading stays
fast however large ``customer_segments`` grows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

REQUIRED_MARTS = (
    "segment_summary",
    "segment_profiles",
    "customer_segments",
    "segment_centroids",
    "segment_diagnostics",
    "segment_category_mix",
    "rejected_rows",
    "source_row_counts",
)
# Without these the page leaves out what they feed: run details, "Segments over time".
OPTIONAL_MARTS = ("segmentation_runs", "segment_migrations", "segment_drift")
HISTORY_MARTS = ("segment_migrations", "segment_drift")
# The population stability index past which a feature has drifted, when the latest run's
# settings do not say (var drift_psi_threshold).
DEFAULT_DRIFT_PSI_THRESHOLD = 0.25

# Customers read per base for the scatter, 3D and box charts; the pair plot draws the first
# PAIR_SAMPLE_PER_BASE of them (same hash order) six times over, so it keeps fewer: its
# points show where segments overlap, which 600 customers show as well as 1,500.
SAMPLE_PER_BASE = 5000
PAIR_SAMPLE_PER_BASE = 600

# The segment_profiles columns the cards read.
PROFILE_COLUMNS = (
    "customer_base",
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
)

# The customer features every base has in customer_segments, drawn in the customer charts.
FEATURES = ("age", "annual_income_usd", "spending_score")


@dataclass(frozen=True)
class EmptyBase:
    """A customer base whose every customer row was rejected: it has no segment, and the
    rules that rejected its rows say why."""

    customer_base: str
    row_count: int
    #: (rule, rows failing it), most frequent first.
    rules: tuple[tuple[str, int], ...]

    @property
    def message(self) -> str:
        rules = ", ".join(f"{rule} ({count:,} rows)" for rule, count in self.rules)
        return (
            f"Base {self.customer_base} has no valid customer: every one of its "
            f"{self.row_count:,} customer rows was rejected, so it is not segmented; "
            f"rules: {rules}. The rows and their values are in rejected_rows."
        )


def empty_bases(connection: duckdb.DuckDBPyConnection) -> list[EmptyBase]:
    """The bases whose customer sources passed no row, with their rejection rules
    (source_row_counts and rejected_rows), in name order."""
    bases = connection.execute(
        "select customer_base, sum(raw_row_count) from source_row_counts "
        "where source_kind = 'customers' group by customer_base "
        "having sum(passing_row_count) = 0 and sum(raw_row_count) > 0 order by customer_base"
    ).fetchall()
    found = []
    for base, row_count in bases:
        rules = connection.execute(
            "select rule, count(*) as row_count "
            "from (select unnest(string_split(failed_rules, ', ')) as rule from rejected_rows "
            "      where source_name in (select source_name from source_row_counts "
            "          where customer_base = $base and source_kind = 'customers')) "
            "group by rule order by row_count desc, rule",
            {"base": base},
        ).fetchall()
        found.append(EmptyBase(base, int(row_count), tuple((r, int(n)) for r, n in rules)))
    return found


@dataclass
class ReportData:
    """Everything the report shows, already bounded in size."""

    summary: pd.DataFrame
    profiles: pd.DataFrame
    sample: pd.DataFrame
    centroids: pd.DataFrame
    diagnostics: pd.DataFrame
    category_mix: pd.DataFrame
    source_counts: pd.DataFrame
    rejections: pd.DataFrame
    runs: pd.DataFrame | None
    source_label: str
    #: segment_migrations and segment_drift rows of the latest run_number; None when the
    #: mart is not published.
    migrations: pd.DataFrame | None = None
    drift: pd.DataFrame | None = None
    drift_threshold: float = DEFAULT_DRIFT_PSI_THRESHOLD
    #: Bases whose every customer row was rejected: shown empty, with their rules.
    empty_bases: list[EmptyBase] = field(default_factory=list)

    @property
    def bases(self) -> list[str]:
        """The customer bases of segment_summary, in name order."""
        return sorted(self.summary["customer_base"].unique().tolist())

    def has_orders(self, base: str) -> bool:
        """Whether a base has an order history: segment_category_mix has rows for it."""
        return bool((self.category_mix["customer_base"] == base).any())


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


def segment_features(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The segment_profiles rows of the features each base was segmented on: numeric ones
    with the segment's and the base's means, categorical ones with each top value's share in
    the segment and in the base and its lift."""
    return connection.execute(
        f"""
        select {", ".join(PROFILE_COLUMNS)}
        from segment_profiles
        where is_segment_feature
        order by customer_base, segment_id, attribute_name, value_rank nulls first
        """
    ).df()


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
    """The most recent rows of segmentation_runs, newest first (by finish, else start time).

    Every column is read as it comes, for the run details block; the report depends on none
    of them but the timestamps and ``run_id`` (the chosen k comes from segment_diagnostics).
    """
    described = connection.execute("describe segmentation_runs").fetchall()
    stamps = run_time_columns({row[0]: row[1] for row in described})
    quoted = ", ".join('"' + name.replace('"', '""') + '"' for name in stamps)
    order = f"order by coalesce({quoted}) desc nulls last" if stamps else ""
    return connection.execute(f"select * from segmentation_runs {order} limit {int(limit)}").df()


def latest_run_rows(connection: duckdb.DuckDBPyConnection, mart: str) -> pd.DataFrame:
    """The rows of a history mart (segment_migrations, segment_drift: each run adds its rows)
    that the latest run_number added."""
    return connection.execute(
        f"select * from {mart} where run_number = (select max(run_number) from {mart}) order by all"
    ).df()


def drift_threshold(runs: pd.DataFrame | None) -> float:
    """drift_psi_threshold from the latest run's settings_json, else the default."""
    if runs is None or runs.empty or "settings_json" not in runs.columns:
        return DEFAULT_DRIFT_PSI_THRESHOLD
    try:
        value = json.loads(str(runs.iloc[0]["settings_json"])).get("drift_psi_threshold")
        return float(value) if value is not None else DEFAULT_DRIFT_PSI_THRESHOLD
    except (ValueError, TypeError, AttributeError):
        return DEFAULT_DRIFT_PSI_THRESHOLD


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
    runs = latest_runs(connection) if "segmentation_runs" in present else None
    history = {
        mart: latest_run_rows(connection, mart) if mart in present else None
        for mart in HISTORY_MARTS
    }
    return ReportData(
        summary=summary,
        profiles=segment_features(connection),
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
        runs=runs,
        source_label=source_label,
        migrations=history["segment_migrations"],
        drift=history["segment_drift"],
        drift_threshold=drift_threshold(runs),
        empty_bases=empty_bases(connection),
    )
