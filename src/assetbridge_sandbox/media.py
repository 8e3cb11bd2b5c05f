"""Small real media files for the seeded catalog.

With Debian's ``ffmpeg`` on the PATH the sandbox makes real H.264/AAC MP4 videos, JPEG images and
MP3 audio (a few KB to a few hundred KB each, different per asset). Without it, it writes valid files
in pure Python: uncompressed YUV4MPEG2 video (``.y4m``, which ffmpeg and VLC play), PNG images and WAV
audio, so every seeded asset still has bytes whose type matches its name.

Files are reused when already present (the same seed makes the same names), so a restart is fast.
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Literal

Kind = Literal["Video", "Image", "Audio"]


def choose_backend(mode: Literal["auto", "ffmpeg", "synthetic"]) -> str:
    has_ffmpeg = shutil.which("ffmpeg") is not None
    if mode == "ffmpeg" and not has_ffmpeg:
        raise RuntimeError("media: ffmpeg was requested but is not installed (apt-get install ffmpeg)")
    if mode == "synthetic" or not has_ffmpeg:
        return "synthetic"
    return "ffmpeg"


def make_sample(
    directory: Path, stem: str, kind: Kind, backend: str, *, variant: int = 0
) -> tuple[Path, str, str]:
    """Write (or reuse) one sample file; returns (path, file name, content type)."""
    if backend == "ffmpeg":
        ext, ctype = {
            "Video": (".mp4", "video/mp4"),
            "Image": (".jpg", "image/jpeg"),
            "Audio": (".mp3", "audio/mpeg"),
        }[kind]
    else:
        ext, ctype = {
            "Video": (".y4m", "video/x-yuv4mpeg"),
            "Image": (".png", "image/png"),
            "Audio": (".wav", "audio/wav"),
        }[kind]
    path = directory / f"{stem}{ext}"
    if not path.exists() or path.stat().st_size == 0:
        tmp = path.with_suffix(path.suffix + ".part")
        if backend == "ffmpeg":
            _ffmpeg(tmp, kind, variant, ext)
        else:
            _synthetic(tmp, kind, variant)
        tmp.replace(path)
    return path, path.name, ctype


def _ffmpeg(out: Path, kind: Kind, variant: int, ext: str) -> None:
    hue = variant * 37 % 360
    freq = 220 + (variant * 55) % 660
    fmt = {".mp4": "mp4", ".jpg": "mjpeg", ".mp3": "mp3"}[ext]
    if kind == "Video":
        args = [
            "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=15:duration=2,hue=h={hue}",
            "-f", "lavfi", "-i", f"sine=frequency={freq}:duration=2",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
        ]  # fmt: skip
    elif kind == "Image":
        args = ["-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=1,hue=h={hue}", "-frames:v", "1"]
    else:
        args = ["-f", "lavfi", "-i", f"sine=frequency={freq}:duration=3", "-c:a", "libmp3lame", "-b:a", "64k"]
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args, "-f", fmt, str(out)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


def _synthetic(out: Path, kind: Kind, variant: int) -> None:
    if kind == "Video":
        out.write_bytes(_y4m(64, 36, frames=10, shade=variant))
    elif kind == "Image":
        out.write_bytes(_png(64, 36, shade=variant))
    else:
        out.write_bytes(_wav(seconds=1.0, freq=220 + (variant * 55) % 660))


def _y4m(width: int, height: int, *, frames: int, shade: int) -> bytes:
    header = f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n".encode()
    out = bytearray(header)
    for f in range(frames):
        y = bytes(((x + f * 4 + shade * 9) % 256) for x in range(width)) * height
        uv = bytes([(128 + shade * 13) % 256]) * (width // 2 * height // 2)
        out += b"FRAME\n" + y + uv + uv
    return bytes(out)


def _png(width: int, height: int, *, shade: int) -> bytes:
    rows = b"".join(
        b"\x00"
        + b"".join(
            bytes(((x * 4 + shade * 20) % 256, (y * 7) % 256, (shade * 50) % 256)) for x in range(width)
        )
        for y in range(height)
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _wav(*, seconds: float, freq: int, rate: int = 8000) -> bytes:
    n = int(seconds * rate)
    samples = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i / rate))) for i in range(n)
    )
    header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVEfmt "
    header += (
        struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(samples))
    )
    return header + samples
