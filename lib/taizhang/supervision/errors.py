"""Errors of the supervision loop (Chinese messages, see :mod:`taizhang.errors`)."""

from __future__ import annotations

from ..errors import TaizhangError


class SupervisionError(TaizhangError):
    """A supervision command cannot do what was asked (unknown item, closed item, month already processed …)."""
