"""One colour and one order for every persona, the same in every chart and card.

Persona names come from the data (``segment_summary.persona_name``): a catalog persona, or a
name built from the segment's profile. Catalog personas take their order and colour from the
persona catalog seed (``seeds/persona_catalog.csv``, ordered by ``persona_id``): the catalog's
n-th persona takes the n-th colour of ``PERSONA_PALETTE``, whichever others are present.
Names built from the data follow in alphabetical order; :func:`assign_page_colours` gives the
names of one page distinct colours (the fallback colours, then catalog colours no persona of
the page uses), so two segments never share a colour on a page of up to 15 names. Without it,
such a name gets a fallback colour picked by its checksum.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

CATALOG_PATH = Path(__file__).resolve().parents[1] / "seeds" / "persona_catalog.csv"

# Colours by catalog position (persona_id 1, 2, ...).
PERSONA_PALETTE = (
    "#4E79A7",
    "#B07AA1",
    "#E15759",
    "#3B9C96",
    "#9C755F",
    "#59A14F",
    "#F28E2B",
)
# Colours of names built from the data.
FALLBACK_COLOURS = (
    "#6B7280",
    "#D4A517",
    "#FF8FA3",
    "#17BECF",
    "#8C6D31",
    "#393B79",
    "#BCBD22",
    "#AD494A",
)
# Colours of the names of the page being drawn (set by assign_page_colours).
_page_colours: dict[str, str] = {}


def read_catalog(path: Path) -> tuple[str, ...]:
    """Persona names of a catalog CSV in ``persona_id`` order (file order where not numeric);
    empty when the file is missing, so the report still builds away from the project."""
    if not path.exists():
        return ()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))

    def position(indexed: tuple[int, dict[str, str]]) -> tuple[int, int]:
        index, row = indexed
        identifier = (row.get("persona_id") or "").strip()
        return (int(identifier), index) if identifier.isdigit() else (len(rows) + index, index)

    names = [row["persona_name"].strip() for _, row in sorted(enumerate(rows), key=position)]
    return tuple(dict.fromkeys(name for name in names if name))


@cache
def catalog_personas() -> tuple[str, ...]:
    """The project's persona catalog, in catalog order (read once)."""
    return read_catalog(CATALOG_PATH)


def _catalog(catalog: Sequence[str] | None) -> Sequence[str]:
    return catalog_personas() if catalog is None else catalog


def persona_colour(persona_name: str, catalog: Sequence[str] | None = None) -> str:
    """The colour of a persona: its catalog position's colour; for a name built from the data,
    its colour on the current page (:func:`assign_page_colours`), else one picked by checksum."""
    names = _catalog(catalog)
    if persona_name in names:
        position = list(names).index(persona_name)
        if position < len(PERSONA_PALETTE):
            return PERSONA_PALETTE[position]
    if catalog is None and persona_name in _page_colours:
        return _page_colours[persona_name]
    return FALLBACK_COLOURS[zlib.crc32(persona_name.encode()) % len(FALLBACK_COLOURS)]


def page_colours(
    persona_names: Iterable[str], catalog: Sequence[str] | None = None
) -> dict[str, str]:
    """Distinct colours for the names of one page: catalog personas keep theirs; the other
    names, alphabetically, take the fallback colours, then the catalog colours unused on the
    page (cycling only beyond that)."""
    names = set(persona_names)
    catalog_names = list(_catalog(catalog))
    colours = {name: persona_colour(name, catalog_names) for name in names if name in catalog_names}
    used = set(colours.values())
    free = [c for c in (*FALLBACK_COLOURS, *PERSONA_PALETTE) if c not in used]
    others = sorted(name for name in names if name not in colours)
    for index, name in enumerate(others):
        colours[name] = free[index % len(free)] if free else FALLBACK_COLOURS[0]
    return colours


def assign_page_colours(persona_names: Iterable[str]) -> None:
    """Use :func:`page_colours` of these names wherever the page is drawn."""
    _page_colours.clear()
    _page_colours.update(page_colours(persona_names))


def persona_order(persona_names: Iterable[str], catalog: Sequence[str] | None = None) -> list[str]:
    """Distinct persona names in a stable order: catalog order, then names built from the
    data alphabetically."""
    names = list(_catalog(catalog))

    def key(name: str) -> tuple[int, int, str]:
        if name in names:
            return (0, names.index(name), name)
        return (1, 0, name)

    return sorted(set(persona_names), key=key)


def persona_colour_map(
    persona_names: Iterable[str], catalog: Sequence[str] | None = None
) -> dict[str, str]:
    """persona_name -> colour for the given names, in persona order; independent of input order."""
    return {name: persona_colour(name, catalog) for name in persona_order(persona_names, catalog)}
