"""Numbers, names and timestamps as the report writes them. Plain text: the templates escape."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pandas as pd

NOT_AVAILABLE = "\N{EN DASH}"  # shown for a missing value


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def text(value: object) -> str:
    """A value as text; missing -> ''."""
    return "" if is_missing(value) else str(value)


def fmt_int(value: object) -> str:
    """1234 -> '1,234'; missing -> NOT_AVAILABLE."""
    return NOT_AVAILABLE if is_missing(value) else f"{round(float(value)):,}"


def fmt_usd(value: object) -> str:
    """1234.5 -> '$1,235'."""
    return NOT_AVAILABLE if is_missing(value) else f"${float(value):,.0f}"


def fmt_pct(value: object, digits: int = 0) -> str:
    """0.216 -> '22%'."""
    return NOT_AVAILABLE if is_missing(value) else f"{float(value):.{digits}%}"


def base_title(base: str) -> str:
    """Display name of a customer base, from its name: 'mall' -> 'Mall customers',
    'online_store' -> 'Online store customers'; the rest of the name keeps its case."""
    words = " ".join(re.split(r"[\s_-]+", base.strip())).strip() or base
    return f"{words[0].upper()}{words[1:]} customers"


def base_anchor(base: str) -> str:
    """A base name usable in HTML ids and links (characters other than letters, digits, '_'
    and '-' become '-'); names that already are stay as they are."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", base)


def timestamp_text(value: object) -> str:
    """A timestamp to the minute; naive ones are UTC (as segmentation_runs records them)."""
    if is_missing(value):
        return NOT_AVAILABLE
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC")
        return stamp.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def run_value_text(value: object) -> str:
    """A run field for display: JSON objects as 'key: value, ...', timestamps to the minute."""
    if isinstance(value, pd.Timestamp | datetime):
        return timestamp_text(value)
    raw = str(value)
    if raw.startswith("{"):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return raw
        if isinstance(parsed, dict):
            return ", ".join(
                f"{key}: {item if isinstance(item, str) else json.dumps(item)}"
                for key, item in parsed.items()
            )
    return raw
