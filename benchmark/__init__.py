"""Benchmark: the whole `dbt build` against the notebook approach, on the same generated file.

For every size N (``--sizes``), on one generated shop customer file:

``read``
    DuckDB reading the file alone: one ``count(*)`` and the means of the three features
    over the file read as text (``all_varchar``), as the staging model reads it. This is the
    floor for anything that looks at every row once.
``floor``
    A short hand-written DuckDB + scikit-learn script, without dbt or tests: it reads the
    file, applies the same rules in SQL, fits the engine's ``fit_segments`` on the same
    bounded sample and assigns every customer to its nearest centroid in SQL. What our
    build could take at best on this machine.
``notebook_csv`` and ``notebook``
    What a notebook does: pandas ``read_csv`` (or ``read_parquet``), the same validation
    rules as the pipeline as pandas filters, ``StandardScaler``, scikit-learn ``KMeans`` with
    the same k, ``n_init`` and seed on all valid rows; the customers with their cluster
    written back to CSV (``notebook_csv``), or, leaner, only the ids and clusters to Parquet
    (``notebook``).
``pipeline``
    The main job's ``dbt build`` (seeds, every model, the Python models, every data test; the
    dbt unit tests, which read fixed inputs, are left out as ``make run`` leaves them out) with
    ``shop_customers_path`` pointing at the file and ``segment_k`` fixed to the same k.

Each runs in a fresh subprocess (``nice -n 10``) while the parent samples the resident
memory (VmRSS) of the process and all its descendants every 50 ms; the peak of that sum is
reported, together with the kernel's high-water mark of the largest single process, the
wall time and the CPU time. Quality compares the two assignments over every valid row:
the inertia of our assignment (squared distances to our published centroids, in the
notebook's standardised space) relative to the full fit's, and the adjusted Rand index.

Results go to BENCHMARKS.md (``--out``) with the machine, the method and the profile of
the largest pipeline run. The raw results are kept inside that file, so a later run for
other sizes (e.g. ``--sizes 100000000 --skip-notebook``) adds rows instead of erasing them.

Usage:
    python scripts/bench.py [--sizes 1000000,10000000] [--format csv|parquet] [--k 5]
        [--skip-notebook] [--keep] [--fresh] [--work bench] [--out BENCHMARKS.md]
"""
