"""Helpers shared by the command modules: JSON output and the filter options."""
from __future__ import annotations

import json

import click

from vankien.i18n import pick
from vankien.search.filters import FILTERS


def echo_json(value) -> None:
    """Print a JSON value readably (Vietnamese kept as is)."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def filter_options(f):
    """Add one option per document filter (from the one filter definition) to a command."""
    for field in reversed(FILTERS):
        f = click.option(field.option, field.param, default="", metavar=pick("GIÁ_TRỊ", "VALUE"),
                         help=f"{pick(field.help_vi, field.help_en)}, {pick('ví dụ', 'e.g.')} {field.example}.")(f)
    return f


def make_filter(values: dict[str, str]):
    """The DocumentFilter of a command's filter option values (FilterError if one is bad)."""
    from vankien.search.filters import filter_from_params
    return filter_from_params({f.param: values.get(f.param, "") for f in FILTERS})


def filter_values(kwargs: dict) -> dict[str, str]:
    """Take the filter options out of a command's keyword arguments."""
    return {f.param: kwargs.pop(f.param, "") for f in FILTERS}
