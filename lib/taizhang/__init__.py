"""taizhang — 政务服务目标台账: monthly progress ledgers against the dated targets of implementation plans.

Stages, one module each, data flowing one way: ``targets`` (registry) → ``returns`` (ingest and validation)
→ ``evaluate`` (statuses) → ``ledger`` (tables) → ``charts`` → ``render`` (papermill, nbconvert) → ``cli``.
"""

__version__ = "0.1.0"
