"""Canonical KMeans centroids, segment stability and names per customer base for the chosen k.

The chosen k is read from ``int_segment_diagnostics`` and refitted with the same
sample, seed and engine, so the two models never disagree. The segmentation
logic lives in the ``segmentation`` package at the project root.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from segmentation.engine import (
        base_sample,
        centroids_for_base,
        chosen_k_by_base,
        combine_centroids,
        customer_bases,
        dimensions_for_base,
        parse_persona_catalog,
        parse_settings,
    )

    # Every setting arrives in one config entry, checked before any model ran.
    settings = parse_settings(dbt.config.get("segmentation"))
    if not settings.fits:
        # Score mode fits nothing: customers are assigned with the registered models.
        return combine_centroids([])
    samples = dbt.ref("int_segment_samples")
    dimensions = dbt.ref("int_segment_dimensions").df()
    catalog = parse_persona_catalog(dbt.ref("stg_reference__personas").df())
    chosen = chosen_k_by_base(dbt.ref("int_segment_diagnostics"))

    parts = []
    for base in customer_bases(samples):
        if base not in chosen:
            raise ValueError(f"int_segment_diagnostics has no chosen k for customer_base {base!r}")
        sample = base_sample(samples, base)
        parts.append(
            centroids_for_base(
                sample,
                base,
                settings,
                chosen[base],
                dimensions_for_base(dimensions, base),
                catalog,
            )
        )
    return combine_centroids(parts)
