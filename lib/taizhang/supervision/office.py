"""The office's settings as data: ``targets/office.yaml`` — its name, contact person and phone (the 落款 and
联系方式 of the 退回修改清单, 督办通知单 and 催报单), the time zone times are shown in, and the 重报截止日期 rule
(``resubmit_working_days`` working days after a return is rejected, on the official calendar of
:mod:`.workdays`).

An invalid file raises :class:`OfficeSettingsError` listing every problem at once, each located
(``office.yaml / phone``) with what was expected and what was found.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import Problem, ProblemsError
from ..project import targets_dir
from .workdays import WorkdayResult, add_working_days

OFFICE_FILE = "office.yaml"
_PHONE = re.compile(r"[0-9 +\-()（）转,，、/]*")


class OfficeSettingsError(ProblemsError):
    """``targets/office.yaml`` is invalid; each problem names the file and key."""


class Office(BaseModel):
    """The office: name (落款), contact person and phone (empty: not printed), time zone, resubmission rule."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=60)
    contact: str = Field(default="", max_length=30)
    phone: str = Field(default="", max_length=40)
    timezone: str = "Asia/Shanghai"
    resubmit_working_days: int = Field(default=5, ge=1, le=60)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def contact_line(self) -> str:
        """"政务服务督查室 张某某 0478-1234567" (what is filled in)."""
        return " ".join(x for x in (self.name, self.contact, self.phone) if x)

    def signature(self) -> str:
        """The 落款 of a message sent to the units: ``政务服务督查室，联系人 张某某，电话 0478-1234567`` (what is filled in)."""
        return "，".join(x for x in (self.name, f"联系人 {self.contact}" if self.contact else "",
                                    f"电话 {self.phone}" if self.phone else "") if x)

    def missing_contact(self) -> str:
        """A Chinese warning when the contact or the phone is empty ('' when both are filled in)."""
        missing = "、".join(w for w, v in (("联系人", self.contact), ("联系电话", self.phone)) if not v)
        if not missing:
            return ""
        return (f"注意：targets/{OFFICE_FILE} 未填写{missing}，退回修改清单和催报短信上"
                + ("没有可拨打的电话，各单位无号码可打" if not self.phone else "没有联系人姓名")
                + f"；请在 targets/{OFFICE_FILE} 中填写 contact 和 phone。")

    def local(self, when: str | datetime) -> datetime:
        """``when`` (an ISO 8601 time with offset, as the store keeps it) in the office's time zone."""
        t = datetime.fromisoformat(when) if isinstance(when, str) else when
        if t.tzinfo is None:  # a naive time is the machine's local time
            t = t.astimezone()
        return t.astimezone(self.zone)

    def local_text(self, when: str | datetime) -> str:
        """``when`` as users read it: ``2024-06-05 14:03``."""
        return self.local(when).strftime("%Y-%m-%d %H:%M")

    def resubmit_deadline(self, rejected: date) -> WorkdayResult:
        """The 重报截止日期: the :attr:`resubmit_working_days`-th working day after the day of rejection."""
        return add_working_days(rejected, self.resubmit_working_days)


def load_office(path: Path | None = None) -> Office:
    """The office settings from ``path`` (default ``targets/office.yaml``); :class:`OfficeSettingsError` with
    every problem found otherwise."""
    from ..targets import _read_yaml, _translate  # the registry's YAML reader and Chinese error names

    path = Path(path) if path else targets_dir() / OFFICE_FILE
    where = path.name
    if not path.is_file():
        raise OfficeSettingsError(f"办公室设置文件 {path} 不存在",
                                  [Problem(where, "找不到文件；请按 README 的说明建立（名称、联系人、联系电话）")])
    problems: list[Problem] = []
    data = _read_yaml(path, problems, where)
    if problems:
        raise OfficeSettingsError(f"办公室设置文件 {where} 有 {len(problems)} 处问题", problems)
    if not isinstance(data, dict):
        raise OfficeSettingsError(f"办公室设置文件 {where} 有 1 处问题",
                                  [Problem(where, f"应为“键: 值”的设置，实际为 {type(data).__name__}")])
    data = dict(data)
    version = data.pop("version", None)
    if version != 1:
        problems.append(Problem(f"{where} / version", f"应为 1，实际为 {version!r}"))
    for key in ("contact", "phone", "name"):  # an empty YAML value is None: read it as ""
        if key in data and data[key] is None:
            data[key] = ""
    office = None
    try:
        office = Office.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = " / ".join(str(p) for p in err["loc"]) or "（整体）"
            got = "缺失" if err["type"] == "missing" else repr(err.get("input"))[:80]
            problems.append(Problem(f"{where} / {loc}", f"不符合格式（{_translate(err)}），实际为 {got}"))
    if office is not None:
        if not _PHONE.fullmatch(office.phone):
            problems.append(Problem(f"{where} / phone", "联系电话只能包含数字、空格、- + ( ) 和“转”，"
                                                        f"实际为“{office.phone}”"))
        try:
            office.zone
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(Problem(f"{where} / timezone",
                                    f"未知的时区“{office.timezone}”；应为 IANA 时区名，例如 Asia/Shanghai"))
    if problems:
        raise OfficeSettingsError(f"办公室设置文件 {where} 有 {len(problems)} 处问题", problems)
    return office


_WARNED: set[str] = set()


def warn_missing_contact(office: Office, file=None) -> str:
    """Print :meth:`Office.missing_contact` to stderr (``file``) once per process; return the warning ('' if none)."""
    import sys

    text = office.missing_contact()
    if text and text not in _WARNED:
        _WARNED.add(text)
        print(text, file=file or sys.stderr)
    return text
