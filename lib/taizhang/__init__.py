"""taizhang — 政务服务目标台账: monthly progress ledgers against the dated targets of implementation plans.

Data flows one way: registry → returns → evaluation → supervision → reports → cli, on a small domain kernel
that every module uses and that uses nothing of ours.

- ``kernel/`` — the domain kernel: ``months`` (:class:`~taizhang.kernel.months.Month`, month ends, vectorised
  ordinals), ``statuses`` (the one status table: code, label, rank, colour, symbol, groupings),
  ``formatting`` (the one value formatter). Imports nothing of ours.
- Registry: ``targets`` (typed, validated objects mirroring ``targets/*.yaml``; the one ordering of a plan's
  metrics), ``dates`` (deadlines in a plan's words), ``scenario`` (named what-ifs), ``scoring`` (考核细则
  scores), ``drafting/`` (a new plan's targets drafted from its text, reviewed in Excel, imported as data).
- Returns: ``returns/`` (``reader`` opens a file safely, ``validate`` reads and checks a return, ``cells``,
  ``codes`` reason codes, ``model``, ``writer``), ``template`` (blank returns, 退回修改清单), ``store``
  (the SQLite store ``ingest`` writes), ``source`` (the one data source — store, folder or sample — cached
  on content; per-unit coverage), ``sample`` (deterministic sample returns), ``provenance``.
- Evaluation: ``evaluate/`` (``settings`` the typed method parameters, ``cube`` the one metric computation,
  ``targets``, ``judges``, ``rules`` the status precedence as ordered named rules, ``narrate`` the Chinese
  reasons, ``engine``, ``compare`` month over month, ``ranking`` the one ranking), ``forecast``.
- Supervision: ``supervision/`` (督办 → 整改 → 销号: items, rules, answers, notices, its CLI).
- Reports: ``reports/`` (``specs`` the registry of report specifications, ``blocks`` the frozen blocks a
  section returns, ``html`` the one Jinja2 renderer, ``sheets`` the Excel working sheets as specs,
  ``docx`` the Word 通报, ``navigation`` table of contents and links between reports, ``supervision_section``
  the 督办 section), ``report`` (each report's sections), ``ledger`` (ledger tables as blocks), ``brief``
  (the one-page brief), ``charts``, ``excel`` (the one Excel writer), ``fonts`` (the embedded CJK subset),
  ``printing`` (print-grade PDF: running header, page numbers, bookmarks), ``browser`` (headless Chromium
  PDFs), ``render`` (papermill runs, kernel lanes, outputs, manifests, the index), ``explore`` (the
  analysts' widgets), ``safetext``.
- ``cli`` — the ``taizhang`` command, one verb per job; ``project`` — where the project's folders are;
  ``atomic`` — the one way an output file is written (a temp file in its folder, then renamed: never a
  partial file); ``errors`` — the root exception and its located subclasses.
"""

__version__ = "0.1.0"
