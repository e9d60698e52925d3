"""Canonical KMeans centroids and personas per customer base for the chosen k.

The chosen k is read from ``int_segment_diagnostics`` and refitted with the same
sample, seed and engine, so the two models never disagree. The segmentation
logic lives in ``segmentation/engine.py`` at the project root.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from segmentation.engine import (
        centroids_for_base,
        chosen_k_by_base,
        combine_centroids,
        customer_bases,
        draw_base_sample,
        feature_statistics_for_base,
        parse_persona_catalog,
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
    statistics = dbt.ref("int_feature_statistics").df()
    catalog = parse_persona_catalog(dbt.ref("stg_reference__personas").df())
    chosen = chosen_k_by_base(dbt.ref("int_segment_diagnostics"))

    parts = []
    for base in customer_bases(featurized):
        if base not in chosen:
            raise ValueError(f"int_segment_diagnostics has no chosen k for customer_base {base!r}")
        sample = draw_base_sample(
            featurized,
            base,
            sample_columns(settings.features_for(base)),
            settings.random_seed,
            settings.sample_size,
        )
        parts.append(
            centroids_for_base(
                sample,
                base,
                settings,
                chosen[base],
                feature_statistics_for_base(statistics, base),
                catalog,
            )
        )
    return combine_centroids(parts)
