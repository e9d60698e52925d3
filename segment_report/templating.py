"""The Jinja2 templates (``templates/``) and static files (``static/``) of the page."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import jinja2
from markupsafe import Markup

PACKAGE = "segment_report"
PAGE_TEMPLATE = "report.html.j2"
COMPONENTS_TEMPLATE = "components.html.j2"


@cache
def environment() -> jinja2.Environment:
    """Templates from the package, HTML-escaped, failing on any undefined name."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(PACKAGE, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def static_text(name: str) -> str:
    """A file of ``static/`` (CSS, JavaScript), to be inlined into the page."""
    return (files(PACKAGE) / "static" / name).read_text(encoding="utf-8")


def render_macro(name: str, *args: object) -> str:
    """One macro of the components template, e.g. the cards of a base, as HTML."""
    macro = getattr(environment().get_template(COMPONENTS_TEMPLATE).module, name)
    return str(Markup(macro(*args)))


def render_page(**context: object) -> str:
    """The whole page."""
    return environment().get_template(PAGE_TEMPLATE).render(**context)
