"""Why a command was refused: stable codes shared by the server and every device.

Every refusal carries a machine code, an Indonesian message for the citizen or
officer, and an English one for integrators. The HTTP status lives here too so
the API and the device sockets answer alike. Devices read the same table, so a
kiosk knows which refusals mean "the service takes no numbers now" without
spelling the codes itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ClosedReason(StrEnum):
    """Why the opening hours take no new tickets at this moment."""

    CLOSED_DATE = "closed_date"
    NO_SESSION_TODAY = "no_session_today"
    BEFORE_OPENING = "before_opening"
    BETWEEN_SESSIONS = "between_sessions"
    AFTER_CUTOFF = "after_cutoff"
    AFTER_CLOSING = "after_closing"


@dataclass(frozen=True)
class Reason:
    code: str
    status: int
    id: str
    en: str


def _reason(code: str, status: int, id: str, en: str) -> Reason:
    return Reason(code, status, id, en)


REASONS: dict[str, Reason] = {
    r.code: r
    for r in [
        _reason("invalid_request", 422, "Permintaan tidak valid.", "The request is not valid."),
        _reason("not_authenticated", 401, "Silakan masuk terlebih dahulu.", "Please sign in."),
        _reason(
            "invalid_credentials",
            401,
            "Nama pengguna atau kata sandi salah.",
            "Wrong user name or password.",
        ),
        _reason(
            "too_many_attempts",
            429,
            "Terlalu banyak percobaan masuk yang gagal. Tunggu sebentar, lalu coba lagi.",
            "Too many failed sign-ins. Wait a while, then try again.",
        ),
        _reason("forbidden", 403, "Anda tidak berhak melakukan ini.", "You may not do this."),
        _reason("not_found", 404, "Tidak ditemukan.", "Not found."),
        _reason("site_not_found", 404, "Kantor tidak ditemukan.", "No such office."),
        _reason("service_not_found", 404, "Layanan tidak ditemukan.", "No such service."),
        _reason("counter_not_found", 404, "Loket tidak ditemukan.", "No such counter."),
        _reason("ticket_not_found", 404, "Nomor antrean tidak ditemukan.", "No such ticket."),
        _reason(
            "service_inactive",
            409,
            "Layanan ini sedang tidak tersedia.",
            "This service is not available.",
        ),
        _reason(
            "closed_date",
            409,
            "Kantor tutup hari ini.",
            "The office is closed today.",
        ),
        _reason(
            "no_session_today",
            409,
            "Tidak ada jam layanan hari ini.",
            "There are no service hours today.",
        ),
        _reason(
            "before_opening",
            409,
            "Layanan belum dibuka.",
            "Service has not opened yet.",
        ),
        _reason(
            "between_sessions",
            409,
            "Di luar jam layanan; silakan kembali pada sesi berikutnya.",
            "Between service sessions; please come back for the next one.",
        ),
        _reason(
            "after_cutoff",
            409,
            "Pengambilan nomor antrean sudah ditutup untuk sesi ini.",
            "Ticket issuing has closed for this session.",
        ),
        _reason(
            "after_closing",
            409,
            "Layanan hari ini sudah selesai.",
            "Service has finished for today.",
        ),
        _reason(
            "quota_reached",
            409,
            "Kuota harian layanan ini sudah habis.",
            "Today's quota for this service is used up.",
        ),
        _reason(
            "counter_not_open",
            409,
            "Loket tidak sedang buka.",
            "The counter is not open.",
        ),
        _reason(
            "invalid_transition",
            409,
            "Nomor antrean tidak dalam status yang sesuai.",
            "The ticket is not in a state that allows this.",
        ),
        _reason(
            "same_service",
            409,
            "Nomor antrean sudah berada di layanan itu.",
            "The ticket is already in that service.",
        ),
        _reason(
            "ticket_not_today",
            409,
            "Nomor antrean ini bukan untuk hari ini.",
            "The ticket is not from today.",
        ),
        _reason(
            "request_in_progress",
            409,
            "Permintaan yang sama sedang diproses.",
            "The same request is being processed.",
        ),
        _reason(
            "already_rated",
            409,
            "Penilaian untuk nomor antrean ini sudah diterima.",
            "This ticket has been rated already.",
        ),
        _reason(
            "rating_closed",
            409,
            "Penilaian hanya dapat diberikan sesaat setelah selesai dilayani.",
            "A rating is taken only shortly after the service has finished.",
        ),
        _reason(
            "clock_behind",
            503,
            "Jam server mundur (lebih awal dari kejadian terakhir); antrean berhenti "
            "sampai jam server dibetulkan. Hubungi petugas.",
            "The server's clock is behind its last event; the queue stops until "
            "the server's time is set right.",
        ),
        _reason(
            "storage_unavailable",
            503,
            "Penyimpanan server penuh atau tidak dapat ditulis. Hubungi petugas.",
            "The server's storage is full or cannot be written to.",
        ),
        _reason(
            "database_unavailable",
            503,
            "Server tidak dapat menghubungi basis datanya. Hubungi petugas.",
            "The server cannot reach its database.",
        ),
        _reason(
            "device_revoked",
            401,
            "Perangkat ini sudah dicabut aksesnya.",
            "This device has been revoked.",
        ),
    ]
}


CLOSED_CODES = frozenset({*(r.value for r in ClosedReason), "quota_reached", "service_inactive"})
"""Refusals that mean "not now" (a kiosk shows the service closed), not "something is broken"."""
