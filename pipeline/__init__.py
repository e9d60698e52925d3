"""The main job around dbt: run the build, publish only a complete passing build, print the
summary. ``scripts/`` holds the command lines; the pieces, one job each:

- :mod:`~pipeline.run`: the main job (`make run`): build, publish, summary, report;
- :mod:`~pipeline.gate`: whether a build may be published (complete, passing, the one recorded);
- :mod:`~pipeline.lock`: one job at a time;
- :mod:`~pipeline.publish`: the atomic publish to the serving database and Parquet;
- :mod:`~pipeline.summary`: the segment summary printed in the terminal.
"""
