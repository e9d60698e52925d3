"""Paths and the constants every part of the benchmark shares."""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
BENCH_SCRIPT = PROJECT_DIR / "scripts" / "bench.py"
GENERATOR = PROJECT_DIR / "scripts" / "generate_data.py"
SEGMENTATION_MODELS = PROJECT_DIR / "models" / "intermediate" / "segmentation"
DEFAULT_SIZES = (1_000_000, 10_000_000)
FEATURES = ("Age", "Annual Income ($)", "Spending Score (1-100)")
ID_COLUMN = "CustomerID"
SAMPLE_SECONDS = 0.05
NICENESS = 10
RESULTS_MARKER = "<!-- bench-results"
# The pipeline's validation rules (dbt_project.yml vars), applied by the notebook too so
# that both segment exactly the same rows.
MIN_AGE, MAX_AGE = 18, 100
MIN_WORKING_AGE = 14
MAX_FAMILY_SIZE = 20
MIN_SCORE, MAX_SCORE = 1, 100
MAX_INCOME = 10_000_000
