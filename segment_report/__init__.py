"""The offline segment report: one self-contained HTML file from the published marts.

Modules, in the order the report is made:

- :mod:`segment_report.data` reads the published marts (DuckDB file or Parquet folder);
- :mod:`segment_report.personas` gives every persona one colour and a stable order;
- :mod:`segment_report.figures` holds one function per chart, grouped by topic, drawn in the
  colours and fonts of :mod:`segment_report.theme`;
- :mod:`segment_report.charts` lists the charts of each customer base and of data quality;
- :mod:`segment_report.cards`, :mod:`segment_report.history` (segments over time) and
  :mod:`segment_report.page` compute what the Jinja2 templates in ``templates/`` show
  (numbers as text by :mod:`segment_report.formatting`);
  :mod:`segment_report.templating` renders them with the CSS and JavaScript of ``static/``;
- :mod:`segment_report.build` writes the file, :mod:`segment_report.screenshot` a PNG of it.

``scripts/build_report.py`` is the command line.
"""
