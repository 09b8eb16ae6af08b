"""FusionAuth's error shape: {"fieldErrors": {field: [{code, message}]}, "generalErrors": [...]}.
Services raise these; app.py maps them to responses."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status_code = 400


class NotFound(ApiError):
    """404 with an empty body, FusionAuth's answer for an unknown id."""

    status_code = 404


class Unauthorized(ApiError):
    """401 with an empty body."""

    status_code = 401


class ValidationFailed(ApiError):
    def __init__(
        self,
        field_errors: dict[str, list[dict[str, str]]] | None = None,
        general_errors: list[dict[str, str]] | None = None,
        status_code: int = 400,
    ) -> None:
        self.field_errors = field_errors or {}
        self.general_errors = general_errors or []
        self.status_code = status_code
        super().__init__(self.summary())

    def summary(self) -> str:
        messages = [e["message"] for errs in self.field_errors.values() for e in errs]
        messages += [e["message"] for e in self.general_errors]
        return "; ".join(messages)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.field_errors:
            body["fieldErrors"] = self.field_errors
        if self.general_errors:
            body["generalErrors"] = self.general_errors
        return body


class Errors:
    """Collects every problem of a request before answering, as FusionAuth does."""

    def __init__(self) -> None:
        self.field_errors: dict[str, list[dict[str, str]]] = {}
        self.general_errors: list[dict[str, str]] = []

    def field(self, field: str, code: str, message: str) -> None:
        self.field_errors.setdefault(field, []).append(
            {"code": f"[{code}]{field}", "message": message}
        )

    def general(self, code: str, message: str) -> None:
        self.general_errors.append({"code": f"[{code}]", "message": message})

    def __bool__(self) -> bool:
        return bool(self.field_errors or self.general_errors)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationFailed(self.field_errors, self.general_errors)


def field_error(field: str, code: str, message: str) -> ValidationFailed:
    errors = Errors()
    errors.field(field, code, message)
    return ValidationFailed(errors.field_errors)


def general_error(code: str, message: str, status_code: int = 400) -> ValidationFailed:
    return ValidationFailed(
        general_errors=[{"code": f"[{code}]", "message": message}], status_code=status_code
    )
