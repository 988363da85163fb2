"""Exceptions raised by taizhang.

Every user-facing problem is a :class:`TaizhangError`. Its message is Simplified Chinese and names where the
problem is (file, sheet, cell, entry or parameter), what was expected and what was found. The command line
prints the message and exits non-zero; it never shows a traceback for these.
"""

from __future__ import annotations

from dataclasses import dataclass


class TaizhangError(Exception):
    """Root of every error taizhang reports to a user."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message

    def _render_traceback_(self) -> list[str]:
        """What IPython shows for this error in a notebook cell: the Chinese message, no Python traceback
        (the message already says where the problem is). papermill's CLI then prints just this too."""
        return [f"{type(self).__name__}: {self.message}"]


@dataclass(frozen=True)
class Location:
    """Where a problem is: file, sheet, cell (``D6``) or row (``第7行``), and the field code when known.

    ``str()`` gives the Chinese path shown to users: ``临河区_2024-06.xlsx / 指标 / D6``.
    """

    file: str = ""
    sheet: str = ""
    cell: str = ""
    row: str = ""  # a whole row (第7行) when no single cell is meant
    field: str = ""  # field code (window_staff) the cell holds, when known

    def __str__(self) -> str:
        return " / ".join(p for p in (self.file, self.sheet, self.cell or self.row) if p)


@dataclass(frozen=True)
class Problem:
    """One problem found while checking a file: where it is and what is wrong (Chinese).

    Problems of returns also carry a stable ``code`` (``value.negative``, ``file.symlink`` …, catalogue in
    :mod:`taizhang.returns.codes`) and a structured :class:`Location`; their ``where`` and ``message`` are
    derived from those. Other checks (registry, scenarios) give ``where`` and ``message`` only.
    """

    where: str
    message: str
    code: str = ""
    location: Location | None = None

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message


class ProblemsError(TaizhangError):
    """Several problems found in one check; the message lists every one of them."""

    def __init__(self, title: str, problems: list[Problem]) -> None:
        self.title = title
        self.problems = list(problems)
        lines = [title] + [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class RegistryError(ProblemsError):
    """The target registry (targets/*.yaml) is invalid; each problem names the file and entry."""


class ReturnError(ProblemsError):
    """A monthly return cannot be accepted; each problem names the file, sheet and cell."""


class ParameterError(TaizhangError):
    """A run or notebook parameter is unknown, malformed or missing (``given`` None: not given at all)."""

    exit_code = 2

    def __init__(self, parameter: str, given: object, allowed: str) -> None:
        self.parameter = parameter
        self.given = given
        self.allowed = allowed
        if given is None:
            super().__init__(f"缺少参数 {parameter}：请指定{allowed}。")
        else:
            super().__init__(f"参数 {parameter} 的取值无效：收到 {given!r}，允许的取值为 {allowed}。")

    def on_cli(self) -> "ParameterError":
        """The same error naming the parameter as the command line spells it (``store`` → ``--store``,
        ``due_soon_days`` → ``--due-soon-days``); a name already in that form, or a positional such as ``PATH``,
        is kept as it is."""
        name = self.parameter
        if not (name[:1].islower() and name.replace("_", "").isalnum() and name.isascii()):
            return self
        cli = ParameterError("--" + name.replace("_", "-"), self.given, self.allowed)
        cli.__cause__ = self.__cause__
        return cli


class OptionNotTakenError(ParameterError):
    """An option given for a report that takes no such parameter (``--unit`` for the 一页简报 …): refused,
    never silently ignored; the message names the reports that take it."""

    def __init__(self, parameter: str, given: object, report: str, takers: list[str]) -> None:
        super().__init__(parameter, given, "只用于 " + "、".join(takers) + " 报告")
        self.message = (f"参数 {parameter} 不适用于 --report {report}（该报告不接受 {parameter}）；"
                        f"{parameter} 只用于 " + "、".join(takers) + "。")


class RenderError(TaizhangError):
    """Executing or converting a report notebook failed."""
