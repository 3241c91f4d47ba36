"""Reads ESC/POS bytes back the way a printer would: lines, sizes, QR codes, images, cuts.

Written from the ESC/POS command reference, independently of the code that
makes the bytes; an unknown command is an error, so nothing slips past.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

ESC, GS, LF = 0x1B, 0x1D, 0x0A


@dataclass(frozen=True)
class Line:
    text: str
    width: int  # character width multiplier
    height: int
    bold: bool
    invert: bool
    align: int  # 0 left, 1 centre, 2 right


@dataclass
class Printout:
    lines: list[Line] = field(default_factory=list)
    native_qr: list[str] = field(default_factory=list)
    qr_module_dots: list[int] = field(default_factory=list)
    images: list[Image.Image] = field(default_factory=list)
    cuts: int = 0
    feeds: int = 0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class _State:
    width: int = 1
    height: int = 1
    bold: bool = False
    invert: bool = False
    align: int = 0


def read(data: bytes) -> Printout:
    out = Printout()
    state = _State()
    text = bytearray()
    i = 0

    def end_line() -> None:
        out.lines.append(
            Line(text.decode("ascii"), state.width, state.height, state.bold, state.invert,
                 state.align)
        )
        text.clear()

    while i < len(data):
        byte = data[i]
        if byte == LF:
            end_line()
            i += 1
        elif 0x20 <= byte < 0x7F:
            text.append(byte)
            i += 1
        elif byte == ESC:
            command = data[i + 1]
            if command == ord("@"):
                state = _State()
                i += 2
            elif command in b"aE-tM":
                value = data[i + 2]
                if command == ord("a"):
                    state.align = value
                elif command == ord("E"):
                    state.bold = bool(value)
                i += 3
            elif command == ord("!"):
                value = data[i + 2]
                state.width = 2 if value & 0x20 else 1
                state.height = 2 if value & 0x10 else 1
                state.bold = bool(value & 0x08)
                i += 3
            elif command == ord("d"):
                out.feeds += data[i + 2]
                i += 3
            else:
                raise ValueError(f"unknown ESC {command:#x} at {i}")
        elif byte == GS:
            command = data[i + 1]
            if command == ord("!"):
                value = data[i + 2]
                state.width, state.height = (value >> 4) + 1, (value & 0x0F) + 1
                i += 3
            elif command == ord("B"):
                state.invert = bool(data[i + 2])
                i += 3
            elif command == ord("V"):
                mode = data[i + 2]
                out.cuts += 1
                i += 4 if mode in (65, 66) else 3
            elif command == ord("(") and data[i + 2] == ord("k"):
                length = data[i + 3] + 256 * data[i + 4]
                body = data[i + 5 : i + 5 + length]
                code_type, function = body[0], body[1]
                if code_type == 0x31 and function == 0x50:  # store the data (after m)
                    out.native_qr.append(body[3:].decode("utf-8"))
                elif code_type == 0x31 and function == 0x43:
                    out.qr_module_dots.append(body[2])
                i += 5 + length
            elif command == ord("v") and data[i + 2] == ord("0"):
                width_bytes = data[i + 4] + 256 * data[i + 5]
                height = data[i + 6] + 256 * data[i + 7]
                start = i + 8
                raster = data[start : start + width_bytes * height]
                # In the raster a set bit burns a dot; in the image black is 0.
                image = Image.frombytes("1", (width_bytes * 8, height), raster)
                out.images.append(Image.eval(image.convert("L"), lambda v: 255 - v))
                i = start + width_bytes * height
            else:
                raise ValueError(f"unknown GS {command:#x} at {i}")
        else:
            raise ValueError(f"unexpected byte {byte:#x} at {i}")
    if text:
        end_line()
    return out
