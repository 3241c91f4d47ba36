"""GET /healthz: is this server able to take tickets, and if not, why.

Answers 200 while it can (status `ok`, or `degraded` when something needs
attention soon, such as little free space), 503 when it cannot: no database,
storage that cannot be written, or a clock earlier than the last event. A
monitoring script, a load balancer or a technician with `curl` reads the
same answer.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from antrean import __version__
from server.metrics import connected_by_kind
from server.realtime.service import Realtime
from server.store import monitoring
from server.store.backup import generations
from server.supervision import Supervision

router = APIRouter(include_in_schema=False)

@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    supervision: Supervision = request.app.state.supervision
    realtime: Realtime = request.app.state.realtime
    database = await asyncio.to_thread(_database, supervision)
    report = {
        "version": __version__,
        "uptime_seconds": round(supervision.uptime_seconds, 1),
        "database": database,
        "storage": _storage(supervision),
        "clock": _clock(supervision),
        "devices": connected_by_kind(realtime),
        "backup": await asyncio.to_thread(_backup, request),
    }
    failing = (
        not database["ok"]
        or supervision.storage.failing
        or not supervision.clock_watch.plausible
    )
    problems = supervision.problems()
    if not database["ok"] and database.get("error") and not supervision.database_problem:
        problems.insert(0, f"the database does not answer: {database['error']}")
    report["problems"] = problems
    report["status"] = "failing" if failing else "degraded" if problems else "ok"
    return JSONResponse(
        {"status": report.pop("status"), **report}, status_code=503 if failing else 200
    )


def _database(supervision: Supervision) -> dict[str, Any]:
    db = supervision.db
    started = time.perf_counter()
    # Read once: the migration may finish during the query below, and the answer
    # must not say "ok" and "not migrated" at once.
    ready = supervision.database_ready
    answer: dict[str, Any] = {"dialect": db.dialect, "migrated": ready}
    try:
        monitoring.answers(db)
    except Exception as error:
        cause = getattr(error, "orig", None) or error
        return {**answer, "ok": False, "error": " ".join(str(cause).split())[:300]}
    answer["seconds"] = round(time.perf_counter() - started, 4)
    answer["ok"] = ready
    return answer


def _storage(supervision: Supervision) -> dict[str, Any]:
    watch = supervision.storage
    state = watch.state
    answer: dict[str, Any] = {"ok": not watch.failing, "problem": watch.problem()}
    if state is not None:
        answer |= {
            "path": state.path,
            "free_bytes": state.free_bytes,
            "total_bytes": state.total_bytes,
            "read_only": state.read_only,
        }
    if watch.last_write_failure is not None:
        answer["last_write_failure"] = datetime.fromtimestamp(watch.last_write_failure).astimezone()
        answer["last_write_failure"] = answer["last_write_failure"].isoformat(timespec="seconds")
    return answer


def _clock(supervision: Supervision) -> dict[str, Any]:
    watch = supervision.clock_watch
    last = watch.last_event_at
    return {
        "server_time": watch.clock().isoformat(timespec="seconds"),
        "last_event_at": last.isoformat(timespec="seconds") if last else None,
        "plausible": watch.plausible,
        "checked": watch.enabled,
    }


def _backup(request: Request) -> dict[str, Any] | None:
    """The newest backup generation, when this server keeps them (SQLite)."""
    folder: Path | None = getattr(request.app.state, "backup_dir", None)
    if folder is None or not folder.is_dir():
        return None
    kept = generations(folder)
    if not kept:
        return {"path": str(folder), "newest": None, "generations": 0}
    age = time.time() - kept[-1].stat().st_mtime
    return {
        "path": str(folder),
        "newest": kept[-1].name,
        "age_hours": round(age / 3600, 1),
        "generations": len(kept),
    }
