"""Hostile and broken variants of valid returns, for the fuzz test (``test_returns_fuzz.py``) and the long
fuzz campaign (``bench/fuzz_ingest.py``).

:func:`variant` draws one input — a file name and its bytes — from a ``random.Random``: a valid return
(workbook with a task sheet, a workbook with a percent style, CSV in UTF-8 or GBK) mutated at one of five
levels: raw bytes, zip members (dropped, duplicated, damaged, lying sizes or CRC, bombs), XML text of a part
(snippets a hostile file uses: DOCTYPE, unclosed cells, far cells, formulas without values, error cells),
cell values (control characters, ANSI escapes, formulas, huge numbers, percent signs), and the file name
(formula-like, control characters, long names, other spreadsheet suffixes).
"""

from __future__ import annotations

import io
import random
import struct
import warnings
import zipfile
from datetime import date
from functools import lru_cache

from taizhang.returns import METRICS_SHEET, TASK_COLUMNS, TASKS_SHEET, xlsx_bytes
from taizhang.targets import load_registry

PLAN = "bayannur"
UNITS = ("临河区", "五原县", "磴口县", "乌拉特前旗", "杭锦后旗", "临河", "未知县")
SUFFIXES = (".xlsx", ".xlsx", ".xlsx", ".xlsm", ".csv", ".csv", ".xls", ".et", ".ods", ".xlsb", ".txt", "")
SNIPPETS = (
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>', b"<!ENTITY b SYSTEM 'file:///etc/passwd'>", b"&a;", b"<!-- -->",
    b'<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>', b'<c r="A1048576"><v>1</v></c>',
    b'<c r="D6"><f>SUM(D7:D9)</f></c>', b'<c r="D7" t="e"><v>#DIV/0!</v></c>', b'<c r="D8" s="999"><v>0.85</v></c>',
    b'<c r="D6"', b"<c>", b"</c>", b"<row>", b'<row r="999999999999">', b"<v>", b"</v>", b"<is><t>",
    b'<c r="ZZZZ1"><v>1</v></c>', b'<c r="A0"><v>1</v></c>', b'<c r="D6" t="s"><v>99999</v></c>',
    b'<c r="D6" t="b"><v>1</v></c>', b'<c r="D6" t="d"><v>2024-13-45</v></c>', b"\x00", b"\xff\xfe", b"]]>",
    '<sheet name="指标" sheetId="9" r:id="rId9"/>'.encode(), b'<numFmt numFmtId="200" formatCode="0.0%"/>',
)
TEXTS = ("\x07", "\x1b[31m", "\x1b]0;title\x07", "_x0007_", "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)", "\u202e",
         "85%", "８５％", "1,234", "1e308", "NaN", "-0", "１２", "#DIV/0!", "约100", "\r\n", "\t", "x" * 300, "",
         "2024-06", "2024年6月", "已完成", "\ufeff")


def registry():
    """The project's registry (loaded once)."""
    return _registry()


@lru_cache(maxsize=1)
def _registry():
    return load_registry()


def _rows(values: dict | None = None, unit: str = "临河区", period: str = "2024-06") -> list[list]:
    reg = registry()
    fields = reg.return_fields(PLAN)
    base = {f: 100 if (reg.fields[f].max or 200) >= 100 else reg.fields[f].max // 2 for f in fields}
    base.update(required_items=800, entered_items=790, one_window_items=700, total_items=900)
    base.update(values or {})
    out = [["政务服务目标台账 月度报表"], ["填报单位", unit, None, "方案编号", PLAN],
           ["统计月份", period, None, "填报日期", date(2024, 7, 5)], [], ["字段代码", "指标项", "单位", "数值", "备注"]]
    return out + [[f, reg.fields[f].name, reg.fields[f].unit, base[f], None] for f in fields]


@lru_cache(maxsize=1)
def seeds() -> tuple[tuple[str, bytes], ...]:
    """Valid returns to start from: (suffix, bytes)."""
    reg = registry()
    milestone = next(t.id for t in reg.plan(PLAN).targets if t.kind == "milestone" and "county" in t.levels)
    tasks = [list(TASK_COLUMNS), [milestone, "", "", "", date(2024, 6, 20), "见附件", "已完成"]]
    book = xlsx_bytes([(METRICS_SHEET, _rows()), (TASKS_SHEET, tasks)])
    text = "\n".join(",".join("" if c is None else str(c) for c in row) for row in _rows())
    return ((".xlsx", book), (".xlsx", xlsx_bytes([(METRICS_SHEET, _rows())])), (".csv", text.encode("utf-8")),
            (".csv", text.encode("gbk")))


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    return [(i, zf.read(i.filename)) for i in zf.infolist()]


def _zip(members, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", compression) as z:
        warnings.simplefilter("ignore")  # duplicate member names are one of the mutations
        for info, content in members:
            zi = zipfile.ZipInfo(info.filename, date_time=(2022, 1, 1, 0, 0, 0))
            zi.compress_type = compression
            z.writestr(zi, content)
    return buf.getvalue()


def _patch_header(data: bytes, member: int, rng: random.Random) -> bytes:
    """Lie in the local and central header of the ``member``-th entry: size, CRC, method or flags."""
    buf = bytearray(data)
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        return data
    info = infos[member % len(infos)]
    eocd = data.rfind(b"PK\x05\x06")
    cd = struct.unpack("<I", data[eocd + 16:eocd + 20])[0]
    for _ in range(member % len(infos)):
        n, m, k = struct.unpack("<HHH", data[cd + 28:cd + 34])
        cd += 46 + n + m + k
    off = info.header_offset
    what = rng.choice(("size", "crc", "method", "flag", "compressed"))
    fields = {"size": ((22, 24), "<I", rng.choice((0, 1, 2048, info.file_size * 2, 2**32 - 1))),
              "crc": ((14, 16), "<I", rng.getrandbits(32)), "method": ((8, 10), "<H", rng.choice((0, 8, 9, 12, 99))),
              "flag": ((6, 8), "<H", rng.choice((1, 8, 0x41))),
              "compressed": ((18, 20), "<I", rng.choice((0, 1, info.compress_size // 2, 2**31)))}
    (lo, co), fmt, value = fields[what]
    size = struct.calcsize(fmt)
    buf[off + lo:off + lo + size] = struct.pack(fmt, value)
    if rng.random() < 0.8:
        buf[cd + co:cd + co + size] = struct.pack(fmt, value)
    return bytes(buf)


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """Flip, insert, delete, repeat or truncate raw bytes."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        if not buf:
            break
        op = rng.randrange(6)
        i = rng.randrange(len(buf))
        if op == 0:
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[i:i] = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 16)))
        elif op == 2:
            del buf[i:i + rng.randint(1, 512)]
        elif op == 3:
            buf[i:i] = buf[i:i + rng.randint(1, 64)] * rng.randint(2, 200)
        elif op == 4:
            del buf[i:]
        else:
            buf[:4] = rng.choice((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\xef\xbb\xbf", b"\xff\xfe"))
    return bytes(buf)


def mutate_members(rng: random.Random, data: bytes) -> bytes:
    """Drop, duplicate, replace or inflate a zip member, store uncompressed, or lie in a header."""
    members = _members(data)
    op = rng.randrange(7)
    k = rng.randrange(len(members))
    if op == 0:
        del members[k]
    elif op == 1:
        members.insert(rng.randrange(len(members) + 1), members[k])
    elif op == 2:
        members[k] = (members[k][0], bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300))))
    elif op == 3:  # a bomb, honest or not
        size = rng.choice((2, 12, 45)) * 1024 * 1024
        members[k] = (members[k][0], members[k][1] + b" " * size)
        out = _zip(members)
        return _patch_header(out, k, rng) if rng.random() < 0.5 else out
    elif op == 4:
        return _zip(members, zipfile.ZIP_STORED)
    elif op == 5:
        return _patch_header(_zip(members), k, rng)
    else:
        members.append((zipfile.ZipInfo(rng.choice(("xl/worksheets/sheet9.xml", "docProps/core.xml", "../../x.xml",
                                                    "xl/media/image1.png", "xl/sharedStrings.xml"))),
                        rng.choice(SNIPPETS) * rng.randint(1, 50)))
    return _zip(members)


def mutate_xml(rng: random.Random, data: bytes) -> bytes:
    """Insert hostile snippets into, cut, or repeat slices of one XML part of the workbook."""
    members = _members(data)
    xml = [j for j, (i, _) in enumerate(members) if i.filename.endswith((".xml", ".rels"))]
    j = rng.choice(xml)
    if rng.random() < 0.6:
        j = next((x for x in xml if members[x][0].filename.endswith("sheet1.xml")), j)
    info, content = members[j]
    buf = bytearray(content)
    for _ in range(rng.randint(1, 5)):
        i = rng.randrange(len(buf) + 1)
        op = rng.randrange(4)
        if op == 0:
            buf[i:i] = rng.choice(SNIPPETS) * (1 if rng.random() < 0.8 else rng.randint(2, 20000))
        elif op == 1:
            del buf[i:i + rng.randint(1, 200)]
        elif op == 2:
            buf[i:i] = bytes(buf[i:i + rng.randint(1, 80)]) * rng.randint(2, 3000)
        else:
            buf[i:i] = rng.choice((b"<", b">", b"&", b'"', b"/", b"=", b" "))
    members[j] = (info, bytes(buf))
    return _zip(members)


def _value(rng: random.Random):
    op = rng.randrange(8)
    if op == 0:
        return rng.choice(TEXTS)
    if op == 1:
        return "".join(rng.choice(TEXTS) for _ in range(rng.randint(1, 4)))
    if op == 2:
        return rng.choice((0, -1, 10**15, 1e-300, 0.1 + 0.2, 3.0000000000000004, 2**53 + 1, 24.5, 1_000_000))
    if op == 3:
        return rng.uniform(-1e6, 1e7)
    if op == 4:
        return date(rng.randint(1990, 2100), rng.randint(1, 12), rng.randint(1, 28))
    if op == 5:
        return rng.choice((True, False, None))
    if op == 6:
        return "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(1, 12)))
    return rng.randint(0, 5000)


def mutate_cells(rng: random.Random) -> tuple[str, bytes]:
    """A return written with hostile or odd cell values (and sometimes an odd sheet name), workbook or CSV."""
    rows = _rows(unit=rng.choice(UNITS), period=rng.choice(("2024-06", "2024-13", "2099-01", "2024/6")))
    for _ in range(rng.randint(1, 8)):
        r = rng.randrange(len(rows))
        row = rows[r]
        c = rng.randrange(max(len(row), 1) + 2)
        row += [None] * (c + 1 - len(row))
        row[c] = _value(rng)
    if rng.random() < 0.3:
        rows.insert(rng.randrange(len(rows)), [_value(rng) for _ in range(rng.randint(1, 70))])
    if rng.random() < 0.5:
        sheet = rng.choice((METRICS_SHEET, METRICS_SHEET, " 指标 ", "Sheet1", "指标\x07"))
        safe = [[c if not isinstance(c, str) else c.replace("\x00", "") for c in row] for row in rows]
        return ".xlsx", xlsx_bytes([(sheet, safe)])
    sep = rng.choice((",", ",", ";", "\t"))
    text = "\n".join(sep.join("" if c is None else str(c) for c in row) for row in rows)
    return ".csv", text.encode(rng.choice(("utf-8", "utf-8-sig", "gb18030", "utf-16")), "replace")


def file_name(rng: random.Random, suffix: str) -> str:
    """A file name as districts (or attackers) send them; at most 255 bytes, no '/' or NUL."""
    unit = rng.choice(UNITS)
    period = rng.choice(("2024-06", "2024-05", "2099-01", "2024-13"))
    op = rng.randrange(6)
    if op == 0:
        stem = f"{unit}_{period}"
    elif op == 1:
        stem = f"=cmd|' -C calc'!A0_{period}"
    elif op == 2:
        stem = f"\x1b[31m{unit}\x07_{period}"
    elif op == 3:
        stem = "临" * rng.randint(40, 80)
    elif op == 4:
        stem = f"{unit}_{period} - 副本"
    else:
        stem = "".join(rng.choice(TEXTS) for _ in range(3)).replace("/", "").replace("\x00", "") or "x"
    if rng.random() < 0.25:
        suffix = rng.choice(SUFFIXES)
    stem = stem.replace("/", "_").replace("\x00", "")
    name = f"{stem}{suffix}"
    while len(name.encode()) > 250:
        stem = stem[:-1]
        name = f"{stem}{suffix}"
    return name if name not in (".", "..") else "x.xlsx"


def variant(rng: random.Random) -> tuple[str, bytes, str]:
    """One fuzz input: (file name, bytes, which mutation made it)."""
    level = rng.choice(("bytes", "members", "xml", "xml", "cells", "cells", "name"))
    suffix, data = rng.choice(seeds())
    if level == "bytes":
        data = mutate_bytes(rng, data)
    elif level == "members" and suffix == ".xlsx":
        data = mutate_members(rng, data)
    elif level == "xml" and suffix == ".xlsx":
        data = mutate_xml(rng, data)
    elif level == "cells":
        suffix, data = mutate_cells(rng)
    return file_name(rng, suffix), data, level
