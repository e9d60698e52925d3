"""The segment cards: what the template shows for each segment, from segment_summary and
segment_profiles.

A card holds the segment's name and how it was named (a catalog persona, or a name built from
its profile), its size, its description, the features its base was segmented on beside the
base average, its behaviour where the base has an order history, and its four
recommendations, the last with the value index and the recommended budget share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from segment_report.formatting import NOT_AVAILABLE, fmt_int, fmt_pct, fmt_usd, is_missing, text
from segment_report.personas import persona_colour
from segment_report.templating import render_macro
from segmentation.naming import DISTINCTIVE_LIFT, DISTINCTIVE_Z, MIN_CATEGORY_SHARE

NO_ORDER_HISTORY = "Loyalty and purchases: not recorded for this base (no order history)."
CATALOG_PERSONA = "catalog persona"
NAMED_FROM_PROFILE = "named from its profile"
# Labels of the project's own features; any other by its column name.
FEATURE_NAMES = {
    "age": "Age",
    "annual_income_usd": "Annual income",
    "spending_score": "Spending score",
    "work_experience_years": "Work experience",
    "family_size": "Family size",
    "recency_days": "Recency",
    "order_count": "Orders",
    "monetary_value_usd": "Spend",
}
NO_DISTINCTIVE_VALUE = (
    f"no value stands out (lift ≥ {DISTINCTIVE_LIFT:g} held by ≥ {MIN_CATEGORY_SHARE:.0%})"
)


@dataclass(frozen=True)
class Fact:
    """One line of a card: a label, its value and an optional note in brackets. Without a
    label, the value is a note about the whole line (shown in italics)."""

    label: str | None
    value: str
    note: str = ""


@dataclass(frozen=True)
class FeatureRow:
    """A segmented-on feature: the segment's value beside the base's, and how far apart.

    Numeric: the means in the feature's unit and the difference in base standard deviations.
    Categorical: a value with its share in the segment and in the base, and its lift.
    ``distinctive`` follows the cut-offs of segment names.
    """

    label: str
    value: str
    average: str
    difference: str
    distinctive: bool
    kind: str


@dataclass(frozen=True)
class Recommendation:
    """One of the four recommendations, with an optional line of figures under it."""

    kind: str
    label: str
    text: str
    detail: str = ""


@dataclass(frozen=True)
class Card:
    """Everything one segment card shows, as text."""

    persona: str
    name_kind: str
    colour: str
    segment_key: str
    customers: str
    share: str
    share_width: str
    description: str
    features: list[FeatureRow]
    facts: list[Fact]
    recommendations: list[Recommendation]
    outlier_count: int


def base_means(summary: pd.DataFrame, base: str) -> dict[str, float]:
    """Customer-weighted base averages of the segment means (exact base means)."""
    rows = summary[summary["customer_base"] == base]
    weights = rows["customer_count"].astype(float)
    means: dict[str, float] = {"customer_count": float(weights.sum())}
    for column in ("loyalty_rate", "female_share"):
        if column not in rows:
            means[column] = math.nan
            continue
        values = rows[column].astype(float)
        known = values.notna()
        total = weights[known].sum()
        means[column] = float((values[known] * weights[known]).sum() / total) if total else math.nan
    return means


def feature_name(attribute: str) -> str:
    """How a feature is labelled on a card: 'annual_income_usd' -> 'Annual income'."""
    if attribute in FEATURE_NAMES:
        return FEATURE_NAMES[attribute]
    words = attribute.removesuffix("_usd").replace("_", " ").strip() or attribute
    return words[0].upper() + words[1:]


def in_unit(attribute: str, value: object) -> str:
    """A feature's value in its unit: dollars, years, days, score out of 100, else a number."""
    if is_missing(value):
        return NOT_AVAILABLE
    number = float(value)  # type: ignore[arg-type]
    if attribute.endswith("_usd"):
        return fmt_usd(number)
    if attribute == "spending_score":
        return f"{number:.0f} / 100"
    if attribute == "age" or attribute.endswith("_years"):
        return f"{number:.1f} yrs" if abs(number) < 10 else f"{number:.0f} yrs"
    if attribute.endswith("_days"):
        return f"{number:,.0f} days"
    return f"{number:,.1f}" if abs(number) < 100 else f"{number:,.0f}"


def z_text(z: object) -> str:
    """A difference in base standard deviations: '▲ 1.2 sd', '▼ 0.6 sd', '≈ 0.0 sd'."""
    if is_missing(z):
        return ""
    value = float(z)  # type: ignore[arg-type]
    if abs(value) < 0.05:
        return "≈ 0.0 sd"
    return f"{'▲' if value > 0 else '▼'} {abs(value):.1f} sd"


def is_distinctive_value(share: object, lift: object) -> bool:
    """A categorical value is distinctive of a segment at lift ≥ 1.5 held by ≥ 40% of it (a
    value as common in every segment has a lift near 1 and never is)."""
    if is_missing(share) or is_missing(lift):
        return False
    return float(lift) >= DISTINCTIVE_LIFT and float(share) >= MIN_CATEGORY_SHARE  # type: ignore[arg-type]


def categorical_row(attribute: str, rows: pd.DataFrame) -> FeatureRow:
    """The most lifted distinctive value of a categorical feature, else its most common value
    with a note that none stands out."""
    label = feature_name(attribute)
    distinctive = rows[
        [is_distinctive_value(r.value_share, r.lift) for r in rows.itertuples(index=False)]
    ]
    if len(distinctive):
        best = distinctive.sort_values(["lift", "value_share"], ascending=False).iloc[0]
        note = f"lift {float(best['lift']):.1f}"
    else:
        best = rows.sort_values("value_share", ascending=False).iloc[0]
        lift = "" if is_missing(best["lift"]) else f"lift {float(best['lift']):.1f}; "
        note = lift + NO_DISTINCTIVE_VALUE
    return FeatureRow(
        label=label,
        value=f"{text(best['attribute_value'])} {fmt_pct(best['value_share'])}",
        average=f"{fmt_pct(best['base_value_share'])}",
        difference=note,
        distinctive=bool(len(distinctive)),
        kind="categorical",
    )


def feature_rows(profiles: pd.DataFrame, base: str, segment_id: object) -> list[FeatureRow]:
    """The features the base was segmented on (segment_profiles rows where
    is_segment_feature), numeric ones first, in the order of the profile."""
    own = profiles[(profiles["customer_base"] == base) & (profiles["segment_id"] == segment_id)]
    numeric, categorical = [], []
    for attribute in dict.fromkeys(own["attribute_name"]):
        rows = own[own["attribute_name"] == attribute]
        if rows["attribute_kind"].iloc[0] == "numeric":
            row = rows.iloc[0]
            z = row["standardised_mean"]
            numeric.append(
                FeatureRow(
                    label=feature_name(attribute),
                    value=in_unit(attribute, row["mean_value"]),
                    average=in_unit(attribute, row["base_mean_value"]),
                    difference=z_text(z),
                    distinctive=not is_missing(z) and abs(float(z)) >= DISTINCTIVE_Z,
                    kind="numeric",
                )
            )
        else:
            categorical.append(categorical_row(attribute, rows))
    return numeric + categorical


def recommendations(segment: pd.Series) -> list[Recommendation]:
    """The four recommendations of segment_summary; the resource allocation with its value
    index, what it measures, and the recommended budget share against the customer share."""
    # The detail comes from the columns themselves, whatever resource_allocation's wording.
    parts = []
    budget = segment.get("recommended_budget_share")
    if not is_missing(budget):
        parts.append(
            f"Budget share {fmt_pct(budget, 1)} against a customer share of "
            f"{fmt_pct(segment['customer_share'], 1)}"
        )
    if not is_missing(segment.get("value_index")):
        parts.append(
            f"value index {float(segment['value_index']):.2f} "
            f"({text(segment.get('value_measure')) or 'measure not recorded'})"
        )
    detail = "; ".join(parts)
    return [
        Recommendation(kind, label, text(segment.get(kind)) or NOT_AVAILABLE, extra)
        for kind, label, extra in (
            ("marketing_channel", "Marketing channel", ""),
            ("product_strategy", "Product strategy", ""),
            ("engagement_action", "Engagement", ""),
            ("resource_allocation", "Resource allocation", detail),
        )
    ]


def order_facts(segment: pd.Series, averages: dict[str, float]) -> list[Fact]:
    """Loyalty, top category, revenue, orders and RFM mix: the values the segment has."""
    facts = []
    if not is_missing(segment.get("loyalty_rate")):
        facts.append(
            Fact(
                "Loyalty members",
                fmt_pct(segment["loyalty_rate"]),
                f"base {fmt_pct(averages['loyalty_rate'])}",
            )
        )
    if not is_missing(segment.get("top_product_category")):
        facts.append(
            Fact(
                "Top category",
                str(segment["top_product_category"]),
                f"{fmt_pct(segment.get('top_product_category_share'))} of its revenue",
            )
        )
    if not is_missing(segment.get("revenue_share")):
        facts.append(
            Fact(
                "Revenue",
                fmt_usd(segment.get("revenue_usd")),
                f"{fmt_pct(segment['revenue_share'])} of the base",
            )
        )
    if not is_missing(segment.get("mean_order_count")):
        facts.append(
            Fact(
                "Per customer",
                f"{float(segment['mean_order_count']):.1f} orders, "
                f"{fmt_usd(segment.get('mean_monetary_value_usd'))} spent",
            )
        )
    if not is_missing(segment.get("rfm_segment_mix")):
        top_rfm = ", ".join(str(segment["rfm_segment_mix"]).split(", ")[:2])
        facts.append(Fact("RFM mix", top_rfm))
    return facts


def name_kind(segment: pd.Series) -> str:
    """How the segment was named: after a catalog persona, or from its own profile."""
    flag = segment.get("is_catalog_persona")
    if is_missing(flag):
        return ""
    return CATALOG_PERSONA if bool(flag) else NAMED_FROM_PROFILE


def segment_card(
    segment: pd.Series, averages: dict[str, float], features: list[FeatureRow], *, has_orders: bool
) -> Card:
    """The card of one segment; behaviour facts when its base has an order history."""
    persona = str(segment["persona_name"])
    facts = []
    if not is_missing(segment.get("female_share")):
        facts.append(
            Fact(
                "Gender",
                f"{fmt_pct(segment['female_share'])} female, "
                f"{fmt_pct(segment.get('male_share'))} male",
            )
        )
    facts += order_facts(segment, averages) if has_orders else [Fact(None, NO_ORDER_HISTORY)]
    if not is_missing(segment.get("top_profession")):
        facts.append(Fact("Top profession", str(segment["top_profession"])))
    return Card(
        persona=persona,
        name_kind=name_kind(segment),
        colour=persona_colour(persona),
        segment_key=text(segment["segment_key"]),
        customers=fmt_int(segment["customer_count"]),
        share=fmt_pct(segment["customer_share"], 1),
        share_width=f"{float(segment['customer_share']) * 100:.1f}%",
        description=text(segment.get("persona_description")),
        features=features,
        facts=facts,
        recommendations=recommendations(segment),
        outlier_count=int(segment.get("outlier_count") or 0),
    )


def segment_cards(
    summary: pd.DataFrame, profiles: pd.DataFrame, base: str, *, has_orders: bool
) -> list[Card]:
    """Cards of every segment of a base, largest segment first."""
    rows = summary[summary["customer_base"] == base].sort_values(
        ["customer_count", "segment_id"], ascending=[False, True]
    )
    averages = base_means(summary, base)
    return [
        segment_card(
            row, averages, feature_rows(profiles, base, row["segment_id"]), has_orders=has_orders
        )
        for _, row in rows.iterrows()
    ]


def segment_cards_html(
    summary: pd.DataFrame, profiles: pd.DataFrame, base: str, *, has_orders: bool
) -> str:
    """The cards of a base as HTML, as the page shows them."""
    return render_macro("cards", segment_cards(summary, profiles, base, has_orders=has_orders))
