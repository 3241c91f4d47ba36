"""Prometheus metrics at /metrics: what a city's monitoring (or one curious
technician) needs to see that an office is working.

Counted as they happen: HTTP requests, and queue commands by type and result
(`ok`, `nothing` when nobody waited, or the refusal's code). Read at each
scrape: connected devices by kind, event lag (events committed but not yet
handed to this process's sockets), queue lengths (citizens waiting today per
service; frames waiting in the sockets' outboxes), each kiosk's printer state
from its last health report, and the supervision's verdicts on storage, the
clock and the database. Each application has its own registry, so several
servers in one process (the tests) do not mix their figures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from antrean import __version__
from antrean.health import PrinterState
from antrean.vocabulary import DeviceKind
from server.engine.clock import local_day
from server.realtime.service import Realtime
from server.store import accounts, monitoring
from server.store.database import Database
from server.supervision import Supervision

SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
USER_KIND = "user"  # an officer's or a page's socket, not a device


def connected_by_kind(realtime: Realtime) -> dict[str, int]:
    """Sockets open to this process: kiosks, counters, displays, and users' pages."""
    counts = {kind.value: 0 for kind in DeviceKind} | {USER_KIND: 0}
    for session in list(realtime.sessions):
        if session.caller is not None:
            kind = session.caller.device_kind
            counts[kind.value if kind else USER_KIND] += 1
    return counts


@dataclass
class Figures:
    """What one scrape read: from the event loop and from the database."""

    devices: dict[str, int] = field(default_factory=dict)
    outbox_frames: int = 0
    outbox_largest: int = 0
    delivered_seq: dict[str, int] = field(default_factory=dict)
    committed_seq: dict[str, int] = field(default_factory=dict)
    waiting: list[tuple[str, str, int]] = field(default_factory=list)
    printers: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    last_seen: list[tuple[str, str, str, float]] = field(default_factory=list)


class Metrics:
    """The registry, the counters, and a CommandWatch that counts every command."""

    def __init__(self, realtime: Realtime, supervision: Supervision) -> None:
        self.realtime = realtime
        self.supervision = supervision
        self.db: Database = realtime.operations.db
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = Counter(
            "antrean_http_requests", "HTTP requests answered, by route and status",
            ["method", "route", "status"], registry=self.registry,
        )
        self.request_seconds = Histogram(
            "antrean_http_request_seconds", "Time to answer an HTTP request",
            ["method", "route"], buckets=SECONDS_BUCKETS, registry=self.registry,
        )
        self.commands = Counter(
            "antrean_commands", "Queue commands by type and result (ok, nothing, or a refusal)",
            ["command", "result"], registry=self.registry,
        )
        self.command_seconds = Histogram(
            "antrean_command_seconds", "Time to carry out a queue command, commit included",
            ["command"], buckets=SECONDS_BUCKETS, registry=self.registry,
        )

    def request_answered(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.request_seconds.labels(method, route).observe(seconds)

    # CommandWatch.

    def check(self, now: datetime) -> None:
        pass

    def finished(self, command: str, result: str, seconds: float) -> None:
        self.commands.labels(command, result).inc()
        self.command_seconds.labels(command).observe(seconds)

    # A scrape.

    async def exposition(self) -> bytes:
        figures = self._from_the_loop()
        await asyncio.to_thread(self._from_the_database, figures)
        return generate_latest(_Scrape(self, figures))  # type: ignore[arg-type,unused-ignore]  # any object with collect() will do

    def _from_the_loop(self) -> Figures:
        figures = Figures(devices=connected_by_kind(self.realtime))
        for session in list(self.realtime.sessions):
            backlog = len(session.outbox)
            figures.outbox_frames += backlog
            figures.outbox_largest = max(figures.outbox_largest, backlog)
        hub = self.realtime.hub
        for site in hub.sites():
            seq = hub.last_seq(site)
            if seq is not None:
                figures.delivered_seq[site] = seq
        return figures

    def _from_the_database(self, figures: Figures) -> None:
        if not self.supervision.database_ready:
            return
        now = self.realtime.now()
        with self.db.reading() as work:
            sites = {s.id: s for s in work.sites()}
            figures.committed_seq = {s.code: s.last_seq for s in sites.values()}
            for waiting in monitoring.waiting_counts(work):
                site = sites[waiting.site_id]
                if waiting.local_day == local_day(site, now):
                    figures.waiting.append((site.code, waiting.service, waiting.count))
            devices = [d for d in accounts.devices(work) if d.revoked_at is None]
        for device in devices:
            site_code = sites[device.site_id].code
            name = device.name or f"{device.kind.value}-{device.id}"
            if device.kind is DeviceKind.KIOSK:
                printer = device.health.get("printer") if device.health else None
                figures.printers.append((site_code, name, str(device.id), printer))
            if device.last_seen_at is not None:
                age = (now - device.last_seen_at).total_seconds()
                figures.last_seen.append((site_code, name, device.kind.value, age))


class _Scrape:
    """The registry's counters plus the figures read for this one scrape."""

    def __init__(self, metrics: Metrics, figures: Figures) -> None:
        self.metrics = metrics
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        yield from self.metrics.registry.collect()
        yield from _gauges(self.metrics.supervision, self.figures)


def _gauges(supervision: Supervision, figures: Figures) -> Iterator[Metric]:
    info = GaugeMetricFamily("antrean_build_info", "The running version", labels=["version"])
    info.add_metric([__version__], 1)
    yield info
    yield GaugeMetricFamily(
        "antrean_uptime_seconds", "Seconds since the server started",
        value=supervision.uptime_seconds,
    )
    devices = GaugeMetricFamily(
        "antrean_connected_devices", "Sockets open to this process, by device kind",
        labels=["kind"],
    )
    for kind, count in sorted(figures.devices.items()):
        devices.add_metric([kind], count)
    yield devices
    lag = GaugeMetricFamily(
        "antrean_event_lag", "Events committed but not yet handed to this process's sockets",
        labels=["site"],
    )
    for site, delivered in sorted(figures.delivered_seq.items()):
        if site in figures.committed_seq:
            lag.add_metric([site], max(0, figures.committed_seq[site] - delivered))
    yield lag
    waiting = GaugeMetricFamily(
        "antrean_waiting_tickets", "Citizens waiting today, per office and service",
        labels=["site", "service"],
    )
    for site, service, count in sorted(figures.waiting):
        waiting.add_metric([site, service], count)
    yield waiting
    yield GaugeMetricFamily(
        "antrean_socket_outbox_frames", "Frames waiting in all sockets' outboxes",
        value=figures.outbox_frames,
    )
    yield GaugeMetricFamily(
        "antrean_socket_outbox_largest", "Frames waiting for the slowest socket",
        value=figures.outbox_largest,
    )
    printers = GaugeMetricFamily(
        "antrean_printer_state",
        "Each kiosk's printer as last reported: 1 for its state (unknown: never reported)",
        labels=["site", "device", "device_id", "state"],
    )
    states = [state.value for state in PrinterState] + ["unknown"]
    for site, name, device_id, printer in sorted(figures.printers, key=lambda p: p[:3]):
        current = printer if printer in states else "unknown"
        for state in states:
            printers.add_metric([site, name, device_id, state], 1 if state == current else 0)
    yield printers
    seen = GaugeMetricFamily(
        "antrean_device_seen_seconds_ago", "Seconds since each device was last heard from",
        labels=["site", "device", "kind"],
    )
    for site, name, kind, age in sorted(figures.last_seen):
        seen.add_metric([site, name, kind], max(0.0, age))
    yield seen
    storage = supervision.storage.state
    if storage is not None:
        yield GaugeMetricFamily(
            "antrean_storage_free_bytes", "Free space under the database",
            value=storage.free_bytes,
        )
        yield GaugeMetricFamily(
            "antrean_storage_read_only", "1 when the database's file system is read-only",
            value=1 if storage.read_only else 0,
        )
    checks: list[tuple[str, str, bool]] = [
        ("antrean_database_ready", "1 once the database is migrated and reachable",
         supervision.database_ready),
        ("antrean_storage_ok", "1 while the database can be written",
         not supervision.storage.failing),
        ("antrean_clock_plausible", "1 unless the clock is earlier than the last event",
         supervision.clock_watch.plausible),
    ]
    for name, text, verdict in checks:
        yield GaugeMetricFamily(name, text, value=1 if verdict else 0)


class RequestMetrics:
    """ASGI middleware: each HTTP request counted by its route's pattern, not its URL."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answered = {"status": 500}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._count(scope, answered["status"], time.perf_counter() - started)

    def _count(self, scope: Scope, status: int, seconds: float) -> None:
        # The route's pattern with its prefix: FastAPI (0.16x) keeps the included
        # router's route in its own scope entry; before, the matched route had it.
        fastapi = scope.get("fastapi")
        context = fastapi.get("effective_route_context") if isinstance(fastapi, dict) else None
        route = getattr(context or scope.get("route"), "path_format", None) or "unmatched"
        self.metrics.request_answered(scope.get("method", ""), route, status, seconds)


def install(app: FastAPI, realtime: Realtime, supervision: Supervision) -> Metrics:
    metrics = Metrics(realtime, supervision)
    realtime.operations.watches.append(metrics)
    app.add_middleware(RequestMetrics, metrics=metrics)

    @app.get("/metrics", include_in_schema=False)
    async def exposition(request: Request) -> Response:
        return Response(await metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics

