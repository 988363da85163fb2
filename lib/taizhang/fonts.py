"""Chinese fonts for charts and printed reports.

We ship no font files: the PyPI package ``pylopdf-fonts-zh-cn`` carries Noto Sans SC and Noto Serif SC
(SIL OFL 1.1, ≈17 MB), so ``pip install`` brings them on every platform (Debian, Windows/Anaconda, intranet
mirrors) without root. The font is registered with matplotlib at run time through
``font_manager.fontManager.addfont``, which also side-steps a stale matplotlib font cache.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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
