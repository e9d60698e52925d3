"""One colour and one order for every persona, the same in every chart and card.

Persona names come from the data (``segment_summary.persona_name``); their order and colours
come from the persona catalog seed (``seeds/persona_catalog.csv``, ordered by ``persona_id``):
the catalog's n-th persona takes the n-th colour of ``PERSONA_PALETTE``. Names the catalog does
not hold ('Mixed Segment N' when k exceeds the catalog, or a renamed persona) still get a fixed
colour, so a persona keeps its colour whichever others are present.
"""

from __future__ import annotations

import csv
import re
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
# 'Mixed Segment N' takes colour N (cycling); any other name a colour picked by its checksum.
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
MIXED_SEGMENT = re.compile(r"^Mixed Segment (\d+)$")


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
    """The fixed colour of a persona: its catalog position's colour, 'Mixed Segment N' fallback
    colour N, or a fallback colour picked by checksum."""
    names = _catalog(catalog)
    if persona_name in names:
        position = list(names).index(persona_name)
        if position < len(PERSONA_PALETTE):
            return PERSONA_PALETTE[position]
    mixed = MIXED_SEGMENT.match(persona_name)
    if mixed:
        return FALLBACK_COLOURS[(int(mixed.group(1)) - 1) % len(FALLBACK_COLOURS)]
    return FALLBACK_COLOURS[zlib.crc32(persona_name.encode()) % len(FALLBACK_COLOURS)]


def persona_order(persona_names: Iterable[str], catalog: Sequence[str] | None = None) -> list[str]:
    """Distinct persona names in a stable order: catalog order, then mixed segments by N,
    then any other name alphabetically."""
    names = list(_catalog(catalog))

    def key(name: str) -> tuple[int, int, str]:
        if name in names:
            return (0, names.index(name), name)
        mixed = MIXED_SEGMENT.match(name)
        if mixed:
            return (1, int(mixed.group(1)), name)
        return (2, 0, name)

    return sorted(set(persona_names), key=key)


def persona_colour_map(
    persona_names: Iterable[str], catalog: Sequence[str] | None = None
) -> dict[str, str]:
    """persona_name -> colour for the given names, in persona order; independent of input order."""
    return {name: persona_colour(name, catalog) for name in persona_order(persona_names, catalog)}
