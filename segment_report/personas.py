"""One colour and one order for every persona, the same in every chart and card."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable

# The personas of seeds/persona_catalog.csv, in catalog order, each with its one colour.
CATALOG_PERSONAS = (
    "Practical Buyers",
    "Luxury Shoppers",
    "Impulsive Buyers",
    "Conservative Earners",
    "Affluent Minimalists",
    "Budget-Conscious",
    "Balanced Spenders",
)
PERSONA_COLOURS = {
    "Practical Buyers": "#4E79A7",
    "Luxury Shoppers": "#B07AA1",
    "Impulsive Buyers": "#E15759",
    "Conservative Earners": "#3B9C96",
    "Affluent Minimalists": "#9C755F",
    "Budget-Conscious": "#59A14F",
    "Balanced Spenders": "#F28E2B",
}
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


def persona_colour(persona_name: str) -> str:
    """The fixed colour of a persona: catalog colour, 'Mixed Segment N' colour N, or checksum."""
    if persona_name in PERSONA_COLOURS:
        return PERSONA_COLOURS[persona_name]
    mixed = MIXED_SEGMENT.match(persona_name)
    if mixed:
        return FALLBACK_COLOURS[(int(mixed.group(1)) - 1) % len(FALLBACK_COLOURS)]
    return FALLBACK_COLOURS[zlib.crc32(persona_name.encode()) % len(FALLBACK_COLOURS)]


def persona_order(persona_names: Iterable[str]) -> list[str]:
    """Distinct persona names in a stable order: catalog order, then mixed segments by N."""

    def key(name: str) -> tuple[int, int, str]:
        if name in CATALOG_PERSONAS:
            return (0, CATALOG_PERSONAS.index(name), name)
        mixed = MIXED_SEGMENT.match(name)
        if mixed:
            return (1, int(mixed.group(1)), name)
        return (2, 0, name)

    return sorted(set(persona_names), key=key)


def persona_colour_map(persona_names: Iterable[str]) -> dict[str, str]:
    """persona_name -> colour for the given names, in persona order; independent of input order."""
    return {name: persona_colour(name) for name in persona_order(persona_names)}
