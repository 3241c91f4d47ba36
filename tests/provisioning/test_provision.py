"""firmware-config/provision.sh, run for every role against a scratch root laid
out like a fresh Raspberry Pi OS (Bookworm): the files it writes, a second run
that changes nothing, the units checked by `systemd-analyze verify` with the
installed program as their ExecStart, and shellcheck."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from antrean.settings import ProgramSettings
from counter.settings import CounterSettings
from display.settings import DisplaySettings
from kiosk.settings import KioskSettings
from server.config import ServerSettings

SETTINGS_OF: dict[str, type[ProgramSettings]] = {
    "server": ServerSettings,
    "kiosk": KioskSettings,
    "display": DisplaySettings,
    "counter": CounterSettings,
}

ROOT = Path(__file__).resolve().parents[2]
PROVISION = ROOT / "firmware-config" / "provision.sh"
ROLES = ["server", "kiosk", "display", "counter"]
UNITS = {
    "server": ["antrean-server.service", "antrean-backup.service", "antrean-backup.timer"],
    "kiosk": ["antrean-kiosk.service"],
    "display": ["antrean-display.service"],
    "counter": ["antrean-counter.service"],
}
PI_CMDLINE = (
    "console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 "
    "fsck.repair=yes rootwait\n"
)
PI_CONFIG = """\
# For more options and information see
# http://rptl.io/configtxt
dtparam=audio=on
camera_auto_detect=1
display_auto_detect=1
auto_initramfs=1
dtoverlay=vc4-kms-v3d
max_framebuffers=2
arm_64bit=1
disable_overscan=1

[cm4]
otg_mode=1

[all]
"""
PI_GROUPS = {  # as on Raspberry Pi OS, where the first user is in the hardware groups
    "root": 0, "lp": 7, "dialout": 20, "audio": 29, "video": 44, "input": 105,
    "render": 106, "i2c": 998, "gpio": 997, "spi": 999, "pi": 1000,
}


def fresh_pi_os(root: Path) -> Path:
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/bash\npi:x:1000:1000:,,,:/home/pi:/bin/bash\n"
    )
    (root / "etc" / "group").write_text(
        "".join(f"{name}:x:{gid}:{'' if name in ('root', 'pi') else 'pi'}\n"
                for name, gid in PI_GROUPS.items())
    )
    (root / "etc" / "shadow").write_text("root:*:19000:0:99999:7:::\npi:*:19000:0:99999:7:::\n")
    (root / "etc" / "gshadow").write_text("".join(f"{name}:*::\n" for name in PI_GROUPS))
    boot = root / "boot" / "firmware"
    boot.mkdir(parents=True)
    (boot / "config.txt").write_text(PI_CONFIG)
    (boot / "cmdline.txt").write_text(PI_CMDLINE)
    # The operating system's own units (sysinit.target and the rest), as on the Pi.
    shutil.copytree("/usr/lib/systemd/system", root / "usr" / "lib" / "systemd" / "system",
                    symlinks=True)
    return root


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """antrean built once, as a release would ship it."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--disable-pip-version-check", "--wheel-dir", str(folder), str(ROOT)],
        check=True, capture_output=True, timeout=600,
    )
    (built,) = folder.glob("antrean-*.whl")
    return built


def provision(root: Path, role: str, *options: str, code: int = 0) -> str:
    # pip's own settings keep the install offline and to antrean itself: the
    # dependencies are the suite's, the test is about what provision.sh does.
    env = {**os.environ, "PIP_NO_DEPS": "1", "PIP_NO_INDEX": "1"}
    done = subprocess.run(
        ["bash", str(PROVISION), role, "--root", str(root), *options],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == code, done.stdout + done.stderr
    return done.stdout + done.stderr


def tree(root: Path) -> dict[str, tuple[str, int, int, int]]:
    """Every file and link (outside the virtual environment): content, mode, owner."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = str(path.relative_to(root))
        if relative.startswith(("opt/antrean/.venv/", "usr/lib/systemd/")):
            continue
        info = path.lstat()
        if path.is_symlink():
            content = "-> " + os.readlink(path)
        elif path.is_file():
            content = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            content = "dir"
        found[relative] = (content, info.st_mode, info.st_uid, info.st_gid)
    return found


def fragment_lines(path: Path) -> list[str]:
    return [
        line.split("#", 1)[0].strip() for line in path.read_text().splitlines()
        if line.split("#", 1)[0].strip()
    ]


def group_members(root: Path) -> dict[str, set[str]]:
    members = {}
    for line in (root / "etc" / "group").read_text().splitlines():
        name, _, _, users = line.split(":")
        members[name] = set(filter(None, users.split(",")))
    return members


def unit_groups(unit: Path) -> set[str]:
    found = re.search(r"^SupplementaryGroups=(.*)$", unit.read_text(), re.MULTILINE)
    return set(found.group(1).split()) if found else set()


def verify(root: Path, unit: str) -> str:
    done = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", "--man=no", "--generators=no", unit],
        capture_output=True, text=True, timeout=120,
    )
    return f"exit {done.returncode}: {done.stdout}{done.stderr}".strip()


@pytest.mark.parametrize("role", ROLES)
def test_provisioning_each_role_writes_what_it_needs_and_twice_changes_nothing(
    role: str, wheel: Path, tmp_path: Path
) -> None:
    root = fresh_pi_os(tmp_path / "pi")
    device = [] if role == "server" else [
        "--server", "http://192.168.1.10:8000", "--site", "kec-utara", "--token", "atd_s3cret",
    ]
    first = provision(root, role, "--package", str(wheel), "--timezone", "Asia/Makassar", *device)
    assert "changes made" in first
    written = tree(root)
    second = provision(root, role, "--package", str(wheel), "--timezone", "Asia/Makassar", *device)
    assert second.rstrip().endswith("nothing to change"), second
    assert tree(root) == written

    fragments = ROOT / "firmware-config" / role
    # The service user: a system account without a login, in its role's groups only.
    user = next(line for line in (root / "etc/passwd").read_text().splitlines()
                if line.startswith("antrean:"))
    assert user.endswith(":/var/lib/antrean:/usr/sbin/nologin")
    assert int(user.split(":")[2]) < 1000
    wanted_groups = set(fragment_lines(fragments / "groups"))
    joined = {group for group, users in group_members(root).items() if "antrean" in users}
    assert joined == wanted_groups
    assert group_members(root)["gpio"] >= {"pi"}, "the groups' other members are kept"

    # The program, in its virtual environment, with the role's extra.
    version = subprocess.run(
        [str(root / "opt/antrean/.venv/bin/antrean"), "--version"],
        capture_output=True, text=True, check=True,
    )
    assert version.stdout.strip().startswith("antrean ")
    assert (root / "opt/antrean/installed").read_text().strip().endswith(f"[{role}]")
    assert "/opt/antrean/.venv/bin/antrean" in (root / "usr/local/bin/antrean").read_text()

    # Its unit(s), enabled, verified by systemd with the installed program.
    for unit in UNITS[role]:
        assert (root / "etc/systemd/system" / unit).read_bytes() == (
            ROOT / "systemd" / unit
        ).read_bytes()
        assert verify(root, unit) == "exit 0:"
    main_unit = root / "etc/systemd/system" / f"antrean-{role}.service"
    assert (root / "etc/systemd/system/multi-user.target.wants" / main_unit.name).is_symlink()
    assert unit_groups(main_unit) == wanted_groups
    if role == "server":
        assert (root / "etc/systemd/system/timers.target.wants/antrean-backup.timer").is_symlink()

    # Settings from the annotated template, and the token kept apart, for root only.
    if role == "server":
        settings = root / "var/lib/antrean/antrean-server.toml"
        assert 'host = "0.0.0.0"' in settings.read_text()
        assert oct((root / "etc/default/antrean").stat().st_mode & 0o777) == "0o640"
    else:
        settings = root / "etc/antrean" / f"{role}.toml"
        text = settings.read_text()
        assert 'server_url = "http://192.168.1.10:8000"' in text
        assert 'site = "kec-utara"' in text
        assert not re.search(r"^token\s*=", text, re.MULTILINE)
        secrets = root / "etc/default" / f"antrean-{role}"
        assert f"ANTREAN_{role.upper()}_TOKEN=atd_s3cret\n" in secrets.read_text()
        assert oct(secrets.stat().st_mode & 0o777) == "0o600"
    assert oct(settings.stat().st_mode & 0o777) == "0o640"
    # The program itself reads what was written, with no complaint.
    loaded = SETTINGS_OF[role].load(settings)
    if role != "server":
        assert loaded.site == "kec-utara"

    # The firmware fragments: one antrean block in config.txt, the Pi's own lines kept.
    config = (root / "boot/firmware/config.txt").read_text()
    assert config.startswith(PI_CONFIG.rstrip("\n"))
    assert config.count("# >>> antrean") == 1 and config.count("# <<< antrean <<<") == 1
    block = config.split("# >>> antrean", 1)[1]
    for line in fragment_lines(fragments / "config.txt"):
        assert line in block
    assert "dtparam=watchdog=on" in block
    cmdline = (root / "boot/firmware/cmdline.txt").read_text()
    assert cmdline.endswith("\n") and cmdline.count("\n") == 1
    words = cmdline.split()
    assert "root=PARTUUID=4e639091-02" in words and "rootwait" in words
    for word in fragment_lines(fragments / "cmdline.txt"):
        if word.startswith("-"):
            assert word[1:] not in words
        else:
            assert word in words
    assert "consoleblank=0" in words

    # The rest of the system: hardware watchdog, a small journal, the office's time zone.
    assert "RuntimeWatchdogSec=15" in (
        root / "etc/systemd/system.conf.d/antrean-watchdog.conf"
    ).read_text()
    assert (root / "etc/systemd/journald.conf.d/antrean.conf").is_file()
    assert os.readlink(root / "etc/localtime") == "/usr/share/zoneinfo/Asia/Makassar"
    assert (root / "etc/timezone").read_text() == "Asia/Makassar\n"
    if role == "kiosk":
        assert "console=serial0,115200" not in words
        assert 'GROUP="lp"' in (root / "etc/udev/rules.d/99-antrean-printer.rules").read_text()
    if role == "display":
        assert "video=HDMI-A-1:1920x1080@60D" in words
        assert "vt.global_cursor_default=0" in words
        assert "dtparam=audio=on" in block
    if role == "counter":
        assert "dtparam=i2c_arm=on" in block
        assert (root / "etc/modules-load.d/antrean-i2c.conf").read_text().strip().endswith(
            "i2c-dev"
        )


def test_every_unit_is_installed_by_a_role() -> None:
    shipped = {path.name for path in (ROOT / "systemd").iterdir()}
    assert shipped == {unit for units in UNITS.values() for unit in units}


def test_the_display_mode_and_a_read_only_root_change_only_their_words(
    wheel: Path, tmp_path: Path
) -> None:
    root = fresh_pi_os(tmp_path / "pi")
    skip = ["--skip", "venv,user"]
    provision(root, "display", *skip)
    provision(root, "display", *skip, "--video", "1366x768@60", "--read-only-root")
    words = (root / "boot/firmware/cmdline.txt").read_text().split()
    assert [w for w in words if w.startswith("video=")] == ["video=HDMI-A-1:1366x768@60D"]
    assert "overlayroot=tmpfs" in words
    assert provision(root, "display", *skip, "--video", "1366x768@60", "--read-only-root")\
        .rstrip().endswith("nothing to change")
    provision(root, "display", *skip, "--writable-root")
    words = (root / "boot/firmware/cmdline.txt").read_text().split()
    assert "overlayroot=tmpfs" not in words
    assert [w for w in words if w.startswith("video=")] == ["video=HDMI-A-1:1920x1080@60D"]
    assert "console=serial0,115200" in words, "the display keeps the serial console"


def test_a_dry_run_says_what_it_would_do_and_does_nothing(tmp_path: Path) -> None:
    root = fresh_pi_os(tmp_path / "pi")
    before = tree(root)
    out = provision(root, "kiosk", "--dry-run", "--token", "atd_x")
    assert tree(root) == before
    assert "would create the system user antrean" in out
    assert f"would install antrean[kiosk] from {ROOT} into /opt/antrean/.venv" in out
    assert "would update /boot/firmware/config.txt" in out
    assert "changes would be made" in out


def test_bad_requests_are_refused_with_a_reason(tmp_path: Path) -> None:
    root = fresh_pi_os(tmp_path / "pi")
    assert "unknown role 'printer'" in provision(root, "printer", code=2)
    assert "root stays writable" in provision(root, "server", "--read-only-root", code=2)
    assert "--video is for the display" in provision(root, "kiosk", "--video", "800x600", code=2)
    assert "WIDTHxHEIGHT" in provision(root, "display", "--video", "big", code=2)
    assert "unknown time zone" in provision(
        root, "kiosk", "--skip", "venv", "--timezone", "Asia/Atlantis", code=2
    )


def test_provision_is_shellcheck_clean() -> None:
    done = subprocess.run(
        ["shellcheck", "--severity=style", str(PROVISION)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout
