"""Keyframe images for the sandbox transcoder: a JPEG frame from ``ffmpeg`` when it can read the source,
otherwise a small grey PNG written in Python (so the sandbox works without ffmpeg or on non-media bytes).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

KEYFRAME_WIDTH = 320
PLACEHOLDER_HEIGHT = 180
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's start-of-frame marker."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        if marker == 0xFF:
            i += 1
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        i += 2 + length
    return None


def placeholder_png(width: int = KEYFRAME_WIDTH, height: int = PLACEHOLDER_HEIGHT) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    row = b"\x00" + b"\x80\x80\x80" * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def render_keyframe(source: Path | None) -> tuple[bytes, str, int, int]:
    """(image bytes, format, width, height) for the first frame of ``source``."""
    ffmpeg = shutil.which("ffmpeg")
    if source is not None and ffmpeg:
        command = [
            ffmpeg,
            "-v",
            "error",
            "-nostdin",
            "-i",
            str(source),
            "-frames:v",
            "1",
            "-vf",
            f"scale={KEYFRAME_WIDTH}:-2",
            "-f",
            "image2pipe",
            "-c:v",
            "mjpeg",
            "pipe:1",
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=20, check=False)
        except (OSError, subprocess.TimeoutExpired):
            done = None
        if done is not None and done.returncode == 0 and done.stdout.startswith(b"\xff\xd8"):
            size = jpeg_size(done.stdout)
            if size is not None:
                return done.stdout, "JPEG", size[0], size[1]
    return placeholder_png(), "PNG", KEYFRAME_WIDTH, PLACEHOLDER_HEIGHT
