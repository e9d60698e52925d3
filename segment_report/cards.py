"""The segment cards: what the template shows for each segment, computed from segment_summary.

A card holds the persona, the segment's size, its profile against the base average, its
behaviour where the base has an order history, and the persona's recommended actions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from segment_report.formatting import fmt_int, fmt_pct, fmt_usd, is_missing, text
from segment_report.personas import persona_colour
from segment_report.templating import render_macro

NO_ORDER_HISTORY = "Loyalty and purchases: not recorded for this base (no order history)."


@dataclass(frozen=True)
class Fact:
    """One line of a card: a label, its value and an optional note in brackets. Without a
    label, the value is a note about the whole line (shown in italics)."""

    label: str | None
    value: str
    note: str = ""


@dataclass(frozen=True)
class ProfileRow:
    """A segment mean next to the base average and the difference between the two."""

    label: str
    value: str
    average: str
    difference: str


@dataclass(frozen=True)
class Card:
    """Everything one segment card shows, as text."""

    persona: str
    colour: str
    segment_key: str
    tagline: str
    customers: str
    share: str
    share_width: str
    description: str
    profile: list[ProfileRow]
    facts: list[Fact]
    actions: list[tuple[str, str]]
    outlier_count: int


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


def difference_text(value: object, average: object, kind: str) -> str:
    """Segment value against the base average in plain units: '▲ 17 yrs', '▼ 9%', '≈ 0 pts'."""
    if is_missing(value) or is_missing(average):
        return ""
    value, average = float(value), float(average)  # type: ignore[arg-type]
    if kind == "usd":
        if average == 0:
            return ""
        change = (value - average) / abs(average)
        amount = f"{abs(change):.0%}"
        small = abs(change) < 0.005
    else:
        change = value - average
        unit = "yrs" if kind == "age" else "pts"
        amount = f"{abs(change):.0f} {unit}"
        small = abs(change) < 0.5
    if small:
        return f"≈ {amount}"
    return f"{'▲' if change > 0 else '▼'} {amount}"


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
    tagline = " · ".join(parts)
    return tagline[0].upper() + tagline[1:]


def profile_rows(segment: pd.Series, averages: dict[str, float]) -> list[ProfileRow]:
    """Segment means next to the base averages for age, income and spending."""
    return [
        ProfileRow(
            "Age",
            f"{float(segment['mean_age']):.0f} yrs",
            f"{averages['mean_age']:.0f} yrs",
            difference_text(segment["mean_age"], averages["mean_age"], "age"),
        ),
        ProfileRow(
            "Income",
            fmt_usd(segment["mean_annual_income_usd"]),
            fmt_usd(averages["mean_annual_income_usd"]),
            difference_text(
                segment["mean_annual_income_usd"], averages["mean_annual_income_usd"], "usd"
            ),
        ),
        ProfileRow(
            "Spending",
            f"{float(segment['mean_spending_score']):.0f} / 100",
            f"{averages['mean_spending_score']:.0f} / 100",
            difference_text(
                segment["mean_spending_score"], averages["mean_spending_score"], "score"
            ),
        ),
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


def segment_card(segment: pd.Series, averages: dict[str, float], *, has_orders: bool) -> Card:
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
    actions = [
        ("Channel", segment.get("marketing_channel")),
        ("Product", segment.get("product_strategy")),
        ("Engagement", segment.get("engagement_action")),
    ]
    return Card(
        persona=persona,
        colour=persona_colour(persona),
        segment_key=text(segment["segment_key"]),
        tagline=profile_tagline(segment, averages),
        customers=fmt_int(segment["customer_count"]),
        share=fmt_pct(segment["customer_share"], 1),
        share_width=f"{float(segment['customer_share']) * 100:.1f}%",
        description=text(segment.get("persona_description")),
        profile=profile_rows(segment, averages),
        facts=facts,
        actions=[(label, str(action)) for label, action in actions if not is_missing(action)],
        outlier_count=int(segment.get("outlier_count") or 0),
    )


def segment_cards(summary: pd.DataFrame, base: str, *, has_orders: bool) -> list[Card]:
    """Cards of every segment of a base, largest segment first."""
    rows = summary[summary["customer_base"] == base].sort_values(
        ["customer_count", "segment_id"], ascending=[False, True]
    )
    averages = base_means(summary, base)
    return [segment_card(row, averages, has_orders=has_orders) for _, row in rows.iterrows()]


def segment_cards_html(summary: pd.DataFrame, base: str, *, has_orders: bool) -> str:
    """The cards of a base as HTML, as the page shows them."""
    return render_macro("cards", segment_cards(summary, base, has_orders=has_orders))
