"""Customer segmentation engine shared by the dbt Python models.

The pure KMeans logic lives in :mod:`segmentation.engine`; the dbt models in
``models/intermediate/segmentation/`` import it so that both models run exactly the same code.
"""
