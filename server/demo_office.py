"""The demo office: a kecamatan in WITA, open every day all day so the demo always runs."""

from __future__ import annotations

from server.admin import CounterSpec, ServiceSpec, SiteSpec
from server.engine.schedule import Schedule

DEMO_SITE = "demo"
DEMO_PASSWORD = "demo1234"
DEMO_USERS = [
    ("admin", "admin", "Admin Kecamatan"),
    ("supervisor", "supervisor", "Kepala Seksi Pelayanan"),
    ("petugas1", "officer", "Petugas Loket 1"),
    ("petugas2", "officer", "Petugas Loket 2"),
]


def demo_spec(public_url: str | None = None) -> SiteSpec:
    return SiteSpec(
        code=DEMO_SITE,
        name="Kantor Kecamatan Demo",
        timezone="Asia/Makassar",
        schedule=Schedule.every_day("00:00", "23:59:59"),
        address_lines=["Jl. Contoh No. 1, Kecamatan Demo", "Telp. (0548) 000000"],
        services=[
            ServiceSpec(
                "A",
                "KTP & Kartu Keluarga",
                "Fotokopi KK, surat pengantar RT/RW, KTP lama (untuk perubahan).",
                daily_quota=300,
                default_service_minutes=8,
            ),
            ServiceSpec(
                "B",
                "Akta Kelahiran & Kematian",
                "Surat keterangan lahir/kematian, KK, KTP orang tua atau pelapor, 2 saksi.",
                daily_quota=150,
                default_service_minutes=12,
            ),
            ServiceSpec(
                "C",
                "Surat Keterangan",
                "Surat pengantar RT/RW, KTP, KK. Untuk ahli waris: akta kematian.",
                default_service_minutes=6,
            ),
            ServiceSpec(
                "D",
                "Perizinan",
                "KTP, NPWP, foto lokasi usaha, surat pengantar kelurahan.",
                daily_quota=60,
                default_service_minutes=15,
            ),
            ServiceSpec(
                "E",
                "Informasi & Pengaduan",
                "",
                default_service_minutes=5,
            ),
        ],
        counters=[
            CounterSpec(1, "Loket 1", ["A", "C"]),
            CounterSpec(2, "Loket 2", ["A", "B"]),
            CounterSpec(3, "Loket 3", ["B", "C", "D"]),
            CounterSpec(4, "Loket 4", ["E", "D", "C"]),
        ],
        announcements=[
            "Siapkan berkas persyaratan sebelum dipanggil.",
            "Layanan malam: Selasa & Kamis 19.30–21.30 WITA.",
        ],
        public_url=public_url,
    )
