"""Paging of result lists: which rows a page shows and the links to its neighbours."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from fastapi import Request

PAGE_SIZE = 25


@dataclass(frozen=True)
class Page:
    path: str
    params: tuple[tuple[str, str], ...]
    start: int = 0
    size: int = PAGE_SIZE
    total: int = 0

    @classmethod
    def from_request(cls, request: Request, start: int, size: int = PAGE_SIZE) -> Page:
        params = tuple((k, v) for k, v in request.query_params.multi_items() if k != "start")
        return cls(request.url.path, params, max(start, 0), size)

    def with_total(self, total: int) -> Page:
        return replace(self, total=total)

    def _url(self, start: int) -> str:
        query = urlencode([*self.params, ("start", str(start))])
        return f"{self.path}?{query}"

    @property
    def first(self) -> int:
        return self.start + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.start + self.size, self.total)

    @property
    def previous_url(self) -> str | None:
        return self._url(max(self.start - self.size, 0)) if self.start > 0 else None

    @property
    def next_url(self) -> str | None:
        return self._url(self.start + self.size) if self.start + self.size < self.total else None
