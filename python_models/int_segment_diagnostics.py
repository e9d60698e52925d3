"""KMeans diagnostics per customer base and k (inertia, silhouette, CH, DB, chosen k).

The segmentation logic lives in ``segmentation/engine.py`` at the project root;
this model only reads its inputs and settings and hands them to the engine.
"""

import importlib.util
import os
import sys


def _make_engine_importable():
    """Put the dbt project root on sys.path so ``segmentation`` can be imported.

    dbt-duckdb runs Python models in-process from a temporary file, so the
    project root is taken from dbt's --project-dir flag, else the working
    directory (dbt is started from the project root).
    """
    if importlib.util.find_spec("segmentation") is not None:
        return
    candidates = []
    try:
        from dbt.flags import get_flags

        candidates.append(getattr(get_flags(), "PROJECT_DIR", None))
    except Exception:  # dbt flags are optional context
        pass
    candidates.append(os.getcwd())
    for candidate in candidates:
        if candidate and os.path.isfile(os.path.join(candidate, "segmentation", "engine.py")):
            sys.path.insert(0, os.path.abspath(candidate))
            return
    raise ImportError(f"cannot find segmentation/engine.py under any of {candidates}")


def model(dbt, session):
    dbt.config(materialized="table")
    _make_engine_importable()
    from segmentation.engine import (
        combine_diagnostics,
        customer_bases,
        diagnose_base,
        draw_base_sample,
        parse_settings,
        sample_columns,
    )

    # dbt passes a config value to a Python model only when it sees a literal
    # dbt.config.get("<key>") call in this file, so every key is spelled out.
    raw_settings = {
        "segment_features": dbt.config.get("segment_features"),
        "segment_features_by_base": dbt.config.get("segment_features_by_base"),
        "segment_k": dbt.config.get("segment_k"),
        "segment_k_min": dbt.config.get("segment_k_min"),
        "segment_k_max": dbt.config.get("segment_k_max"),
        "segment_k_rule": dbt.config.get("segment_k_rule"),
        "segment_scaling": dbt.config.get("segment_scaling"),
        "random_seed": dbt.config.get("random_seed"),
        "segment_n_init": dbt.config.get("segment_n_init"),
        "segment_sample_size": dbt.config.get("segment_sample_size"),
        "silhouette_sample_size": dbt.config.get("silhouette_sample_size"),
    }
    settings = parse_settings(raw_settings)
    featurized = dbt.ref("int_customers_featurized")

    parts = []
    for base in customer_bases(featurized):
        sample = draw_base_sample(
            featurized,
            base,
            sample_columns(settings.features_for(base)),
            settings.random_seed,
            settings.sample_size,
        )
        diagnostics, _ = diagnose_base(sample, base, settings)
        parts.append(diagnostics)
    return combine_diagnostics(parts)
