"""Audience files: one CSV per base and segment beside the Parquet marts, published with them.

The first run is the main job's (`pipeline_run`). The second run works on a copy of its
folder, so it continues that build's history, with a mall file where three customers left,
three are new and eight changed their spending so that the model in force (score mode) puts
them in another segment. Two full pipeline runs in all.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR, Run, query, run_pipeline

from pipeline import audiences, publish

AUDIENCE_HEADER = ["customer_id", "segment_id", "persona_name", "has_joined_since_last_run"]
CHANGES_HEADER = list(audiences.CHANGES_COLUMNS)
LEFT = {"0001", "0002", "0003"}
NEW = {"0901", "0902", "0903"}
MOVED_CANDIDATES = 8


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def audience_folder(run: Run) -> Path:
    return run.parquet_dir / audiences.AUDIENCES_FOLDER


def memberships(run: Run) -> dict[tuple[str, str], tuple[int, bool]]:
    """(base, customer id) -> (segment id, has_joined_since_last_run), from the files."""
    found = {}
    for path in sorted(audience_folder(run).glob("*/segment_*.csv")):
        for row in read_csv(path)[1]:
            key = (path.parent.name, row["customer_id"])
            assert key not in found, f"{key} is in two audiences"
            found[key] = (int(row["segment_id"]), row["has_joined_since_last_run"] == "true")
    return found


def file_bytes(run: Run) -> dict[str, bytes]:
    folder = audience_folder(run)
    return {str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*.csv")}


def assert_audiences_match_customer_segments(run: Run) -> None:
    """Each base has one file per segment of customer_segments (and changes.csv), holding
    exactly that segment's customers, ordered by id."""
    segments = query(
        run.serving_db,
        "select customer_base, segment_id, any_value(persona_name), list(customer_id) "
        "from customer_segments group by all order by all",
    )
    assert segments
    expected_files = {
        (base, audiences.audience_file_name(segment_id, persona))
        for base, segment_id, persona, _ in segments
    } | {(base, audiences.CHANGES_FILE) for base, *_ in segments}
    written = {(path.parent.name, path.name) for path in audience_folder(run).glob("*/*")}
    assert written == expected_files
    for base, segment_id, persona, customer_ids in segments:
        path = audience_folder(run) / base / audiences.audience_file_name(segment_id, persona)
        header, rows = read_csv(path)
        assert header == AUDIENCE_HEADER
        ids = [row["customer_id"] for row in rows]
        assert ids == sorted(customer_ids), path.name
        assert {(row["segment_id"], row["persona_name"]) for row in rows} == {
            (str(segment_id), persona)
        }
        assert {row["has_joined_since_last_run"] for row in rows} <= {"true", "false"}
    for base, count in query(
        run.serving_db, "select customer_base, count(*) from customer_segments group by all"
    ):
        assert sum(1 for key in memberships(run) if key[0] == base) == count


def changed_mall_file(destination: Path) -> tuple[Path, set[str]]:
    """The demo mall file with customers 0001-0003 gone, 0901-0903 new (copies of 0010-0012),
    and the spending score of eight high-income big spenders turned low; the file, and the
    ids whose spending changed."""
    with (PROJECT_DIR / "seeds" / "mall_customers.csv").open(newline="", encoding="utf-8") as f:
        header, *body = list(csv.reader(f))
    rows, changed = [header], set()
    for row in body:
        customer_id, income, spending = row[0], int(row[3]), int(row[4])
        if customer_id in LEFT:
            continue
        if len(changed) < MOVED_CANDIDATES and income >= 70 and spending >= 70:
            row = [*row[:4], str(101 - spending)]
            changed.add(customer_id)
        rows.append(row)
    for new_id, copied in zip(sorted(NEW), body[9:12], strict=True):
        rows.append([new_id, *copied[1:]])
    with destination.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return destination, changed


def copy_of(run: Run, destination: Path) -> Run:
    """A private copy of a run's folder: build database, dbt target, serving file, Parquet."""
    shutil.copytree(
        run.work, destination, symlinks=True, ignore=shutil.ignore_patterns("logs", "*.html")
    )
    return Run(0, "", destination)


@pytest.fixture(scope="module")
def second_run(pipeline_run: Run, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The main job run again in a copy of the first run's folder, on the changed mall file,
    assigning with the model in force."""
    folder = tmp_path_factory.mktemp("audiences")
    mall_file, _ = changed_mall_file(folder / "mall.csv")
    work = copy_of(pipeline_run, folder / "work").work
    run = run_pipeline(
        work, dbt_vars={"mall_customers_path": str(mall_file), "segment_mode": "score"}
    )
    assert run.ok, run.output[-6000:]
    return run


def test_slugs_make_plain_file_names() -> None:
    assert audiences.slug("Luxury Shoppers") == "luxury-shoppers"
    assert audiences.slug("Much older · low income · low spending") == (
        "much-older-low-income-low-spending"
    )
    assert audiences.slug("Café au lait / PhD") == "cafe-au-lait-phd"
    assert audiences.slug("· ·") == "segment"
    assert audiences.audience_file_name(3, "Budget-Conscious") == "segment_3_budget-conscious.csv"


def test_first_run_writes_one_audience_per_base_and_segment(pipeline_run: Run) -> None:
    folder = audience_folder(pipeline_run)
    # Inside the folder the `marts` link points to, so it switches with the Parquet marts.
    assert not folder.is_symlink() and folder.resolve().parent == pipeline_run.parquet_dir.resolve()
    assert_audiences_match_customer_segments(pipeline_run)
    # The first run: every customer joined its segment, and changes.csv lists them all.
    members = memberships(pipeline_run)
    assert all(joined for _, joined in members.values())
    for base in {base for base, _ in members}:
        header, rows = read_csv(folder / base / audiences.CHANGES_FILE)
        assert header == CHANGES_HEADER
        assert {row["change_kind"] for row in rows} == {"joined"}
        assert {row["customer_id"] for row in rows} == {
            customer for key_base, customer in members if key_base == base
        }
        assert [row["customer_id"] for row in rows] == sorted(row["customer_id"] for row in rows)


def test_republishing_writes_identical_bytes(pipeline_run: Run, tmp_path: Path) -> None:
    copy = copy_of(pipeline_run, tmp_path / "work")
    before = file_bytes(copy)
    published = publish.publish(
        copy.build_db, copy.serving_db, copy.parquet_dir, copy.work / "target"
    )
    assert published.audience_count == len(before)
    assert copy.parquet_dir.resolve() != (pipeline_run.parquet_dir.resolve())
    assert file_bytes(copy) == before


def test_a_failed_audience_write_publishes_nothing(
    pipeline_run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = copy_of(pipeline_run, tmp_path / "work")
    link_before, files_before = copy.parquet_dir.readlink(), file_bytes(copy)
    serving_before = copy.serving_db.read_bytes()
    write = audiences.write_audiences

    def write_then_fail(source_db: Path, folder: Path, run_id: str) -> list[Path]:
        written = write(source_db, folder, run_id)
        assert written
        raise OSError("disk full")

    monkeypatch.setattr(audiences, "write_audiences", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        publish.publish(copy.build_db, copy.serving_db, copy.parquet_dir, copy.work / "target")
    assert copy.parquet_dir.readlink() == link_before
    assert file_bytes(copy) == files_before
    assert copy.serving_db.read_bytes() == serving_before
    assert sorted(path.name for path in copy.work.glob("marts-*")) == [link_before.name]


def test_a_segment_without_customers_gets_an_empty_audience(
    pipeline_run: Run, tmp_path: Path
) -> None:
    """A segment of the model in force that no customer is in (score mode can leave one
    empty) keeps its file, with the header only, so a sync empties that audience."""
    serving = tmp_path / "segments.duckdb"
    shutil.copy(pipeline_run.serving_db, serving)
    with duckdb.connect(str(serving)) as connection:
        [(run_id,)] = connection.sql("select run_id from segmentation_runs").fetchall()
        [(base, segment_id, persona)] = connection.sql(
            "select customer_base, segment_id, persona_name from segment_summary "
            "order by customer_count limit 1"
        ).fetchall()
        for mart in ("customer_segments", "segment_summary"):
            connection.execute(
                f"delete from {mart} where customer_base = ? and segment_id = ?",
                [base, segment_id],
            )
    written = audiences.write_audiences(serving, tmp_path / "audiences", run_id)
    empty = tmp_path / "audiences" / base / audiences.audience_file_name(segment_id, persona)
    assert empty in written
    assert empty.read_text(encoding="utf-8") == ",".join(AUDIENCE_HEADER) + "\n"
    assert len(written) == len(list(audience_folder(pipeline_run).glob("*/*.csv")))


def test_second_run_flags_exactly_the_customers_who_moved_or_joined(
    pipeline_run: Run, second_run: Run
) -> None:
    assert_audiences_match_customer_segments(second_run)
    before, after = memberships(pipeline_run), memberships(second_run)
    # Worked out from the two runs' files alone: new to the base, or in another segment.
    entered = {
        key for key, (segment_id, _) in after.items() if before.get(key, (None,))[0] != segment_id
    }
    flagged = {key for key, (_, joined) in after.items() if joined}
    assert flagged == entered
    moved = {key for key in entered if key in before}
    assert moved and {("mall", customer) for customer in NEW} <= entered
    assert len(after) - len(flagged) > 1000, "most customers stay where they were"
    # The same customers, by kind, in changes.csv; those who left are only there.
    changes = {}
    for path in audience_folder(second_run).glob(f"*/{audiences.CHANGES_FILE}"):
        header, rows = read_csv(path)
        assert header == CHANGES_HEADER
        changes.update({(path.parent.name, row["customer_id"]): row for row in rows})
    assert {key for key, row in changes.items() if row["change_kind"] == "moved"} == moved
    assert {key for key, row in changes.items() if row["change_kind"] == "joined"} == (
        entered - moved
    )
    left = {key for key, row in changes.items() if row["change_kind"] == "left"}
    assert left == {("mall", customer) for customer in LEFT}
    assert not left & set(after)
    assert all(row["segment_id"] == "" for key, row in changes.items() if key in left)
    [(run_number,)] = query(second_run.serving_db, "select max(run_number) from segmentation_runs")
    assert run_number == 2
    assert {row["run_number"] for row in changes.values()} == {"2"}


def test_serving_file_and_audiences_agree(second_run: Run) -> None:
    """The flag is customer_segments.segment_since_run_number = the run's number."""
    with duckdb.connect(str(second_run.serving_db), read_only=True) as connection:
        expected = {
            (base, customer): (segment_id, joined)
            for base, customer, segment_id, joined in connection.sql(
                "select customer_base, customer_id, segment_id, "
                "segment_since_run_number = (select max(run_number) from segmentation_runs) "
                "from customer_segments"
            ).fetchall()
        }
    assert memberships(second_run) == expected
