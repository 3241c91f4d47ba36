"""The pages' words: Indonesian first, English for those who ask for it.

A small catalogue, one entry per phrase, each in both languages; the
language is the person's choice (a cookie), Indonesian by default. The
queue's refusals come with both languages already (`antrean.refusals`).
"""

from __future__ import annotations

from fastapi import Request

from antrean.refusals import REASONS

LANGUAGES = ("id", "en")
LANGUAGE_COOKIE = "antrean_lang"

CATALOGUE: dict[str, tuple[str, str]] = {
    # The frame of every page.
    "app": ("Antrean", "Antrean"),
    "language": ("Bahasa", "Language"),
    "sign_in": ("Masuk", "Sign in"),
    "sign_out": ("Keluar", "Sign out"),
    "username": ("Nama pengguna", "User name"),
    "password": ("Kata sandi", "Password"),
    "signed_out": ("Anda sudah keluar.", "You have signed out."),
    "session_ended": (
        "Sesi Anda sudah berakhir. Silakan masuk lagi.",
        "Your session has ended. Please sign in again.",
    ),
    "form_expired": (
        "Formulir kedaluwarsa atau tidak sah; tidak ada yang diubah. Silakan coba lagi.",
        "The form had expired or was not valid; nothing was changed. Please try again.",
    ),
    "not_allowed_page": (
        "Anda tidak berhak membuka halaman ini.", "You may not open this page."
    ),
    "back": ("Kembali", "Back"),
    "signed_in_as": ("Masuk sebagai", "Signed in as"),
    # The officer's console.
    "console": ("Konsol Petugas", "Officer console"),
    "pick_counter": ("Pilih loket", "Choose a counter"),
    "no_counters": (
        "Tidak ada loket yang dapat Anda layani.", "There is no counter you may work."
    ),
    "counter": ("Loket", "Counter"),
    "serves": ("Melayani", "Serves"),
    "state_open": ("Buka", "Open"),
    "state_paused": ("Dijeda", "Paused"),
    "state_closed": ("Tutup", "Closed"),
    "now_serving": ("Di loket", "At the counter"),
    "nobody_here": ("Belum ada yang dipanggil.", "Nobody has been called."),
    "status_called": ("Dipanggil", "Called"),
    "status_serving": ("Sedang dilayani", "Being served"),
    "call_count": ("Panggilan ke-{n}", "Call {n}"),
    "since_call": ("sejak dipanggil", "since called"),
    "next": ("Berikutnya", "Next"),
    "recall": ("Panggil ulang", "Recall"),
    "start": ("Mulai layani", "Start"),
    "finish": ("Selesai", "Finish"),
    "no_show": ("Tidak hadir", "No-show"),
    "transfer": ("Alihkan", "Transfer"),
    "transfer_to": ("Alihkan ke layanan", "Transfer to service"),
    "note": ("Catatan untuk loket berikutnya", "Note for the next counter"),
    "cancel": ("Batalkan", "Cancel"),
    "cancel_reason": ("Alasan pembatalan", "Reason for cancelling"),
    "call_code": ("Panggil nomor", "Call number"),
    "code_placeholder": ("mis. A012", "e.g. A012"),
    "call": ("Panggil", "Call"),
    "pause": ("Jeda", "Pause"),
    "pause_reason": ("Alasan jeda", "Reason for the pause"),
    "reason_break": ("Istirahat", "Break"),
    "reason_prayer": ("Salat", "Prayer"),
    "reason_meeting": ("Rapat", "Meeting"),
    "reason_other": ("Lainnya", "Other"),
    "open_counter": ("Buka loket", "Open the counter"),
    "close_counter": ("Tutup loket", "Close the counter"),
    "waiting_list": ("Daftar tunggu", "Waiting list"),
    "waiting_count": ("{n} menunggu", "{n} waiting"),
    "nobody_waiting": ("Tidak ada antrean.", "Nobody is waiting."),
    "next_up": ("berikutnya", "next up"),
    "waited": ("menunggu", "waited"),
    "minutes_short": ("mnt", "min"),
    "priority": ("Prioritas", "Priority"),
    "priority_elderly": ("lansia", "elderly"),
    "priority_disabled": ("disabilitas", "disabled"),
    "priority_pregnant": ("ibu hamil", "pregnant"),
    "priority_child": ("membawa anak", "with a child"),
    "priority_other": ("lainnya", "other"),
    "no_shows": ("Tidak hadir hari ini", "No-shows today"),
    "requeue": ("Masukkan lagi", "Requeue"),
    "shortcuts": ("Pintasan papan ketik", "Keyboard shortcuts"),
    "shortcut_help": (
        "Tekan huruf pada tombol. Esc keluar dari kolom isian.",
        "Press the letter shown on a button. Esc leaves a text field.",
    ),
    "focus_transfer": ("pilih layanan tujuan", "choose the service to transfer to"),
    "focus_cancel": ("isi alasan batal", "type the reason for cancelling"),
    "focus_call": ("ketik nomor yang dipanggil", "type the number to call"),
    "live_online": ("Tersambung", "Connected"),
    "live_offline": ("Terputus, menyambung lagi…", "Disconnected, reconnecting…"),
    "live_refused": ("Sesi berakhir; muat ulang halaman", "Session ended; reload the page"),
    # Answers to the officer's actions.
    "done_next": ("{code} dipanggil ke loket {counter}.", "{code} called to counter {counter}."),
    "done_nobody": ("Tidak ada yang menunggu.", "Nobody is waiting."),
    "done_recall": ("{code} dipanggil ulang.", "{code} called again."),
    "done_start": ("{code} sedang dilayani.", "Serving {code}."),
    "done_finish": ("{code} selesai dilayani.", "{code} finished."),
    "done_no_show": ("{code} ditandai tidak hadir.", "{code} marked as no-show."),
    "done_requeue": ("{code} masuk antrean lagi.", "{code} is back in the queue."),
    "done_cancel": ("{code} dibatalkan.", "{code} cancelled."),
    "done_transfer": (
        "{code} dialihkan ke layanan {service}.", "{code} sent to service {service}."
    ),
    "done_call": ("{code} dipanggil ke loket {counter}.", "{code} called to counter {counter}."),
    "done_paused": ("Loket dijeda.", "The counter is paused."),
    "done_open": ("Loket dibuka.", "The counter is open."),
    "done_closed": ("Loket ditutup.", "The counter is closed."),
    "unknown_code": (
        "Nomor {code} tidak ada di antrean hari ini.", "{code} is not waiting today."
    ),
    "choose_ticket": ("Tidak ada nomor di loket ini.", "There is no ticket at this counter."),
}


def language(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in LANGUAGES else "id"


def translate(lang: str, key: str, **values: object) -> str:
    indonesian, english = CATALOGUE[key]
    text = english if lang == "en" else indonesian
    return text.format(**values) if values else text


def refusal(lang: str, code: str) -> str:
    reason = REASONS.get(code) or REASONS["invalid_request"]
    return reason.en if lang == "en" else reason.id
