"""``/docs`` (Swagger UI) and ``/redoc`` served with local assets, so they work offline.

FastAPI's defaults load their JavaScript and CSS from a CDN: on a machine without internet the
pages stay blank. The assets come from the PyPI package ``fastapi-offline`` (swagger-ui-bundle,
swagger-ui.css, redoc.standalone.js, favicon), mounted read-only at ``/docs-assets``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS_PATH", "add_offline_docs", "assets_dir"]

ASSETS_PATH = "/docs-assets"


def assets_dir() -> Path:
    """The folder of the packaged Swagger UI and ReDoc assets."""
    return Path(str(files("fastapi_offline") / "static"))


def add_offline_docs(app: FastAPI, *, title: str) -> None:
    """Serve ``/docs`` and ``/redoc`` for ``app`` (built with ``docs_url=None, redoc_url=None``)
    from the local assets."""
    app.mount(ASSETS_PATH, StaticFiles(directory=assets_dir()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - Swagger UI",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} - ReDoc",
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
