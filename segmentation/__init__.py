"""Customer segmentation engine shared by the dbt Python models.

The models in ``models/intermediate/segmentation/`` call :mod:`segmentation.engine`, the
per-base pipeline, so that both run exactly the same code. Its pieces, one concern each:

- :mod:`~segmentation.settings`: the settings the models receive, checked and defaulted;
- :mod:`~segmentation.space`: the dimensions of a base's space and a sample's matrix in it;
- :mod:`~segmentation.fitting`: KMeans proposals settled into canonical partitions;
- :mod:`~segmentation.metrics`: partition quality and the choice of k;
- :mod:`~segmentation.stability`: how stable a partition and each segment are under resampling;
- :mod:`~segmentation.personas`: matching segments to the persona catalog;
- :mod:`~segmentation.frames`: the typed output frames;
- :mod:`~segmentation.relations`: the read-only DuckDB queries (the bounded sample).
"""
