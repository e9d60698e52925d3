"""KMeans diagnostics per customer base and k (inertia, silhouette, CH, DB, stability, chosen k).

The segmentation logic lives in the ``segmentation`` package (installed into the
project environment); this model only reads its inputs and settings and hands
them to the engine.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from segmentation.engine import (
        base_sample,
        combine_diagnostics,
        customer_bases,
        diagnose_base,
        dimensions_for_base,
        parse_settings,
    )

    # Every setting arrives in one config entry, checked before any model ran.
    settings = parse_settings(dbt.config.get("segmentation"))
    if not settings.fits:
        # Score mode fits nothing: customers are assigned with the registered models.
        return combine_diagnostics([])
    samples = dbt.ref("int_segment_samples")
    dimensions = dbt.ref("int_segment_dimensions").df()

    parts = []
    for base in customer_bases(samples):
        sample = base_sample(samples, base)
        diagnostics, _ = diagnose_base(
            sample, base, settings, dimensions_for_base(dimensions, base)
        )
        parts.append(diagnostics)
    return combine_diagnostics(parts)
