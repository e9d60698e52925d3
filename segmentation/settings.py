"""Segmentation settings: the values the dbt Python models receive, already checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

K_RULES: Mapping[str, str] = {
    "silhouette": "max",
    "calinski_harabasz": "max",
    "davies_bouldin": "min",
}
SCALINGS: tuple[str, ...] = ("standard", "none")
#: Value of ``k_rule`` in the diagnostics when ``segment_k`` is a fixed integer.
FIXED_K_RULE = "fixed"

#: The keys of the Python models' `segmentation` config entry (models/intermediate/segmentation/
#: _segmentation__models.yml). Their defaults live in dbt_project.yml and their checks in
#: macros/validate_settings.sql, which runs before any model: here they are only converted.
SETTING_KEYS: tuple[str, ...] = (
    "segment_k",
    "segment_k_min",
    "segment_k_max",
    "segment_k_rule",
    "segment_scaling",
    "random_seed",
    "segment_n_init",
    "segment_sample_size",
    "diagnostics_sample_size",
    "silhouette_sample_size",
    "segment_stability_resamples",
    "stability_sample_size",
    "segment_mode",
    "segment_match_max_distance",
)
#: ``refit`` fits and registers a model; ``score`` assigns with the latest registered one.
SEGMENT_MODES: tuple[str, ...] = ("refit", "score")


@dataclass(frozen=True)
class SegmentSettings:
    """The segmentation settings of a run (see :func:`parse_settings`)."""

    k: int | None  # None = choose automatically with k_rule
    k_min: int
    k_max: int
    k_rule: str
    scaling: str
    random_seed: int
    n_init: int
    sample_size: int
    diagnostics_sample_size: int  # rows of the sample every candidate k is fitted on
    silhouette_sample_size: int
    stability_resamples: int  # 0: no stability measures (published as null)
    stability_sample_size: int
    mode: str = "refit"
    match_max_distance: float = 1.0

    @property
    def fits(self) -> bool:
        """Whether this run fits models (``refit``) or only scores with registered ones."""
        return self.mode == "refit"

    @property
    def k_rule_label(self) -> str:
        """Value written to ``k_rule``: the rule, or ``'fixed'`` for an integer ``segment_k``."""
        return FIXED_K_RULE if self.k is not None else self.k_rule


def parse_settings(config: Mapping[str, object]) -> SegmentSettings:
    """The settings from the models' `segmentation` config entry.

    dbt renders each value as text ("5", "auto"); every one was checked before any model
    ran, so this only converts them. A missing or unknown key is a wiring error and raises
    ``ValueError`` naming it.
    """
    missing = [key for key in SETTING_KEYS if key not in config]
    unknown = sorted(set(config) - set(SETTING_KEYS))
    if missing or unknown:
        raise ValueError(
            f"the segmentation config entry lacks {missing} / has unknown keys {unknown}; "
            f"expected exactly: {', '.join(SETTING_KEYS)}"
        )
    text = {key: str(config[key]).strip() for key in SETTING_KEYS}
    return SegmentSettings(
        k=None if text["segment_k"].lower() == "auto" else int(text["segment_k"]),
        k_min=int(text["segment_k_min"]),
        k_max=int(text["segment_k_max"]),
        k_rule=text["segment_k_rule"],
        scaling=text["segment_scaling"],
        random_seed=int(text["random_seed"]),
        n_init=int(text["segment_n_init"]),
        sample_size=int(text["segment_sample_size"]),
        diagnostics_sample_size=int(text["diagnostics_sample_size"]),
        silhouette_sample_size=int(text["silhouette_sample_size"]),
        stability_resamples=int(text["segment_stability_resamples"]),
        stability_sample_size=int(text["stability_sample_size"]),
        mode=text["segment_mode"],
        match_max_distance=float(text["segment_match_max_distance"]),
    )
