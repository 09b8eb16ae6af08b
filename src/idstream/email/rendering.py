"""E-mail templates rendered with a sandboxed Jinja2: templates are data that API callers
write, so they must not reach Python internals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import ChainableUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

_text = SandboxedEnvironment(
    undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=True
)
_html = SandboxedEnvironment(
    undefined=ChainableUndefined, autoescape=True, keep_trailing_newline=True
)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class RenderError(Exception):
    """A template that does not parse or fails while rendering; retrying will not help."""


def syntax_error(source: str) -> str | None:
    """Why `source` is not a valid template, or None when it is."""
    try:
        _text.parse(source)
    except TemplateError as error:
        return str(error)
    return None


def render(template_doc: dict[str, Any], context: dict[str, Any]) -> RenderedEmail:
    try:
        subject = _text.from_string(template_doc.get("defaultSubject") or "").render(context)
        text = _text.from_string(template_doc.get("defaultTextTemplate") or "").render(context)
        html = _html.from_string(template_doc.get("defaultHtmlTemplate") or "").render(context)
    except Exception as error:  # a template may fail in any way (1/0, a sandbox refusal)
        raise RenderError(f"{type(error).__name__}: {error}") from error
    # A subject is one header line: a template must not be able to inject headers.
    subject = " ".join(subject.split())
    return RenderedEmail(subject=subject, text=text, html=html)
