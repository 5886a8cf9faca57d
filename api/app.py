"""The FastAPI application: routes, the body limit, error shapes, and the console's static files."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from api import routes_approvals, routes_audit, routes_chat, routes_ops, routes_runs, routes_tickets
from api.context import ApiContext
from api.errors import ERRORS, install_error_handlers
from api.headers import SecurityHeaders
from api.limits import BodyLimit

CONSOLE = Path(__file__).parent / "console"


def create_app(ctx: ApiContext) -> FastAPI:
    """One app per context; `warden up` serves it on `--port`, tests on a free port."""
    app = FastAPI(title="Warden staff API", version="1.0.0",
                  description="Approvals, runs, audit, chat and tickets for staff. Bearer tokens come from "
                              "`warden users add NAME --role adjuster|staff|operator|admin`.")
    app.state.ctx = ctx
    install_error_handlers(app)
    app.include_router(routes_ops.router)
    for module in (routes_approvals, routes_runs, routes_audit, routes_chat, routes_tickets):
        app.include_router(module.router, responses=ERRORS)

    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    async def console() -> FileResponse:
        return FileResponse(CONSOLE / "index.html", media_type="text/html")

    app.mount("/console", StaticFiles(directory=CONSOLE), name="console")
    app.add_middleware(BodyLimit, max_bytes=ctx.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app
