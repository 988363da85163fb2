"""Errors of the supervision loop (Chinese messages, see :mod:`taizhang.errors`)."""

from __future__ import annotations

from ..errors import TaizhangError


class SupervisionError(TaizhangError):
    """A supervision command cannot do what was asked (unknown item, closed item, month already processed …)."""


class NoReturnsError(SupervisionError):
    """The store holds no accepted return of the plan for the month (exit 2, as run and evaluate without data:
    the user must ingest that month first)."""

    exit_code = 2
