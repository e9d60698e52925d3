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
        dimensions_for_base,
        draw_base_sample,
        parse_settings,
        sample_columns,
    )

    # Every setting arrives in one config entry (dbt_project.yml), checked before any model ran.
    settings = parse_settings(dbt.config.get("segmentation"))
    featurized = dbt.ref("int_customers_featurized")
    dimensions = dbt.ref("int_segment_dimensions").df()

    parts = []
    for base in customer_bases(featurized):
        sample = draw_base_sample(
            featurized, base, sample_columns(), settings.random_seed, settings.sample_size
        )
        diagnostics, _ = diagnose_base(
            sample, base, settings, dimensions_for_base(dimensions, base)
        )
        parts.append(diagnostics)
    return combine_diagnostics(parts)
