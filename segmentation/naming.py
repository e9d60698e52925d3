"""Segment names: the catalog persona where it holds, otherwise a name built from the data.

A segment is named after its catalog persona only when the base is segmented on the
catalog's features (income and spending) and the matched persona holds by the measure of
:func:`segmentation.personas.persona_holds`. Every other segment is named by its most
distinctive traits against its base, e.g. ``"High income · very high spending · younger"``:

* a numeric feature by the segment's standardised centroid ``z``: ``|z| >= 0.5`` is
  distinctive (``high`` / ``low``), ``|z| >= 1.5`` is ``very high`` / ``very low``; a trait's
  distinctiveness is ``|z|``;
* a categorical feature by its most lifted value (share in the segment over share in the
  base): distinctive when the lift is at least 1.5 and the value is held by at least 40% of
  the segment; its distinctiveness is ``log2(lift)`` (a lift of 1.5 weighs about as much as
  ``|z| = 0.58``). A value as common in the segment as in the base never names it. It is
  said as it is (``PhD``), a bare value with its feature (``newsletter yes``), a yes / no of
  an ``is_`` / ``has_`` feature as ``subscribed`` / ``not subscribed``.

A name takes the segment's distinctive traits, most distinctive first, up to three (a
segment without any is ``"Average customers"``). Where two segments of a base would share a
name, each of them takes its next trait (the rest of its distinctive traits, then its
numeric features by ``|z|``, said as ``slightly higher`` / ``slightly lower``) until the
names differ; segments still alike after every trait get `` · segment <n>``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from segmentation.personas import (
    CATALOG_FEATURES,
    PersonaCatalog,
    assign_personas,
    persona_holds,
)
from segmentation.space import CATEGORICAL, Dimension
from segmentation.types import FloatArray, IntArray

#: |z| at which a numeric feature is distinctive (``high`` / ``low``) ...
DISTINCTIVE_Z = 0.5
#: ... and at which it is ``very high`` / ``very low``.
VERY_Z = 1.5
#: A category names a segment when its lift is at least this ...
DISTINCTIVE_LIFT = 1.5
#: ... and at least this share of the segment holds it.
MIN_CATEGORY_SHARE = 0.4
#: Distinctive traits a name starts with (more are added only to tell segments apart).
NAME_TRAITS = 3
#: What joins the traits of a name.
SEPARATOR = " · "
#: Name of a segment with no distinctive trait.
AVERAGE_NAME = "Average customers"

#: Words for the features whose "high" and "low" read badly. Per feature: the words for
#: (very low, low, slightly lower, slightly higher, high, very high).
NUMERIC_WORDS: dict[str, tuple[str, str, str, str, str, str]] = {
    "age": (
        "much younger",
        "younger",
        "slightly younger",
        "slightly older",
        "older",
        "much older",
    ),
    "recency_days": (
        "very recent",
        "recent",
        "slightly more recent",
        "slightly less recent",
        "lapsed",
        "long lapsed",
    ),
    "order_count": (
        "very infrequent",
        "infrequent",
        "slightly less frequent",
        "slightly more frequent",
        "frequent",
        "very frequent",
    ),
    "family_size": (
        "much smaller families",
        "smaller families",
        "slightly smaller families",
        "slightly larger families",
        "larger families",
        "much larger families",
    ),
}
#: Readable labels of the project's own features (others: the column name, unit suffix
#: dropped, underscores as spaces).
FEATURE_LABELS: dict[str, str] = {
    "annual_income_usd": "income",
    "spending_score": "spending",
    "monetary_value_usd": "spend",
    "work_experience_years": "work experience",
}
_UNIT_SUFFIX = re.compile(r"_(usd|years|days|count|pct|percent)$")
#: Category values said with their feature's label ("subscribed yes"), since alone they
#: would not say what they are.
_FLAG_LABEL = re.compile(r"^(?:is|has) (.+)$")
_TRUE_VALUES = frozenset({"yes", "y", "true", "t", "1"})
_FALSE_VALUES = frozenset({"no", "n", "false", "f", "0"})
_BARE_VALUES = re.compile(r"^(yes|no|y|n|true|false|t|f|none|unknown|other|[-+0-9.,% ]+)$", re.I)


@dataclass(frozen=True)
class Trait:
    """One thing a segment can be named by."""

    text: str
    #: How far the segment stands from its base on it (|z|, or log2 of the lift).
    distinctiveness: float
    is_distinctive: bool


@dataclass(frozen=True)
class SegmentName:
    """A segment's name, and whether it is a catalog persona."""

    name: str
    is_catalog_persona: bool


def feature_label(feature_name: str) -> str:
    """How a feature is said in a name: ``total_spend_usd`` -> ``total spend``."""
    if feature_name in FEATURE_LABELS:
        return FEATURE_LABELS[feature_name]
    return _UNIT_SUFFIX.sub("", feature_name).replace("_", " ").strip() or feature_name


def numeric_trait(feature_name: str, z: float) -> Trait:
    """The trait of a numeric feature whose segment centroid is ``z`` in the base's z-scores."""
    label = feature_label(feature_name)
    words = NUMERIC_WORDS.get(
        feature_name,
        (
            f"very low {label}",
            f"low {label}",
            f"slightly lower {label}",
            f"slightly higher {label}",
            f"high {label}",
            f"very high {label}",
        ),
    )
    size = abs(z)
    if size >= VERY_Z:
        text = words[5] if z > 0 else words[0]
    elif size >= DISTINCTIVE_Z:
        text = words[4] if z > 0 else words[1]
    else:
        text = words[3] if z >= 0 else words[2]
    return Trait(text=text, distinctiveness=size, is_distinctive=size >= DISTINCTIVE_Z)


def category_text(feature_name: str, value: str) -> str:
    """How a category is said in a name: the value, or ``<label> <value>`` for a bare value;
    a yes / no value of an ``is_`` or ``has_`` feature as ``subscribed`` / ``not subscribed``."""
    value = value.strip()
    label = feature_label(feature_name)
    flag = _FLAG_LABEL.match(label)
    if flag and value.lower() in _TRUE_VALUES:
        return flag.group(1)
    if flag and value.lower() in _FALSE_VALUES:
        return f"not {flag.group(1)}"
    if _BARE_VALUES.match(value):
        return f"{label} {value}"
    return value


def categorical_trait(
    feature_name: str, shares: dict[str, float], base_shares: dict[str, float]
) -> Trait | None:
    """The segment's most lifted value of a categorical feature, if it is distinctive.

    ``shares`` are the segment's shares per value, ``base_shares`` the base's. Ties go to the
    larger share, then the value in sort order.
    """
    best: tuple[float, float, str] | None = None
    for value in sorted(shares):
        share, base = shares[value], base_shares.get(value, 0.0)
        if base <= 0.0 or share < MIN_CATEGORY_SHARE:
            continue
        lift = share / base
        if lift >= DISTINCTIVE_LIFT and (best is None or (lift, share) > (best[0], best[1])):
            best = (lift, share, value)
    if best is None:
        return None
    return Trait(
        text=category_text(feature_name, best[2]),
        distinctiveness=math.log2(best[0]),
        is_distinctive=True,
    )


def segment_traits(
    dimensions: Sequence[Dimension], standardised: FloatArray, sizes: IntArray
) -> list[list[Trait]]:
    """Each segment's traits, most distinctive first (the distinctive ones, then the rest).

    ``standardised`` is k x dimensions (a category's column is the segment's share in it,
    an indicator mean of 0/1); ``sizes`` the segments' sample sizes, which weigh the shares
    into the base's. Ties keep feature order.
    """
    standardised = np.asarray(standardised, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.float64)
    k = standardised.shape[0]
    total = sizes.sum()
    features: list[tuple[str, str, list[int]]] = []
    for position, dimension in enumerate(dimensions):
        if features and features[-1][0] == dimension.feature_name:
            features[-1][2].append(position)
        else:
            features.append((dimension.feature_name, dimension.kind, [position]))
    traits: list[list[Trait]] = []
    for segment in range(k):
        found: list[Trait] = []
        for feature_name, kind, positions in features:
            if kind == CATEGORICAL:
                shares = {
                    str(dimensions[p].category_value): float(standardised[segment, p])
                    / dimensions[p].encoding_value
                    for p in positions
                }
                base_shares = {
                    str(dimensions[p].category_value): (
                        float((standardised[:, p] * sizes).sum() / total)
                        / dimensions[p].encoding_value
                        if total > 0
                        else 0.0
                    )
                    for p in positions
                }
                trait = categorical_trait(feature_name, shares, base_shares)
                if trait is not None:
                    found.append(trait)
            else:
                z = float(standardised[segment, positions[0]])
                found.append(numeric_trait(feature_name, z))
        order = sorted(
            range(len(found)),
            key=lambda i: (not found[i].is_distinctive, -found[i].distinctiveness, i),
        )
        traits.append([found[i] for i in order])
    return traits


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _name_of(traits: Sequence[Trait], count: int) -> str:
    chosen = [t.text for t in traits[:count]]
    return _capitalised(SEPARATOR.join(chosen)) if chosen else AVERAGE_NAME


def distinct_names(
    traits: Sequence[Sequence[Trait]],
    segment_ids: Sequence[int],
    reserved: Sequence[str] = (),
) -> list[str]:
    """A name per segment from its traits, distinct within the base and from ``reserved``."""
    counts = [min(NAME_TRAITS, sum(t.is_distinctive for t in own)) for own in traits]
    while True:
        names = [_name_of(own, n) for own, n in zip(traits, counts, strict=True)]
        groups: dict[str, list[int]] = {}
        for index, name in enumerate(names):
            groups.setdefault(name, []).append(index)
        clashing = [members for members in groups.values() if len(members) > 1]
        grown = False
        for members in clashing:
            for index in members:
                if counts[index] < len(traits[index]):
                    counts[index] += 1
                    grown = True
        if not grown:
            break
    groups = {}
    for index, name in enumerate(names):
        groups.setdefault(name, []).append(index)
    taken = set(reserved)
    return [
        f"{name}{SEPARATOR}segment {segment_ids[index]}"
        if len(groups[name]) > 1 or name in taken
        else name
        for index, name in enumerate(names)
    ]


def catalog_applies(dimensions: Sequence[Dimension]) -> bool:
    """Whether the persona catalog can name a base's segments (its numeric features
    include every one of :data:`CATALOG_FEATURES`)."""
    numeric = {d.feature_name for d in dimensions if d.kind != CATEGORICAL}
    return all(feature in numeric for feature in CATALOG_FEATURES)


def name_segments(
    dimensions: Sequence[Dimension],
    standardised: FloatArray,
    sizes: IntArray,
    profiles: FloatArray,
    catalog: PersonaCatalog,
) -> list[SegmentName]:
    """One name per segment of a base (segment ids are 1-based, in row order).

    ``standardised``: k x dimensions centroids (z for a numeric feature, indicator mean for
    a category); ``sizes``: segment sample sizes; ``profiles``: the k x 3 persona-matching
    profiles (:func:`segmentation.personas.segment_profiles`).
    """
    standardised = np.asarray(standardised, dtype=np.float64)
    k = standardised.shape[0]
    personas: list[str | None] = [None] * k
    if catalog_applies(dimensions):
        matched = assign_personas(profiles, catalog)
        for index, persona in enumerate(matched):
            if persona_holds(np.asarray(profiles)[index], catalog, persona):
                personas[index] = persona
    traits = segment_traits(dimensions, standardised, sizes)
    free = [i for i in range(k) if personas[i] is None]
    built = distinct_names([traits[i] for i in free], [i + 1 for i in free], reserved=catalog.names)
    names = [
        SegmentName(name=persona, is_catalog_persona=True) if persona is not None else None
        for persona in personas
    ]
    for index, name in zip(free, built, strict=True):
        names[index] = SegmentName(name=name, is_catalog_persona=False)
    return [name for name in names if name is not None]
