"""Reading what a picture shows: offline OCR with RapidOCR (PP-OCRv4 on onnxruntime).

Why this engine: ``rapidocr-onnxruntime`` is a wheel that ships its three models
(detection, orientation, recognition: PP-OCRv4, Chinese and Latin script) inside the
package, so ``pip install`` alone brings everything and nothing is fetched at run time.
Tesseract would need a system binary and per-language data files.

The engine is loaded once per process, lazily (the first picture pays about half a
second), and guarded by a lock: onnxruntime sessions are not documented as safe to call
from two threads at once. Readings are cached by the SHA-256 of the exact bytes read, so
the export preview, the page rebuild and the leak gate read each picture once; a cache
hit is by construction a reading of the very same bytes.

What it cannot read (said in docs/bundles.md and in the export report): scripts it has
no model for (Arabic script such as Uyghur, Tibetan, Burmese, Thai, Devanagari, Hangul,
Cyrillic beyond look-alike letters…), handwriting it was not trained on, text too small
or blurred, and anything that is not text (a face, a place, a voice).
"""

from __future__ import annotations

import hashlib
import io
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PIL import Image

#: The scripts the recognition model was trained on (Unicode script names as they start
#: ``unicodedata.name``): Han for Chinese, Latin, and the digits and punctuation shared by
#: every script ("common"). Text in any other script is not read.
READ_SCRIPTS = ("CJK", "LATIN", "DIGIT", "FULLWIDTH", "IDEOGRAPHIC")
#: Pictures are scaled so that their longer side is at most this many pixels before text
#: is detected (a 12 MP photo is read at about 2 MP; lines of text a few pixels tall in
#: the original may then be missed: measured in bench/export_media.py).
DETECT_SIDE = 1600
#: Lines recognised with a lower confidence than this are dropped as noise.
MIN_SCORE = 0.5
_CACHE_SIZE = 4096  # readings are small: a few lines of text each

_engine: Any = None
_lock = threading.Lock()
_cache: OrderedDict[str, Reading] = OrderedDict()


class OcrUnavailable(RuntimeError):
    """The OCR engine could not be loaded (a broken install); nothing was read."""


@dataclass(frozen=True)
class Line:
    """One line of recognised text, with its box in the picture's pixels."""

    text: str
    box: tuple[float, float, float, float]
    """``(x0, y0, x1, y1)``: the axis-aligned box around the detected quadrilateral."""
    score: float


@dataclass(frozen=True)
class Reading:
    """What OCR found in one picture."""

    lines: tuple[Line, ...]
    width: int
    height: int

    @property
    def text(self) -> str:
        """Every line, one per line of text, in reading order."""
        return "\n".join(line.text for line in self.lines)


def _load() -> Any:
    global _engine
    if _engine is None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:  # pragma: no cover - it is a dependency
            raise OcrUnavailable("the OCR engine (rapidocr-onnxruntime) is not installed; "
                                 "reinstall evault") from exc
        # Two threads: the machines this runs on are laptops, and the gate runs inside
        # the export that the user is waiting for.
        # No orientation classifier: measured on a dense A4 page it turned 6 of 30 lines
        # upside down and lost them, and cost time; pictures are turned upright from
        # their EXIF orientation before they are read.
        _engine = RapidOCR(intra_op_num_threads=2, inter_op_num_threads=1,
                           det_limit_side_len=DETECT_SIDE, det_limit_type="max",
                           use_cls=False, text_score=MIN_SCORE, print_verbose=False)
    return _engine


def read_image(image: Image.Image) -> Reading:
    """OCR one decoded picture (any mode; alpha is composited on white first)."""
    import numpy as np

    rgb = _rgb(image)
    with _lock:
        engine = _load()
        result, _elapsed = engine(np.asarray(rgb))
    lines: list[Line] = []
    for box, text, score in result or ():
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        lines.append(Line(str(text), (min(xs), min(ys), max(xs), max(ys)), float(score)))
    lines.sort(key=lambda ln: (round(ln.box[1] / 8), ln.box[0]))
    return Reading(tuple(lines), rgb.width, rgb.height)


def read_bytes(data: bytes) -> Reading:
    """OCR an encoded picture (JPEG, PNG…), cached by the SHA-256 of ``data``."""
    key = hashlib.sha256(data).hexdigest()
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        reading = read_image(img)
    remember(data, reading)
    return reading


def remember(data: bytes, reading: Reading) -> None:
    """Cache ``reading`` as the reading of the encoded picture ``data`` (used when the
    picture was read from its pixels just before being encoded)."""
    key = hashlib.sha256(data).hexdigest()
    with _lock:
        _cache[key] = reading
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and
                                               "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def unread_scripts(texts: Iterable[str]) -> list[str]:
    """The writing systems in ``texts`` that the model cannot read (``ARABIC``,
    ``TIBETAN``, ``MYANMAR``…), sorted; empty when every letter is Latin or Han."""
    found: set[str] = set()
    for text in texts:
        for ch in text:
            if not ch.isalpha():
                continue
            name = unicodedata.name(ch, "")
            if not name or name.startswith(READ_SCRIPTS):
                continue
            found.add(name.split(" ", 1)[0])
    return sorted(found)
