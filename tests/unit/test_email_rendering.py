"""Template rendering and the event log wording, without I/O."""

from __future__ import annotations

import pytest

from idstream.email.rendering import RenderError, render, syntax_error
from idstream.email.smtp import SmtpSettings, exception_name
from idstream.email.worker import Job, failure_message


def doc(subject: str = "s", text: str = "t", html: str = "h") -> dict[str, str]:
    return {"defaultSubject": subject, "defaultTextTemplate": text, "defaultHtmlTemplate": html}


def test_fields_of_the_user_are_rendered() -> None:
    rendered = render(
        doc(text="Hi {{ user.firstName }} <{{ user.email }}>"),
        {"user": {"firstName": "Ada", "email": "ada@example.com"}},
    )
    assert rendered.text == "Hi Ada <ada@example.com>"


def test_html_escapes_user_fields_but_text_does_not() -> None:
    context = {"user": {"firstName": "<b>Ada</b>"}}
    rendered = render(doc(text="{{ user.firstName }}", html="{{ user.firstName }}"), context)
    assert rendered.html == "&lt;b&gt;Ada&lt;/b&gt;"
    assert rendered.text == "<b>Ada</b>"


def test_missing_fields_render_empty() -> None:
    assert render(doc(text="[{{ user.middleName.first }}]"), {"user": {}}).text == "[]"


def test_subject_is_one_line() -> None:
    rendered = render(doc(subject="Hello\r\nBcc: victim@example.com"), {})
    assert rendered.subject == "Hello Bcc: victim@example.com"


def test_sandbox_refuses_python_internals() -> None:
    with pytest.raises(RenderError, match="SecurityError"):
        render(doc(text="{{ ''.__class__.__mro__[1].__subclasses__() }}"), {})


def test_syntax_error_is_reported() -> None:
    assert syntax_error("{% for %}") is not None
    assert syntax_error("{{ user.email }}") is None


def test_failure_message_has_fusionauths_wording() -> None:
    job = Job(
        id="row",
        attempts=1,
        tenant_id="t-1",
        template_id="tpl-1",
        template_name="[idstream Default] Setup Password",
        to_email="newuser@example.com",
    )
    assert failure_message(job, "ConnectionRefusedError : Message: refused") == (
        "Async Email Send exception occurred.\n\nTemplate Id: tpl-1\n"
        "Template Name: [idstream Default] Setup Password\nTenant Id: t-1\n"
        "Addressed to: newuser@example.com\n\nCause:\nConnectionRefusedError : Message: refused"
    )


def test_exception_names_are_qualified_outside_builtins() -> None:
    import smtplib

    assert exception_name(ConnectionRefusedError()) == "ConnectionRefusedError"
    assert exception_name(smtplib.SMTPNotSupportedError()) == "smtplib.SMTPNotSupportedError"


def test_smtp_password_is_not_in_the_settings_repr() -> None:
    settings = SmtpSettings("h", 25, "NONE", "user", "hunter2")
    assert "hunter2" not in repr(settings)
