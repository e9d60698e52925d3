"""Colours, fonts and Plotly settings shared by the figures and the page."""

from __future__ import annotations

# Colours for things that are not personas (genders, categories, sources, k curves): greys
# and slates, so that colour keeps meaning "persona" everywhere in the report.
NEUTRAL_COLOURS = ("#334155", "#64748B", "#94A3B8", "#CBD5E1", "#1E293B", "#475569")
INK = "#1F2937"
MUTED = "#6B7280"
GRID = "#E5E7EB"
# System fonts only: the page loads nothing. The CSS reads it as var(--font-stack).
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif'
)

PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "scrollZoom": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
}
