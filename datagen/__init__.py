"""Seeded, deterministic demo and load-test data for the customer segmentation project.

Three shared helpers, one module per data shape, then the writers and the command line:

- ``streams``: seeds, random streams and generation blocks (why output depends only on
  the seed and the row count).
- ``draws``: the distributions and seeded draws the shapes share.
- ``columns``: Arrow columns from numpy arrays (strings, IDs, dates, money).
- ``mall``: ``mall_customers.csv``, 200 rows in five income x spending groups.
- ``shop``: ``shop_customers.csv``, customers of five segments with the public file's
  data-entry quirks.
- ``orders``: ``orders.csv``, order lines that follow each customer, with dirty lines.
- ``loyalty``: ``loyalty_members.csv``, members and tiers by segment.
- ``writers``: CSV (LF, or the mall file's CRLF) and Parquet output.
- ``scale``: files of any size in bounded memory, and the four demo seeds.
- ``cli``: the command line that ``scripts/generate_data.py`` runs.

Each module's docstring describes its file: layout, exact quirk and dirty-line counts.
"""
