"""Opening a return file without trusting it: bounded time and memory whatever its bytes, name or type.

In order, before any spreadsheet parser sees the file:

1. the path itself (``os.lstat``): a symlink, folder, FIFO, device or socket is refused without being
   opened; a regular file is opened with ``O_NOFOLLOW | O_NONBLOCK`` and read once, at most
   :data:`MAX_FILE_BYTES` (+1 to notice more), and hashed from those same bytes;
2. the kind of file from its first bytes, not its name: the old ``.xls`` (OLE) format and encrypted
   workbooks, other spreadsheet formats by name (.et, .ods, .xlsb …: "请另存为 .xlsx"), a workbook renamed
   ``.csv`` is read as the workbook it is;
3. the zip archive: at most :data:`MAX_ZIP_MEMBERS` members, sizes declared in the headers checked, then
   every member inflated here in 64 KB steps with the *real* inflated size counted (headers can lie) against
   :data:`MAX_PART_BYTES` and :data:`MAX_UNCOMPRESSED_BYTES`, its CRC checked, and every XML part scanned
   for DOCTYPE / ENTITY declarations over its whole length (no parser sees a DTD);
4. the sheets that are read (指标, 任务完成情况) are scanned with expat (linear time, no regex over a part):
   a cell with content beyond :data:`MAX_ROWS` rows or :data:`MAX_COLS` columns is refused with its address
   before any grid is built; formulas without a cached value, error cells (#DIV/0!) and cells formatted as
   percentages are noted;
5. only then python-calamine reads the cell values of those sheets.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
import xml.etree.ElementTree as ET
from xml.parsers import expat

from ..errors import Location
from .codes import problem
from .model import ReturnRejected

METRICS_SHEET = "指标"
TASKS_SHEET = "任务完成情况"
ANSWERS_SHEET = "整改情况"  # the unit's answers to its 督办事项 (issue 14, taizhang.supervision.answers)
READ_SHEETS = (METRICS_SHEET, TASKS_SHEET, ANSWERS_SHEET)
RETURN_SUFFIXES = (".xlsx", ".xlsm", ".csv")
#: spreadsheet formats we cannot read: named in the rejection ("请另存为 .xlsx"), never skipped silently
OTHER_FORMATS = {".xls": "旧版 Excel 97-2003 工作簿", ".et": "WPS 表格", ".ett": "WPS 表格模板",
                 ".ods": "OpenDocument 电子表格", ".fods": "OpenDocument 电子表格", ".xlsb": "Excel 二进制工作簿",
                 ".numbers": "Numbers 表格", ".xlt": "Excel 模板", ".xltx": "Excel 模板", ".xltm": "Excel 模板",
                 ".wk4": "Lotus 表格", ".dbf": "dBase 表格"}

# limits that keep a hostile or broken file from using unbounded time or memory
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024
MAX_PART_BYTES = 10 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 300
MAX_ROWS = 2000
MAX_COLS = 64
MAX_CELLS = MAX_ROWS * MAX_COLS
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 64 * 1024
_DTD = re.compile(rb"<!(doctype|entity)", re.IGNORECASE)
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_NS_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass(frozen=True)
class Grid:
    """The cell values of a return file, sheet by sheet, plus what the value reader cannot see."""

    sheets: dict[str, list[list]]  # the sheets read (指标, 任务完成情况, 整改情况), by name
    formulas_without_value: dict[str, frozenset[str]]  # sheet → cell refs
    error_cells: dict[str, dict[str, str]]  # sheet → cell ref → error text (#DIV/0! …)
    csv: bool = False
    percent_cells: dict[str, frozenset[str]] = field(default_factory=dict)  # sheet → refs formatted as %
    sheet_names: tuple[str, ...] = ()  # every sheet of the workbook
    sha256: str = ""  # of the bytes read


def _reject(name: str, code: str, sha: str = "", /, **params) -> ReturnRejected:
    p = problem(code, Location(file=name), **params)
    return ReturnRejected(f"{p.where}：无法接收", [p], file=name, sha256=sha)


def _sheet_reject(name: str, sheet: str, ref: str, code: str, sha: str, /, **params) -> ReturnRejected:
    p = problem(code, Location(file=name, sheet=sheet, cell=ref), **params)
    return ReturnRejected(f"{name}：无法接收", [p], file=name, sha256=sha)


_KINDS = ((stat.S_ISDIR, "文件夹"), (stat.S_ISFIFO, "命名管道"), (stat.S_ISCHR, "字符设备"), (stat.S_ISBLK, "块设备"),
          (stat.S_ISSOCK, "套接字"))


def _kind(mode: int) -> str:
    return next((label for test, label in _KINDS if test(mode)), "特殊文件")


def read_bytes(path: Path) -> tuple[bytes, str]:
    """(bytes, sha256) of a regular file, read once and bounded; raises :class:`ReturnRejected` for a
    symlink or anything that is not a regular file (never opened), an empty file or one over the limit."""
    name = path.name
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise _reject(name, "file.unreadable", reason=exc.strerror or type(exc).__name__) from None
    if stat.S_ISLNK(st.st_mode):
        raise _reject(name, "file.symlink")
    if not stat.S_ISREG(st.st_mode):
        raise _reject(name, "file.not_regular", kind=_kind(st.st_mode))
    if st.st_size > MAX_FILE_BYTES:
        raise _reject(name, "file.too_large", size=f"{st.st_size / 1048576:.1f}", limit=MAX_FILE_BYTES // 1048576)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if not stat.S_ISREG(mode):  # replaced between lstat and open
                raise _reject(name, "file.not_regular", kind=_kind(mode))
            data = fh.read(MAX_FILE_BYTES + 1)
    except ReturnRejected:
        raise
    except OSError as exc:
        code = "file.symlink" if getattr(exc, "errno", None) == 40 else "file.unreadable"  # ELOOP: a symlink now
        raise _reject(name, code, **({} if code == "file.symlink" else {"reason": exc.strerror or type(exc).__name__})) from None
    sha = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_FILE_BYTES:
        raise _reject(name, "file.too_large", sha, size=f"{len(data) / 1048576:.1f}", limit=MAX_FILE_BYTES // 1048576)
    if not data:
        raise _reject(name, "file.empty", sha)
    return data, sha


def open_grid(path: Path) -> Grid:
    """Read a return file into a :class:`Grid` without trusting it; raises :class:`ReturnRejected`.

    See the module docstring for the checks and their order. Macros in ``.xlsm`` are never run (only cell
    values are read). Any failure of a parser is a rejection of the file, never an exception of another kind.
    """
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    data, sha = read_bytes(path)
    if suffix in OTHER_FORMATS and data[:8] == _CFB_MAGIC and _encrypted(data):
        raise _reject(name, "file.encrypted", sha)
    if suffix == ".xls":
        raise _reject(name, "file.xls", sha)
    if suffix in OTHER_FORMATS:
        raise _reject(name, "file.other_format", sha, kind=OTHER_FORMATS[suffix], suffix=path.suffix)
    if suffix not in RETURN_SUFFIXES:
        raise _reject(name, "file.type", sha, suffix=path.suffix or "无扩展名")
    if data[:8] == _CFB_MAGIC:
        raise _reject(name, "file.encrypted" if _encrypted(data) else "file.xls_renamed", sha)
    if suffix == ".csv" and data[:4] != _ZIP_MAGIC:
        return csv_grid(name, data, sha)
    if data[:4] != _ZIP_MAGIC:
        raise _reject(name, "file.damaged", sha, detail="不是有效的 .xlsx 文件")
    try:
        return _workbook_grid(name, data, sha)
    except ReturnRejected:
        raise
    except (MemoryError, RecursionError) as exc:
        raise _reject(name, "file.cannot_open", sha, detail=type(exc).__name__) from None


def _encrypted(data: bytes) -> bool:
    return "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data


# --------------------------------------------------------------------------------------------------
# the zip archive


def _inflate(name: str, sha: str, data: bytes, info: zipfile.ZipInfo, budget: int, keep: bool) -> tuple[bytes, int]:
    """Inflate one member from ``data`` in bounded steps: (content if ``keep`` else b"", real size).

    The real size is counted as it is produced and may not exceed ``budget`` or :data:`MAX_PART_BYTES`; the
    CRC and the declared size must match; XML parts are scanned for DTD/entity declarations over their whole
    length."""
    part = info.filename
    limit = min(budget, MAX_PART_BYTES)
    if info.flag_bits & 0x1:
        raise _reject(name, "zip.member_damaged", sha, part=part, detail="部件已加密")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _reject(name, "zip.member_damaged", sha, part=part, detail=f"不支持的压缩方式 {info.compress_type}")
    off = info.header_offset
    head = data[off:off + 30]
    if len(head) < 30 or head[:4] != _ZIP_MAGIC:
        raise _reject(name, "zip.member_damaged", sha, part=part, detail="找不到部件的本地文件头")
    n, m = struct.unpack("<HH", head[26:30])
    start = off + 30 + n + m
    raw = memoryview(data)[start:start + info.compress_size]
    if len(raw) != info.compress_size:
        raise _reject(name, "zip.member_damaged", sha, part=part,
                      detail=f"声明的压缩大小 {info.compress_size} 字节超出文件末尾")
    xml = part.lower().endswith((".xml", ".rels", ".vml"))
    out: list[bytes] = []
    size = crc = 0
    tail = b""
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None

    def take(chunk: bytes) -> None:
        nonlocal size, crc, tail
        if not chunk:
            return
        if xml and size == 0 and chunk[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise _reject(name, "xml.encoding", sha, part=part)
        size += len(chunk)
        if size > limit:
            raise _reject(name, "zip.inflated_size", sha, part=part, limit=limit // 1048576, declared=info.file_size)
        crc = zlib.crc32(chunk, crc)
        if xml:
            window = tail + chunk
            if b"<!" in window and _DTD.search(window):
                raise _reject(name, "xml.dtd", sha, part=part)
            tail = chunk[-9:]
        if keep:
            out.append(chunk)

    try:
        for i in range(0, len(raw), _CHUNK):
            piece = bytes(raw[i:i + _CHUNK])
            if inflater is None:
                take(piece)
                continue
            take(inflater.decompress(piece, _CHUNK))
            # after the end of the stream zlib keeps the rest of the input as an unconsumed tail and returns
            # nothing: stop there (a lying compressed size puts other members' bytes after the stream)
            while inflater.unconsumed_tail and not inflater.eof:
                take(inflater.decompress(inflater.unconsumed_tail, _CHUNK))
            if inflater.eof:
                break
        if inflater is not None:
            if not inflater.eof:
                take(inflater.flush(_CHUNK))
            if not inflater.eof:
                raise zlib.error("压缩数据不完整")
            used = i + len(piece) - len(inflater.unused_data) if raw else 0  # unused_data: input after the stream
            if used != info.compress_size:
                raise _reject(name, "zip.member_damaged", sha, part=part,
                              detail=f"压缩数据只有 {used} 字节，与声明的 {info.compress_size} 字节不符")
    except zlib.error as exc:
        raise _reject(name, "zip.member_damaged", sha, part=part, detail=f"压缩数据损坏：{exc}") from None
    if size != info.file_size:
        raise _reject(name, "zip.member_damaged", sha, part=part,
                      detail=f"实际大小 {size} 字节与声明的 {info.file_size} 字节不符")
    if crc != info.CRC:
        raise _reject(name, "zip.member_damaged", sha, part=part, detail="CRC 校验失败")
    return b"".join(out), size


def _members(name: str, sha: str, data: bytes) -> dict[str, bytes]:
    """Check the archive, inflate every member (bounded), return the content of the parts this module parses."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error, UnicodeDecodeError):
        raise _reject(name, "file.damaged", sha, detail="压缩包结构无效") from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _reject(name, "zip.members", sha, count=len(infos), limit=MAX_ZIP_MEMBERS)
    declared = sum(i.file_size for i in infos)
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise _reject(name, "zip.declared_size", sha, size=f"{declared / 1048576:.0f}",
                      limit=MAX_UNCOMPRESSED_BYTES // 1048576)
    for i in infos:
        if i.file_size > MAX_PART_BYTES:
            raise _reject(name, "zip.part_size", sha, part=i.filename, size=f"{i.file_size / 1048576:.0f}",
                          limit=MAX_PART_BYTES // 1048576)
        if i.file_size > 1048576 and i.file_size > MAX_COMPRESSION_RATIO * max(i.compress_size, 1):
            raise _reject(name, "zip.ratio", sha, part=i.filename, ratio=i.file_size // max(i.compress_size, 1))
    parts: dict[str, bytes] = {}
    budget = MAX_UNCOMPRESSED_BYTES
    for i in infos:
        if i.is_dir():
            continue
        keep = i.filename in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml") \
            or i.filename.startswith("xl/worksheets/")
        content, size = _inflate(name, sha, data, i, budget, keep)
        budget -= size
        if keep:
            parts[i.filename] = content
    return parts


def _workbook_grid(name: str, data: bytes, sha: str) -> Grid:
    parts = _members(name, sha, data)
    if "xl/workbook.xml" not in parts:
        raise _reject(name, "file.damaged", sha, detail="缺少 xl/workbook.xml")
    try:
        sheet_list = _sheet_list(parts["xl/workbook.xml"], parts.get("xl/_rels/workbook.xml.rels"))
        percent_styles = _percent_styles(parts.get("xl/styles.xml"))
    except Exception as exc:  # noqa: BLE001 - any parse failure of these parts means a damaged file
        raise _reject(name, "file.cannot_open", sha, detail=type(exc).__name__) from None
    names: list[str] = []
    wanted: dict[str, tuple[str, str | None]] = {}  # label → (sheet name in the workbook, part)
    for raw_name, part in sheet_list:
        label = raw_name.strip()
        names.append(label)
        if label in READ_SHEETS and label not in wanted:
            wanted[label] = (raw_name, part)
    formulas: dict[str, frozenset[str]] = {}
    errors: dict[str, dict[str, str]] = {}
    percents: dict[str, frozenset[str]] = {}
    for label, (_raw, part) in wanted.items():
        if part and part in parts:
            formulas[label], errors[label], percents[label] = _scan_sheet(name, sha, label, part, parts[part],
                                                                          percent_styles)
    sheets: dict[str, list[list]] = {}
    if wanted:
        try:
            from python_calamine import CalamineWorkbook

            wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
            try:
                for label, (raw_name, _part) in wanted.items():
                    sheets[label] = wb.get_sheet_by_name(raw_name).to_python(skip_empty_area=False)
            finally:
                close = getattr(wb, "close", None)
                if close:
                    close()
        except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types for damaged files
            raise _reject(name, "file.cannot_open", sha, detail=type(exc).__name__) from None
    for label, rows in sheets.items():  # calamine found more than the scan allowed (never expected)
        if len(rows) > MAX_ROWS or any(len(r) > MAX_COLS for r in rows[:1]):
            raise _reject(name, "sheet.too_many_rows", sha, sheet=label, limit=MAX_ROWS, cells=MAX_CELLS)
    return Grid(sheets, formulas, errors, percent_cells=percents, sheet_names=tuple(names), sha256=sha)


def _small_cached(fn):
    """``fn`` cached for small arguments only (parts of ordinary workbooks recur byte for byte; a hostile
    10 MB part is parsed but never kept)."""
    cached = lru_cache(maxsize=64)(fn)

    def call(*parts):
        return cached(*parts) if sum(len(p or b"") for p in parts) <= 65536 else fn(*parts)
    call.__doc__ = fn.__doc__
    return call


@_small_cached
def _sheet_list(book_xml: bytes, rels_xml: bytes | None) -> tuple[tuple[str, str | None], ...]:
    """(sheet name, worksheet part) of every sheet of a workbook, in order (cached: returns made from one
    template share these parts byte for byte)."""
    import defusedxml.ElementTree as DET

    book = DET.fromstring(book_xml, forbid_dtd=True)
    rels = DET.fromstring(rels_xml, forbid_dtd=True) if rels_xml is not None else ()
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = os.path.normpath(target).replace(os.sep, "/")
    return tuple((sheet.get("name") or "", targets.get(sheet.get(_NS_R))) for sheet in book.iter()
                 if str(sheet.tag).endswith("}sheet"))


@_small_cached
def _percent_styles(xml: bytes | None) -> frozenset[int]:
    """Indexes of the cell formats (``s`` attribute) whose number format shows a percentage."""
    if not xml:
        return frozenset()
    import defusedxml.ElementTree as DET

    root = DET.fromstring(xml, forbid_dtd=True)
    custom = {}
    for el in root.iter():
        if str(el.tag).endswith("}numFmt"):
            custom[el.get("numFmtId")] = el.get("formatCode") or ""
    out = set()
    for el in root.iter():
        if str(el.tag).endswith("}cellXfs"):
            for i, xf in enumerate(x for x in el if str(x.tag).endswith("}xf")):
                fid = xf.get("numFmtId") or "0"
                if fid in ("9", "10") or _is_percent_format(custom.get(fid, "")):
                    out.add(i)
    return frozenset(out)


def _is_percent_format(code: str) -> bool:
    """A number format code shows a percentage when it has a ``%`` outside quotes and escapes."""
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    return "%" in code.split(";")[0]


#: worksheet parts up to this size are scanned as a tree (C-parsed, fast); larger ones streamed with expat
#: (bounded memory). Both feed the same :class:`_SheetFacts`.
TREE_SCAN_BYTES = 1024 * 1024


class _SheetFacts:
    """What the scan of one worksheet learns, cell by cell, and the limits it enforces."""

    def __init__(self, name: str, sha: str, label: str, percent_styles: frozenset[int]) -> None:
        self.name, self.sha, self.label, self.percent_styles = name, sha, label, percent_styles
        self.missing: set[str] = set()
        self.errors: dict[str, str] = {}
        self.percent: set[str] = set()
        self.cells = 0

    def cell(self, ref: str, row: int, col: int, t: str | None, s: str | None, formula: bool, value: str | None,
             content: bool, text: str) -> None:
        self.cells += 1
        if self.cells > MAX_CELLS:
            raise _reject(self.name, "sheet.too_many_rows", self.sha, sheet=self.label, limit=MAX_ROWS, cells=MAX_CELLS)
        if not content:
            return
        if row > MAX_ROWS or col > MAX_COLS:
            shown = text or value or ""
            raise _sheet_reject(self.name, self.label, ref, "sheet.out_of_range", self.sha, cell=ref,
                                shown=f"（“{shown[:20]}”）" if shown else "", rows=MAX_ROWS, cols=MAX_COLS)
        if t == "e":
            self.errors[ref] = value or "#错误"
        elif formula and value is None and t != "inlineStr":
            self.missing.add(ref)
        elif value is not None and t in (None, "n") and s and s.isdigit() and int(s) in self.percent_styles:
            self.percent.add(ref)

    def position(self, ref: str | None, row: int, prev_col: int, part: str) -> tuple[str, int, int]:
        """(ref, row, col) of a cell: from its ``r`` attribute, else the next column of the current row."""
        if ref:
            m = _REF.fullmatch(ref)
            if not m:
                raise _sheet_reject(self.name, self.label, "", "xml.malformed", self.sha, part=part,
                                    detail=f"无效的单元格位置“{ref[:20]}”")
            col = 0
            for ch in m.group(1):
                col = col * 26 + ord(ch) - 64
            return ref, int(m.group(2)), col
        return f"{_letters(prev_col + 1)}{row}", row, prev_col + 1

    def result(self) -> tuple[frozenset[str], dict[str, str], frozenset[str]]:
        return frozenset(self.missing), self.errors, frozenset(self.percent)


def _row_number(r: str | None, prev: int) -> int:
    return int(r) if r and r.isdigit() and len(r) < 9 else prev + 1


def _scan_sheet(name: str, sha: str, label: str, part: str, xml: bytes, percent_styles: frozenset[int]
                ) -> tuple[frozenset[str], dict[str, str], frozenset[str]]:
    """Scan a worksheet part once, linear in its size: (formulas without value, error cells, percent cells).

    Refuses a cell with content beyond :data:`MAX_ROWS` × :data:`MAX_COLS`, naming it, and a sheet with more
    than :data:`MAX_CELLS` cells; no DTD reaches the parser (checked while inflating, and refused again here)."""
    if _nothing_to_note(xml, percent_styles):
        return frozenset(), {}, frozenset()
    facts = _SheetFacts(name, sha, label, percent_styles)
    if len(xml) <= TREE_SCAN_BYTES:
        _scan_tree(facts, part, xml)
    else:
        _scan_stream(facts, part, xml)
    return facts.result()


_QUICK_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_ANY_CELL = re.compile(rb"<c[\s/>]")
_EMPTY_CELL = re.compile(rb'<c r="[A-Z0-9]+"[^>]*/>')


def _nothing_to_note(xml: bytes, percent_styles: frozenset[int]) -> bool:
    """True when a quick look proves the full scan would find nothing: every cell tag is the plain
    ``<c r="A1"`` form, all within :data:`MAX_ROWS` × :data:`MAX_COLS`, no formula, no error value, no cell in
    a percent style, nothing prefixed or single-quoted. Linear (C-level searches with no backtracking); when in
    doubt the full scan runs. This keeps ordinary returns fast (most are written by our own template)."""
    if b"<f" in xml or b't="e"' in xml or b"'" in xml or b":c" in xml:
        return False
    refs = _QUICK_REF.findall(xml)
    if len(refs) > MAX_CELLS or len(refs) != len(_ANY_CELL.findall(xml)) \
            or len(refs) != xml.count(b"</c>") + len(_EMPTY_CELL.findall(xml)):
        return False
    if refs:
        cols, rows = zip(*refs)
        if max(map(len, rows)) >= 4 and max(map(int, rows)) > MAX_ROWS:
            return False
        longest = max(map(len, cols))
        if longest > 2:
            return False
        if longest == 2:
            widest = max(c for c in cols if len(c) == 2)
            if (widest[0] - 64) * 26 + widest[1] - 64 > MAX_COLS:
                return False
    return not any(f's="{i}"'.encode() in xml for i in percent_styles)


def _scan_tree(facts: _SheetFacts, part: str, xml: bytes) -> None:
    # the C parser of the standard library: the part was checked for DOCTYPE and ENTITY over its whole
    # length while it was inflated (:func:`_inflate`), so no entity can be declared, let alone expanded
    if _DTD.search(xml):
        raise _reject(facts.name, "xml.dtd", facts.sha, part=part)
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        line, code = getattr(exc, "position", (0, 0))[0], getattr(exc, "code", None)
        why = expat.ErrorString(code) if isinstance(code, int) else "格式错误"
        raise _reject(facts.name, "xml.malformed", facts.sha, part=part, detail=f"第 {line} 行：{why}") from None
    ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    c_tag, f_tag, v_tag, is_tag = ns + "c", ns + "f", ns + "v", ns + "is"
    row_no = 0
    for row in root.iter(ns + "row"):
        row_no = _row_number(row.get("r"), row_no)
        col = 0
        for c in row:
            if c.tag != c_tag:
                continue
            ref, r, col = facts.position(c.get("r"), row_no, col, part)
            kids = list(c)
            v = c.find(v_tag)
            inline = c.find(is_tag)
            text = "".join(inline.itertext())[:60] if inline is not None else ""
            facts.cell(ref, r, col, c.get("t"), c.get("s"), any(k.tag == f_tag for k in kids),
                       None if v is None else (v.text or "")[:64], bool(kids), text)


def _scan_stream(facts: _SheetFacts, part: str, xml: bytes) -> None:
    state = {"row": 0, "col": 0, "cur": None, "text": None}

    def start(tag: str, attrs: dict) -> None:
        tag = tag.rsplit(":", 1)[-1]
        cur = state["cur"]
        if tag == "c":
            ref, row, col = facts.position(attrs.get("r"), state["row"], state["col"], part)
            state["col"] = col
            state["cur"] = {"ref": ref, "row": row, "col": col, "t": attrs.get("t"), "s": attrs.get("s"),
                            "f": False, "v": None, "child": False, "is": ""}
        elif tag == "row":
            state["row"] = _row_number(attrs.get("r"), state["row"])
            state["col"] = 0
        elif cur is not None:
            cur["child"] = True
            if tag == "f":
                cur["f"] = True
            elif tag in ("v", "t"):
                state["text"] = []

    def end(tag: str) -> None:
        tag = tag.rsplit(":", 1)[-1]
        cur = state["cur"]
        if cur is None:
            return
        if tag == "v":
            cur["v"] = "".join(state["text"] or ())
            state["text"] = None
        elif tag == "t":
            if len(cur["is"]) < 60:
                cur["is"] += "".join(state["text"] or ())
            state["text"] = None
        elif tag == "c":
            state["cur"] = None
            facts.cell(cur["ref"], cur["row"], cur["col"], cur["t"], cur["s"], cur["f"], cur["v"], cur["child"],
                       cur["is"])

    def text(data: str) -> None:
        buf = state["text"]
        if buf is not None and len(buf) < 64:
            buf.append(data)

    def refuse(*_args) -> None:
        raise _reject(facts.name, "xml.dtd", facts.sha, part=part)

    p = expat.ParserCreate()
    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = text
    p.StartDoctypeDeclHandler = refuse
    p.EntityDeclHandler = refuse
    try:
        p.Parse(xml, True)
    except expat.ExpatError as exc:
        raise _reject(facts.name, "xml.malformed", facts.sha, part=part,
                      detail=f"第 {exc.lineno} 行：{expat.ErrorString(exc.code)}") from None


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


# --------------------------------------------------------------------------------------------------
# CSV


def csv_grid(name: str, data: bytes, sha: str = "") -> Grid:
    """A CSV return as a one-sheet :class:`Grid`: UTF-8 (with or without BOM), UTF-16 with BOM or GBK/GB18030;
    comma, semicolon or tab separated; a DOS end-of-file mark (0x1A) at the end is dropped."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    elif data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gb18030")
    data = data.rstrip(b"\x1a") if not encodings[0].startswith("utf-16") else data
    text = None
    for enc in encodings:
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise _reject(name, "csv.encoding", sha)
    text = text.rstrip("\x1a")
    if "\x00" in text:
        raise _reject(name, "csv.nul", sha)
    head = "\n".join(text.split("\n", 12)[:12])  # the first lines (a title line has no separator)
    counts = {d: head.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    rows: list[list] = []
    try:
        for r, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if r > MAX_ROWS:
                raise _reject(name, "csv.too_many_rows", sha, limit=MAX_ROWS)
            if len(row) > MAX_COLS and any(c.strip() for c in row[MAX_COLS:]):
                p = problem("csv.extra_cells", Location(file=name, row=f"第{r}行"), count=len(row), header=MAX_COLS)
                raise ReturnRejected(f"{name}：无法接收", [p], file=name, sha256=sha)
            rows.append(row[:MAX_COLS + 1])
    except csv.Error as exc:
        raise _reject(name, "csv.format", sha, detail=str(exc)) from None
    return Grid({METRICS_SHEET: rows}, {}, {}, csv=True, sheet_names=(METRICS_SHEET,), sha256=sha)
