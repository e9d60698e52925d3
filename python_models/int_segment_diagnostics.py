"""KMeans diagnostics per customer base and k (inertia, silhouette, CH, DB, chosen k).

The segmentation logic lives in the ``segmentation`` package (installed into the
project environment); this model only reads its inputs and settings and hands
them to the engine.
"""


def model(dbt, session):
    dbt.config(materialized="table")
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
