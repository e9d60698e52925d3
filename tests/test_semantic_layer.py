"""The semantic layer: `mf query` answers the metrics by segment, persona and base on DuckDB,
from the published serving file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import BIN, Run, copy_project, environment, query


def test_metricflow_answers_segment_metrics(pipeline_run: Run, tmp_path: Path) -> None:
    # mf reads the semantic manifest from the project's own target folder, so it runs in a
    # copy of the project, pointed at the database the main job built.
    project = copy_project(tmp_path / "project")
    variables = environment(pipeline_run.work)
    del variables["DBT_TARGET_PATH"]
    # The semantic layer reads the published serving file (target `serving`), not the build
    # database: pointed at an empty build database, it still answers what was published.
    variables["SEGMENTS_DB_PATH"] = str(tmp_path / "empty_build.duckdb")
    variables["DBT_TARGET"] = "serving"
    parsed = subprocess.run(
        [str(BIN / "dbt"), "parse"], cwd=project, env=variables, capture_output=True, text=True
    )
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    result = subprocess.run(
        [
            str(BIN / "mf"),
            "query",
            "--metrics",
            "customers,customer_share,mean_spending_score,loyalty_rate,revenue",
            "--group-by",
            "segment__customer_base,segment__persona_name",
            "--order",
            "segment__customer_base,segment__persona_name",
            "--csv",
            str(tmp_path / "metrics.csv"),
        ],
        cwd=project,
        env=variables,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = (tmp_path / "metrics.csv").read_text().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    expected = query(
        pipeline_run.serving_db,
        "select customer_base, persona_name, customer_count, customer_share, mean_spending_score "
        "from segment_summary order by customer_base, persona_name",
    )
    assert len(rows) == len(expected)
    for row, (base, persona, count, share, spending) in zip(rows, expected, strict=True):
        assert row["segment__customer_base"] == base
        assert row["segment__persona_name"] == persona
        assert int(row["customers"]) == count
        assert float(row["customer_share"]) == pytest.approx(share, abs=1e-6)
        assert float(row["mean_spending_score"]) == pytest.approx(spending, abs=1e-4)
