"""Chinese fonts for charts and printed reports.

We ship no font files: the PyPI package ``pylopdf-fonts-zh-cn`` carries Noto Sans SC and Noto Serif SC
(SIL OFL 1.1, ≈17 MB), so ``pip install`` brings them on every platform (Debian, Windows/Anaconda, intranet
mirrors) without root. The font is registered with matplotlib at run time through
``font_manager.fontManager.addfont``, which also side-steps a stale matplotlib font cache.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .atomic import atomic_write_bytes

SANS_FAMILY = "Noto Sans SC"
SERIF_FAMILY = "Noto Serif SC"
CSS_FONT_STACK = ('"Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
                  '"Hiragino Sans GB", "WenQuanYi Micro Hei", "SimHei", sans-serif')


def font_paths() -> tuple[Path, Path]:
    """Paths of the bundled Noto Sans SC and Noto Serif SC font files."""
    import pylopdf_fonts_zh_cn as fonts

    return fonts.sans_path(), fonts.serif_path()


@lru_cache(maxsize=None)
def use_chinese_font() -> str:
    """Register Noto Sans SC with matplotlib and make it the default family; return the family name."""
    import matplotlib
    from matplotlib import font_manager

    sans, _ = font_paths()
    font_manager.fontManager.addfont(str(sans))
    family = font_manager.FontProperties(fname=str(sans)).get_name()
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.fonttype"] = "none"
    return family


EMBED_FAMILY = "TZ Noto Sans SC"


def _font_cache_dir() -> Path:
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "taizhang" / "fonts"


def cff_to_truetype(font, max_err: float = 1.0) -> None:
    """Replace the CFF outlines of ``font`` (a fontTools ``TTFont``) by TrueType (``glyf``) outlines, in place.

    Chromium's PDF backend (Skia) embeds a CFF-flavoured OpenType font as Type 3 glyph procedures, which some
    viewers draw blurred and prepress checks reject; a TrueType font is embedded as a real font program
    (CIDFontType2). The cubic curves become quadratic ones within ``max_err`` font units (fontTools' cu2qu,
    as in its ``otf2ttf`` recipe); PostScript winding is reversed to TrueType's.
    """
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    if "CFF " not in font:
        return
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, attr, 1 if attr == "maxZones" else 0)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    del font["CFF "]
    if "VORG" in font:  # vertical origins belong to CFF fonts
        del font["VORG"]
    font.sfntVersion = "\x00\x01\x00\x00"
    font["head"].glyphDataFormat = 0


#: bump when the subset's build changes, so that cached subsets of an older build are not reused
_SUBSET_BUILD = "ttf1"


@lru_cache(maxsize=64)
def _subset_woff(chars: frozenset[int]) -> bytes:
    """Noto Sans SC subset to ``chars`` with TrueType outlines (:func:`cff_to_truetype`) as WOFF bytes, cached
    in memory and on disk (subsetting and converting cost ~1–2 s)."""
    import hashlib
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    sans = font_paths()[0]
    key = hashlib.sha256((_SUBSET_BUILD + str(sans.stat().st_size) + ",".join(map(str, sorted(chars))))
                         .encode()).hexdigest()[:24]
    cached = _font_cache_dir() / f"{key}.woff"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    font = TTFont(str(sans), lazy=True)
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    sub = subset.Subsetter(options=options)
    sub.populate(unicodes=chars)
    sub.subset(font)
    cff_to_truetype(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    data = buf.getvalue()
    try:  # the cache is an optimisation only: an unwritable home must not fail a report
        atomic_write_bytes(cached, data)
    except OSError:
        pass
    return data


def embedded_font_css(text: str, base: str = "") -> str:
    """An ``@font-face`` rule embedding Noto Sans SC subset to the characters of ``text`` (WOFF, data URI).

    Keeps a report self-contained (no font file, no URL) and identical on machines without Chinese fonts
    (Linux servers, headless Chromium for PDF); the subset of one report is typically 100–300 KB.
    ``base`` is text whose characters are always included (e.g. the plan's registry entries): when every
    report of a plan shares the same character set, the subset is computed once and then read from the
    cache (``$XDG_CACHE_HOME/taizhang/fonts``).
    """
    import base64

    chars = {ord(c) for c in set(text) | set(base) if not c.isspace()} | set(range(0x20, 0x7F))  # distinct first
    data = base64.b64encode(_subset_woff(frozenset(chars))).decode("ascii")
    return (f'@font-face {{ font-family: "{EMBED_FAMILY}"; font-weight: 100 900; '
            f'src: url(data:font/woff;base64,{data}) format("woff"); }}')
