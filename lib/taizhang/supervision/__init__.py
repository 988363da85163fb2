"""督办 → 整改 → 销号: every problem the ledger finds followed until it is closed.

Modules, one concern each: :mod:`.workdays` (working days with 调休, from :mod:`taizhang.kernel.workdays`), :mod:`.rules` (``targets/supervision.yaml``),
:mod:`.schema` (store tables and upgrade), :mod:`.items` (the item life and the tables reports show),
:mod:`.answers` (the 整改情况 sheet of the monthly return), :mod:`.notices` (督办通知单, summary, 催报).
"""

from .errors import NoReturnsError, SupervisionError
from .items import (BY_UNIT_LABELS, CHANGE_LABELS, ITEM_COLUMNS, ITEM_LABELS, STATES, RunResult, close_item,
                    history_frame, items_frame, reopen_item, runs_frame, supervise, supervision_tables)
from .rules import Rules, SupervisionRulesError, load_rules

__all__ = ["BY_UNIT_LABELS", "CHANGE_LABELS", "ITEM_COLUMNS", "ITEM_LABELS", "STATES", "NoReturnsError", "Rules", "RunResult", "SupervisionError",
           "SupervisionRulesError", "close_item", "history_frame", "items_frame", "load_rules", "reopen_item",
           "runs_frame", "supervise", "supervision_tables"]
