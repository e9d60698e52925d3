"""Segments over time: what a base's "Segments over time" part shows, from the rows the
latest run added to segment_migrations and segment_drift, and from segment_summary.

- the migrations between the last two runs as a from/to matrix (previous run's segment in
  rows, this run's in columns; customers new to the base in a last row, customers who left
  in a last column), or, on a base's first run, a sentence saying so;
- how far each feature the base is segmented on has drifted (population stability index;
  the chart is drawn by :mod:`segment_report.figures.history`);
- each segment's share of the base in the previous run and now, and its stability
  (Hennig's cluster-wise Jaccard stability, ``segment_summary.segment_stability``) where the
  summary has that column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from segment_report.cards import feature_name
from segment_report.data import ReportData
from segment_report.formatting import NOT_AVAILABLE, fmt_int, fmt_pct, is_missing
from segment_report.personas import persona_colour

# Population stability index bands: below PSI_MODERATE a feature is stable; from it up to
# the run's drift_psi_threshold it has shifted moderately; from the threshold on it has
# drifted (segment_drift.is_drifted) and the segments should be refitted.
PSI_MODERATE = 0.1
STABILITY_COLUMN = "segment_stability"
# Hennig (2007): a cluster with a mean Jaccard similarity of 0.75 or more over bootstrap
# refits is stable (0.85 highly so); 0.6 to 0.75 shows a pattern whose members are doubtful;
# below 0.6 it dissolves and should not be trusted.
STABILITY_WORDS = ((0.85, "highly stable"), (0.75, "stable"), (0.6, "doubtful"), (0.0, "unstable"))
MINUS = "\N{MINUS SIGN}"
NEW_SEGMENT = "new segment"
NEW_TO_BASE = "New to the base"
LEFT_BASE = "Left the base"
# How the latest run's segments were made (segmentation_runs.segment_mode).
MODE_TEXT = {
    "refit": "fitted on this run's data (refit mode)",
    "score": "kept from an earlier run, nothing refitted (score mode)",
}
# Shading of the matrix cells where customers changed segment (slate, as the neutral charts).
SHADE_RGB = "51, 65, 85"
MAX_SHADE = 0.45


@dataclass(frozen=True)
class SegmentLabel:
    """A segment as a row or column of the matrix; None segment_id: new to / left the base."""

    segment_id: int | None
    label: str
    key: str
    colour: str


@dataclass(frozen=True)
class MatrixCell:
    """Customers from one segment (row) to another (column) between the last two runs."""

    from_id: int | None
    to_id: int | None
    count: int
    kind: str  # stayed, moved, joined, left, or "none" (a pair that cannot occur)
    shade: str  # CSS background

    @property
    def text(self) -> str:
        return fmt_int(self.count) if self.count else "·"


@dataclass(frozen=True)
class MatrixRow:
    segment: SegmentLabel
    cells: list[MatrixCell]
    total: str


@dataclass(frozen=True)
class MigrationMatrix:
    """Rows: the previous run's segments, then customers new to the base. Columns: this
    run's segments, then customers who left. Row totals add up to the previous run's
    customers (plus those who joined), column totals to this run's (plus those who left)."""

    columns: list[SegmentLabel]
    rows: list[MatrixRow]
    column_totals: list[str]
    total: str


@dataclass(frozen=True)
class ShareRow:
    """A segment's share of the base in the previous run and now, and its stability."""

    segment: SegmentLabel
    customers: str
    previous_share: str
    current_share: str
    change: str
    stability: str


@dataclass
class History:
    """The "Segments over time" part of one base's section."""

    run_number: int
    is_first_run: bool
    summary: str
    drift_note: str
    matrix: MigrationMatrix | None
    shares: list[ShareRow]
    has_stability: bool
    counts: dict[str, int] = field(default_factory=dict)


def base_rows(frame: pd.DataFrame | None, base: str) -> pd.DataFrame:
    """A history mart's rows of one base (empty when the mart is missing)."""
    if frame is None:
        return pd.DataFrame()
    return frame[frame["customer_base"] == base]


def segment_names(data: ReportData, base: str) -> dict[int, tuple[str, str]]:
    """segment_id -> (persona name, segment key): segment_summary's, and for a segment no
    longer in it (all its customers left or moved) the name segment_migrations gives it."""
    names: dict[int, tuple[str, str]] = {}
    migrations = base_rows(data.migrations, base)
    for side in ("from", "to"):
        for row in migrations.itertuples(index=False):
            segment_id = getattr(row, f"{side}_segment_id")
            persona = getattr(row, f"{side}_persona_name")
            if not is_missing(segment_id):
                names[int(segment_id)] = (
                    str(persona) if not is_missing(persona) else f"Segment {int(segment_id)}",
                    f"{base}-{int(segment_id)}",
                )
    summary = data.summary[data.summary["customer_base"] == base]
    for row in summary.itertuples(index=False):
        names[int(row.segment_id)] = (str(row.persona_name), str(row.segment_key))
    return names


def label(segment_id: int | None, names: dict[int, tuple[str, str]], outside: str) -> SegmentLabel:
    """A segment by its persona name, key and colour; outside the base, by `outside`."""
    if segment_id is None:
        return SegmentLabel(None, outside, "", "")
    persona, key = names.get(segment_id, (f"Segment {segment_id}", ""))
    return SegmentLabel(segment_id, persona, key, persona_colour(persona))


def _segment_id(value: object) -> int | None:
    return None if is_missing(value) else int(value)  # type: ignore[arg-type]


def migration_counts(migrations: pd.DataFrame) -> dict[tuple[int | None, int | None], int]:
    """(from segment, to segment) -> customers; None is outside the base."""
    counts: dict[tuple[int | None, int | None], int] = {}
    for row in migrations.itertuples(index=False):
        pair = (_segment_id(row.from_segment_id), _segment_id(row.to_segment_id))
        counts[pair] = counts.get(pair, 0) + int(row.customer_count)
    return counts


def cell_kind(from_id: int | None, to_id: int | None) -> str:
    if from_id is None and to_id is None:
        return "none"
    if from_id is None:
        return "joined"
    if to_id is None:
        return "left"
    return "stayed" if from_id == to_id else "moved"


def migration_matrix(
    migrations: pd.DataFrame, names: dict[int, tuple[str, str]]
) -> MigrationMatrix:
    """The from/to matrix of one base's migrations of one run. Cells where customers changed
    segment are shaded by their count against the largest such cell."""
    counts = migration_counts(migrations)
    from_ids = sorted({pair[0] for pair in counts if pair[0] is not None})
    to_ids = sorted({pair[1] for pair in counts if pair[1] is not None})
    row_ids: list[int | None] = [*from_ids, None]
    column_ids: list[int | None] = [*to_ids, None]
    changes = [
        count for (source, target), count in counts.items() if source != target and count > 0
    ]
    largest = max(changes, default=0)

    def shade(kind: str, count: int) -> str:
        if kind in ("stayed", "none") or not count or not largest:
            return ""
        alpha = 0.08 + (MAX_SHADE - 0.08) * count / largest
        return f"rgba({SHADE_RGB}, {alpha:.2f})"

    rows = []
    for from_id in row_ids:
        cells = []
        for to_id in column_ids:
            count = counts.get((from_id, to_id), 0)
            kind = cell_kind(from_id, to_id)
            cells.append(MatrixCell(from_id, to_id, count, kind, shade(kind, count)))
        rows.append(
            MatrixRow(
                label(from_id, names, NEW_TO_BASE),
                cells,
                fmt_int(sum(cell.count for cell in cells)),
            )
        )
    column_totals = [
        fmt_int(sum(counts.get((from_id, to_id), 0) for from_id in row_ids)) for to_id in column_ids
    ]
    return MigrationMatrix(
        columns=[label(to_id, names, LEFT_BASE) for to_id in column_ids],
        rows=rows,
        column_totals=column_totals,
        total=fmt_int(sum(counts.values())),
    )


def stability_text(value: object) -> str:
    """0.87 -> '0.87 · highly stable'; missing -> NOT_AVAILABLE."""
    if is_missing(value):
        return NOT_AVAILABLE
    number = float(value)  # type: ignore[arg-type]
    word = next(word for floor, word in STABILITY_WORDS if number >= floor)
    return f"{number:.2f} · {word}"


def has_stability(summary: pd.DataFrame, base: str) -> bool:
    """Whether segment_summary has segment_stability values for the base."""
    if STABILITY_COLUMN not in summary.columns:
        return False
    return bool(summary.loc[summary["customer_base"] == base, STABILITY_COLUMN].notna().any())


def share_change_text(value: object) -> str:
    """A change of share in percentage points: '+1.5 pp', '0.0 pp', and a minus sign for a fall."""
    if is_missing(value):
        return NOT_AVAILABLE
    points = float(value) * 100  # type: ignore[arg-type]
    if round(points, 1) == 0:
        return "0.0 pp"
    sign = "+" if points > 0 else MINUS
    return f"{sign}{abs(points):.1f} pp"


def segment_shares(data: ReportData, base: str) -> pd.DataFrame:
    """One row per segment of the latest run's segment_share drift rows (or, without them,
    of segment_summary): segment_id, persona_name, segment_key, reference_share,
    current_share, share_change, customer_count, and segment_stability when known."""
    names = segment_names(data, base)
    summary = data.summary[data.summary["customer_base"] == base].set_index("segment_id")
    drift = base_rows(data.drift, base)
    if not drift.empty:
        drift = drift[drift["drift_kind"] == "segment_share"]
    if drift.empty:
        shares = pd.DataFrame(
            {
                "segment_id": summary.index.astype(int),
                "reference_share": float("nan"),
                "current_share": summary["customer_share"].astype(float).to_numpy(),
                "share_change": float("nan"),
            }
        )
    else:
        shares = drift[["segment_id", "reference_share", "current_share", "share_change"]].copy()
        shares["segment_id"] = shares["segment_id"].astype(int)
    shares["persona_name"] = [names.get(int(i), (f"Segment {i}", ""))[0] for i in shares.segment_id]
    shares["segment_key"] = [names.get(int(i), ("", f"{base}-{i}"))[1] for i in shares.segment_id]
    shares["customer_count"] = [
        summary["customer_count"].get(int(i), float("nan")) for i in shares["segment_id"]
    ]
    if STABILITY_COLUMN in summary.columns:
        shares[STABILITY_COLUMN] = [
            summary[STABILITY_COLUMN].get(int(i), float("nan")) for i in shares["segment_id"]
        ]
    return shares.sort_values("segment_id").reset_index(drop=True)


def share_rows(shares: pd.DataFrame, *, is_first_run: bool) -> list[ShareRow]:
    """The shares table. A segment without a previous share is a new segment, except on the
    base's first run, when no segment has one."""

    def change(row: pd.Series) -> str:
        if is_missing(row["reference_share"]):
            return NOT_AVAILABLE if is_first_run else NEW_SEGMENT
        return share_change_text(row["share_change"])

    return [
        ShareRow(
            segment=SegmentLabel(
                int(row["segment_id"]),
                str(row["persona_name"]),
                str(row["segment_key"]),
                persona_colour(str(row["persona_name"])),
            ),
            customers=fmt_int(row["customer_count"]),
            previous_share=fmt_pct(row["reference_share"], 1),
            current_share=fmt_pct(row["current_share"], 1),
            change=change(row),
            stability=stability_text(row.get(STABILITY_COLUMN)),
        )
        for _, row in shares.iterrows()
    ]


def feature_drift(data: ReportData, base: str) -> pd.DataFrame:
    """The latest run's feature rows of segment_drift for a base, most drifted first."""
    drift = base_rows(data.drift, base)
    if drift.empty:
        return drift
    features = drift[drift["drift_kind"] == "feature"]
    return features.sort_values(
        ["population_stability_index", "feature_name"], ascending=[False, True]
    ).reset_index(drop=True)


def drift_note(features: pd.DataFrame, threshold: float) -> str:
    """One sentence on the features' drift: which drifted (segment_drift.is_drifted), which
    shifted moderately, or the largest index when none did."""
    if features.empty:
        return ""
    reference = features["reference_model_version"].dropna()
    against = (
        f"against the training sample of model version {int(reference.iloc[0])}"
        if len(reference)
        else "against the model's training sample"
    )
    psi = features["population_stability_index"].astype(float)
    drifted = features[features["is_drifted"].fillna(False).astype(bool)]
    moderate = features[(psi >= PSI_MODERATE) & ~features.index.isin(drifted.index)]

    def listed(rows: pd.DataFrame) -> str:
        return ", ".join(
            f"{feature_name(str(row.feature_name)).lower()} (PSI "
            f"{float(row.population_stability_index):.2f})"
            for row in rows.itertuples(index=False)
        )

    if len(drifted):
        verb = "has" if len(drifted) == 1 else "have"
        note = (
            f"Drift {against}: {listed(drifted)} {verb} drifted past the threshold of "
            f"{threshold:g}; time to refit the segments."
        )
        if len(moderate):
            note += f" Moderate shift: {listed(moderate)}."
        return note
    if len(moderate):
        return (
            f"Drift {against}: moderate shift in {listed(moderate)} (PSI {PSI_MODERATE:g} to "
            f"{threshold:g}); no feature has drifted past {threshold:g}."
        )
    top = features.iloc[0]
    return (
        f"Drift {against}: no feature has shifted; the largest population stability index "
        f"is {float(top['population_stability_index']):.3f} "
        f"({feature_name(str(top['feature_name'])).lower()}), under {PSI_MODERATE:g}."
    )


def model_text(data: ReportData, base: str) -> str:
    """' Segments by model version 2, fitted on this run's data (refit mode).'"""
    drift = base_rows(data.drift, base)
    if "model_version" not in drift or drift["model_version"].dropna().empty:
        return ""
    versions = drift["model_version"].dropna()
    mode = ""
    runs = data.runs
    if runs is not None and not runs.empty and "segment_mode" in runs.columns:
        mode = MODE_TEXT.get(str(runs.iloc[0]["segment_mode"]), "")
    return f" Segments by model version {int(versions.iloc[0])}{', ' + mode if mode else ''}."


def run_summary(counts: dict[str, int], run_number: int, customers: int) -> tuple[bool, str]:
    """Whether this is the base's first run (no customer came from a previous run), and the
    sentence that says what happened."""
    if not counts.get("stayed") and not counts.get("moved") and not counts.get("left"):
        return True, (
            f"Run {run_number} is the first run of this base: all {fmt_int(customers)} "
            "customers joined their segments, so there are no moves between segments and no "
            "share changes to show yet. They appear here from the next run on."
        )
    if not counts.get("moved") and not counts.get("joined") and not counts.get("left"):
        return False, (
            f"Run {run_number} compared with run {run_number - 1}: all "
            f"{fmt_int(counts.get('stayed', 0))} customers stayed in their segment; none moved, "
            "joined or left."
        )
    parts = [
        f"{fmt_int(counts.get('stayed', 0))} customers stayed in their segment",
        f"{fmt_int(counts.get('moved', 0))} moved to another one",
        f"{fmt_int(counts.get('joined', 0))} joined the base",
        f"{fmt_int(counts.get('left', 0))} left it",
    ]
    return False, (
        f"Run {run_number} compared with run {run_number - 1}: "
        f"{', '.join(parts[:-1])} and {parts[-1]}."
    )


def base_history(data: ReportData, base: str) -> History | None:
    """The "Segments over time" part of a base, or None when segment_migrations is not
    published or has no rows for the base."""
    migrations = base_rows(data.migrations, base)
    if migrations.empty:
        return None
    counts: dict[str, int] = {}
    for (source, target), count in migration_counts(migrations).items():
        kind = cell_kind(source, target)
        counts[kind] = counts.get(kind, 0) + count
    customers = counts.get("stayed", 0) + counts.get("moved", 0) + counts.get("joined", 0)
    run_number = int(migrations["run_number"].max())
    is_first, summary = run_summary(counts, run_number, customers)
    summary += model_text(data, base)
    names = segment_names(data, base)
    return History(
        run_number=run_number,
        is_first_run=is_first,
        summary=summary,
        drift_note=drift_note(feature_drift(data, base), data.drift_threshold),
        matrix=None if is_first else migration_matrix(migrations, names),
        shares=share_rows(segment_shares(data, base), is_first_run=is_first),
        has_stability=has_stability(data.summary, base),
        counts=counts,
    )
