"""Segmentation settings: the values the dbt Python models receive, checked and defaulted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

K_RULES: Mapping[str, str] = {
    "silhouette": "max",
    "calinski_harabasz": "max",
    "davies_bouldin": "min",
}
SCALINGS: tuple[str, ...] = ("standard", "none")
#: Value of ``k_rule`` in the diagnostics when ``segment_k`` is a fixed integer.
FIXED_K_RULE = "fixed"

# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------

#: dbt config key -> default used when the value is missing, None or blank.
SETTING_DEFAULTS: Mapping[str, Any] = {
    "segment_k": "auto",
    "segment_k_min": 2,
    "segment_k_max": 10,
    "segment_k_rule": "silhouette",
    "segment_scaling": "standard",
    "random_seed": 42,
    "segment_n_init": 10,
    "segment_sample_size": 100_000,
    "silhouette_sample_size": 10_000,
}
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class SegmentSettings:
    """Validated segmentation settings (see :func:`parse_settings`)."""

    k: int | None = None  # None = choose automatically with k_rule
    k_min: int = 2
    k_max: int = 10
    k_rule: str = "silhouette"
    scaling: str = "standard"
    random_seed: int = 42
    n_init: int = 10
    sample_size: int = 100_000
    silhouette_sample_size: int = 10_000

    @property
    def k_rule_label(self) -> str:
        """Value written to ``k_rule``: the rule, or ``'fixed'`` for an integer ``segment_k``."""
        return FIXED_K_RULE if self.k is not None else self.k_rule


def _is_unset(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_int(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    bound = f"an integer >= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
    parsed: int | None = None
    if isinstance(value, bool):
        parsed = None
    elif isinstance(value, int):
        parsed = value
    elif isinstance(value, float) and value.is_integer():
        parsed = int(value)
    elif isinstance(value, str):
        try:
            parsed = int(value.strip())
        except ValueError:
            parsed = None
    if parsed is None or parsed < minimum or (maximum is not None and parsed > maximum):
        raise ValueError(f"{name} must be {bound}; got {value!r}")
    return parsed


def _parse_choice(name: str, value: object, allowed: Sequence[str]) -> str:
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return str(text)


def parse_settings(raw: Mapping[str, object]) -> SegmentSettings:
    """Validate the raw dbt config values and apply defaults.

    Values may arrive as native types or as text (``"10"``). ``None`` or an
    empty string means "use the default". The features come from the registry
    through ``int_segment_dimensions``, not from here.
    Raises ``ValueError`` naming the setting and the allowed values.
    """
    unknown = sorted(set(raw) - set(SETTING_DEFAULTS))
    if unknown:
        known = ", ".join(SETTING_DEFAULTS)
        raise ValueError(f"unknown segmentation setting(s) {unknown}; known settings: {known}")
    values = {
        key: (default if _is_unset(raw.get(key)) else raw[key])
        for key, default in SETTING_DEFAULTS.items()
    }

    raw_k = values["segment_k"]
    k: int | None
    if isinstance(raw_k, str) and raw_k.strip().lower() == "auto":
        k = None
    else:
        try:
            k = _parse_int("segment_k", raw_k, minimum=2)
        except ValueError:
            raise ValueError(
                f"segment_k must be 'auto' or an integer >= 2; got {raw_k!r}"
            ) from None

    k_min = _parse_int("segment_k_min", values["segment_k_min"], minimum=2)
    k_max = _parse_int("segment_k_max", values["segment_k_max"], minimum=2)
    if k_max < k_min:
        raise ValueError(
            "segment_k_max must be >= segment_k_min; "
            f"got segment_k_min={k_min}, segment_k_max={k_max}"
        )

    return SegmentSettings(
        k=k,
        k_min=k_min,
        k_max=k_max,
        k_rule=_parse_choice("segment_k_rule", values["segment_k_rule"], tuple(K_RULES)),
        scaling=_parse_choice("segment_scaling", values["segment_scaling"], SCALINGS),
        random_seed=_parse_int("random_seed", values["random_seed"], minimum=0, maximum=MAX_SEED),
        n_init=_parse_int("segment_n_init", values["segment_n_init"], minimum=10),
        sample_size=_parse_int("segment_sample_size", values["segment_sample_size"], minimum=3),
        silhouette_sample_size=_parse_int(
            "silhouette_sample_size", values["silhouette_sample_size"], minimum=2
        ),
    )
