"""Drafting a new plan's targets from its text, for a person to review in Excel and import.

    text.py       read a plan (.txt in UTF-8 or GB18030, .docx), its head (title, issuer, date, 文号) and its
                  numbered sections, responsibility brackets（牵头单位：…；完成时限：…）and sentences
    clauses.py    classify each sentence into candidate targets: kind, comparator, value, unit, frequency,
                  deadlines (by the date rules of :mod:`taizhang.dates`), levels, soft words, metric
    workbook.py   write the review workbook (+ YAML draft) and read it back
    importer.py   turn the accepted rows into a plan file, a units file and new metric entries that pass
                  ``taizhang targets check`` — all problems located (sheet, row, column), nothing written
                  until every one is fixed

The rules are general grammar of Chinese implementation plans (numbered sections, bracket clauses,
comparator words, frequencies); nothing in them names a particular plan.
"""

from .clauses import Candidate, draft_candidates
from .importer import import_workbook
from .text import PlanText, read_plan_text
from .workbook import draft_plan

__all__ = ["Candidate", "PlanText", "draft_candidates", "draft_plan", "import_workbook", "read_plan_text"]
