"""The server's settings: one TOML file plus ANTREAN_* environment variables.

Environment variables win over the file, the file over the defaults. The file
is `$ANTREAN_CONFIG`, else `antrean-server.toml` in the data directory.
Unknown keys and bad values are refused with the file's line (antrean.settings).
"""

from __future__ import annotations

import os
from pathlib import Path
from string import Formatter
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from antrean.messages import MAX_FRAME_BYTES
from antrean.settings import ProgramSettings

LogLevel = Literal["critical", "error", "warning", "info", "debug", "trace"]

NOTICE_PLACEHOLDERS = ("code", "service", "site", "ahead", "ahead_words", "link")
DEFAULT_NOTICE_MESSAGE = (
    "Nomor antrean {code} ({service}) di {site}: giliran Anda sebentar lagi, "
    "{ahead_words}. Mohon kembali ke ruang tunggu."
)


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "antrean"


def data_dir_from_env() -> Path:
    return Path(os.environ.get("ANTREAN_DATA_DIR") or default_data_dir())


class ServerSettings(ProgramSettings):
    model_config = SettingsConfigDict(
        env_prefix="ANTREAN_", env_nested_delimiter="__", extra="forbid"
    )
    program: ClassVar[str] = "server"
    config_env: ClassVar[str | None] = "ANTREAN_CONFIG"

    data_dir: Path = Field(default_factory=data_dir_from_env)
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data directory"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    token_hours: float = Field(default=12, gt=0, description="lifetime of an officer's sign-in")
    request_log_hours: float = Field(
        default=48, gt=0, description="how long request ids are remembered for retries"
    )
    log_level: LogLevel = "info"
    trusted_proxies: str = Field(
        default="127.0.0.1",
        description="addresses of reverse proxies (comma-separated, or *) whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed: the client's address for "
        "sign-in throttling and logs, https for secure cookies",
    )
    fanout: Literal["auto", "memory", "postgres"] = Field(
        default="auto",
        description=(
            "how server processes share events: 'memory' (one process), 'postgres' "
            "(LISTEN/NOTIFY, for several processes on one PostgreSQL); 'auto' picks "
            "postgres when the database is PostgreSQL"
        ),
    )
    command_threads: int = Field(
        default=16, ge=1, le=256,
        description="threads that run commands, REST requests and socket hellos; each "
        "holds one database connection at a time",
    )
    background_threads: int = Field(
        default=4, ge=1, le=64,
        description="threads for the sockets' snapshot reads, token checks and health "
        "writes, and the live pages', dashboards' and texts' reads; the database pool is "
        "command_threads + background_threads",
    )
    thread_switch_ms: float = Field(
        default=1.0, ge=0.1, le=100,
        description="how long one thread may keep Python's interpreter lock while another "
        "waits for it (Python's own default: 5); a command's thread waits for it after "
        "each database round trip, so a shorter turn shortens every command",
    )
    ws_max_frame_bytes: int = Field(
        default=MAX_FRAME_BYTES, ge=1024, description="largest frame a device may send"
    )
    ws_outbox_limit: int = Field(
        default=256, ge=1,
        description="deltas waiting for one slow socket before it gets a fresh snapshot instead",
    )
    ws_send_timeout: float = Field(
        default=10, gt=0, description="seconds a socket may take to accept one frame"
    )
    ws_hello_timeout: float = Field(
        default=10, gt=0, description="seconds a new socket has to say hello"
    )
    quiet_gc: bool = Field(
        default=True,
        description="freeze start-up objects and collect garbage less often: shorter pauses "
        "with many sockets open",
    )
    ws_refresh_seconds: float = Field(
        default=60, ge=0,
        description="every socket gets a fresh snapshot this often (0: never), one read "
        "per office for all its sockets",
    )
    ws_refresh_reads_per_second: float = Field(
        default=10, gt=0,
        description="at most this many offices' snapshots read per second for the refresh: "
        "with more offices than ws_refresh_seconds × this, a round takes longer instead",
    )
    ws_max_message_bytes: int = Field(
        default=2 * MAX_FRAME_BYTES, ge=1024,
        description="uvicorn's own limit on one incoming message: above it the connection is "
        "closed (1009) before the message is read; at least ws_max_frame_bytes",
    )
    ws_max_pending_hellos: int = Field(
        default=128, ge=1,
        description="sockets that may wait for their hello at once; more are turned away "
        "with 503 and Retry-After",
    )
    office_watch_seconds: float = Field(
        default=1, gt=0,
        description="how often the server looks for changes to an office's set-up made "
        "elsewhere (another process, `antrean office apply`) and sends its devices a fresh "
        "snapshot",
    )
    ws_access_check_seconds: float = Field(
        default=1, gt=0,
        description="how often a server without LISTEN/NOTIFY (SQLite) looks for revoked "
        "devices and ended sign-ins among its open sockets",
    )
    signin_failures_per_user: int = Field(
        default=5, ge=1,
        description="failed sign-ins for one user name within signin_window_minutes "
        "before further tries are refused",
    )
    signin_failures_per_address: int = Field(
        default=20, ge=1,
        description="failed sign-ins from one client address within signin_window_minutes "
        "before further tries are refused",
    )
    signin_window_minutes: float = Field(
        default=15, gt=0,
        description="how long a failed sign-in counts against its name and address",
    )

    @model_validator(mode="after")
    def _transport_holds_a_frame(self) -> ServerSettings:
        if self.ws_max_message_bytes < self.ws_max_frame_bytes:
            raise ValueError(
                "ws_max_message_bytes must be at least ws_max_frame_bytes "
                f"({self.ws_max_frame_bytes})"
            )
        return self

    def uvicorn_options(self) -> dict[str, Any]:
        """What uvicorn needs besides host and port: the log level, the socket's limits,
        and the websocket protocol that holds least per idle connection."""
        from server.realtime.connection import protocol_class

        return {
            "log_level": self.log_level,
            "ws_max_size": self.ws_max_message_bytes,
            "ws": protocol_class(),
            # Frames are a few hundred bytes on an office's network; compression would
            # keep zlib state in every browser's socket and compress each frame per socket.
            "ws_per_message_deflate": False,
            "proxy_headers": True,
            "forwarded_allow_ips": self.trusted_proxies,
        }

    clock_check: bool = Field(
        default=True,
        description="refuse commands while the clock is earlier than the last event; turn "
        "off only to recover from a date typed far in the future",
    )
    health_check_seconds: float = Field(
        default=30, gt=0, le=3600,
        description="how often the server looks at its storage and clock, and tries again "
        "a database that was not ready",
    )
    backup_dir: Path | None = Field(
        default=None, description="where `antrean backup` keeps generations (default: "
        "backups/ in the data directory)",
    )
    backup_generations: int = Field(
        default=14, ge=1, description="backups kept; the oldest beyond this are deleted",
    )
    backup_copy_to: str | None = Field(
        default=None,
        description="a second place for every backup: a mounted USB stick's folder, or "
        "user@host:folder over SSH (rsync)",
    )

    @field_validator("data_dir")
    @classmethod
    def _a_folder(cls, folder: Path) -> Path:
        if folder.exists() and not folder.is_dir():
            raise ValueError(f"{folder} is a file, not a folder: point ANTREAN_DATA_DIR elsewhere")
        return folder

    @field_validator("database_url")
    @classmethod
    def _a_database_we_speak(cls, url: str | None) -> str | None:
        if url is None:
            return None
        scheme = url.partition("://")[0].lower()
        if scheme in {"postgres", "postgresql", "postgresql+psycopg2"}:
            raise ValueError(
                f"write the address as postgresql+psycopg://{url.partition('://')[2]} "
                "(the server talks to PostgreSQL through psycopg 3)"
            )
        if scheme not in {"sqlite", "postgresql+psycopg"}:
            raise ValueError(
                f"{scheme}:// is not supported: use sqlite:///path/antrean.db or "
                "postgresql+psycopg://user:password@host/database"
            )
        return url

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'antrean.db'}"

    @property
    def backups(self) -> Path:
        return self.backup_dir or self.data_dir / "backups"

    @classmethod
    def default_file_path(cls) -> Path | None:
        return data_dir_from_env() / "antrean-server.toml"

    # The citizen's ticket page, its survey and the texts near one's turn (docs/citizen.md).
    notify_webhook_url: str | None = Field(
        default=None, pattern=r"^https?://\S+$",
        description="the office's SMS or WhatsApp gateway: a ticket near the front is POSTed "
        "here as JSON (unset: the page offers no text messages)",
    )
    notify_webhook_secret: str | None = Field(
        default=None, min_length=16,
        description="signs each POST: X-Antrean-Signature is sha256=HMAC-SHA256(secret, body)",
    )
    notify_webhook_headers: dict[str, str] = Field(
        default_factory=dict,
        description="headers the gateway asks for, e.g. {Authorization = \"Bearer …\"}",
    )
    notify_message: str = Field(
        default=DEFAULT_NOTICE_MESSAGE, min_length=1, max_length=480,
        description="the text, in Indonesian; placeholders " + ", ".join(
            "{" + name + "}" for name in NOTICE_PLACEHOLDERS
        ),
    )
    notify_timeout_seconds: float = Field(
        default=10, gt=0, le=120, description="how long one POST may take before it is tried again"
    )
    notify_retry_seconds: float = Field(
        default=10, gt=0, description="the wait after the first failed POST; doubled each time"
    )
    notify_retry_max_seconds: float = Field(
        default=300, gt=0, description="the longest wait between two tries"
    )
    notify_max_attempts: int = Field(
        default=8, ge=1, le=100, description="tries before a text is given up"
    )
    citizen_live_max: int = Field(
        default=2000, ge=1,
        description="live ticket pages one server process keeps open; more fall back to "
        "refreshing every 30 seconds",
    )
    survey_days: int = Field(
        default=3, ge=1, le=60,
        description="days after the service during which its satisfaction survey may be answered",
    )

    @model_validator(mode="after")
    def _notice_message_placeholders(self) -> ServerSettings:
        fields = Formatter().parse(self.notify_message)
        used = {name for _, name, _, _ in fields if name is not None}
        unknown = sorted(used - set(NOTICE_PLACEHOLDERS))
        if unknown:
            raise ValueError(
                f"notify_message uses unknown placeholders {unknown}; "
                f"known: {', '.join(NOTICE_PLACEHOLDERS)}"
            )
        return self
