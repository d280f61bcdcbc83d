"""Jinja2 templates (autoescaped) for feedback and the report."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def render(name: str, **context) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
    env = Environment(loader=FileSystemLoader(str(HERE)), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html", "j2"], default=True))
    return env.get_template(name).render(**context)
