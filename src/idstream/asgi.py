"""The application for an ASGI server started by import string: `idstream serve --workers N`
starts N processes on it (and so may any ASGI server: uvicorn --factory idstream.asgi:create).
Each process reads the same IDSTREAM_* settings; the database must already be migrated."""

from __future__ import annotations

from fastapi import FastAPI

from idstream.app import create_app
from idstream.config import Settings


def create() -> FastAPI:
    return create_app(Settings())
