"""The model registry: every model fitted by a refit, one row per customer base, model
version, segment and dimension, with what freezes its space (means, standard deviations,
categories, scaling) and its centroids, persona names and provenance.

Incremental and never fully refreshed: each run adds a version for a base only when its fit
is not the latest registered model (see ``segmentation/registry.py``: segments are matched to
the previous version's so that they keep their ids and names). A run in score mode fits
nothing and adds nothing.
"""


def model(dbt, session):
    dbt.config(materialized="incremental", full_refresh=False)
    import dataclasses
    import json

    from segmentation.engine import parse_settings
    from segmentation.registry import RunContext, empty_registry, register_models

    settings = parse_settings(dbt.config.get("segmentation"))
    registry = (
        session.sql(f"select * from {dbt.this}").df() if dbt.is_incremental else empty_registry()
    )
    if not settings.fits:
        return empty_registry()

    runs = dbt.ref("int_build_runs").df()
    run = runs.loc[runs["run_number"].idxmax()]
    diagnostics = dbt.ref("int_segment_diagnostics").df()
    chosen = diagnostics[diagnostics["is_chosen_k"]]
    context = RunContext(
        run_id=str(run["run_id"]),
        started_at=run["started_at"],
        settings_json=json.dumps(dataclasses.asdict(settings), sort_keys=True),
        match_max_distance=settings.match_max_distance,
    )
    return register_models(
        dbt.ref("int_segment_centroids").df(),
        dbt.ref("int_segment_dimensions").df(),
        registry,
        dict(zip(chosen["customer_base"], chosen["sample_row_count"], strict=True)),
        context,
    )
