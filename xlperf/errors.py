"""The one exception hierarchy: every error a user can act on derives from :class:`XlperfError`, whose
message is one plain Chinese line; the CLI and the buttons catch the base class and show that line.

    XlperfError
    ├── UnreadableWorkbook      safety: a file that cannot be opened safely (damaged, encrypted, too large…)
    ├── NotAForm                a workbook that is neither our form nor a hand-made 自评表
    │   ├── MetaError           forms.meta: our form whose _xlperf record is missing or damaged
    │   └── DeclarationWorkbook a 绩效目标申报表 workbook (reviewed by check, summarised apart by collect)
    ├── RubricError             rubrics.build: a rubric that cannot be loaded (every problem listed)
    │   MethodError, GradeError, ExprError     bad method parameters, grade bands, formulas
    ├── FormError, FormulaError, FillError, ProjectListError      writing and filling forms
    ├── ControlError, VbaBuildError, UdfInputError                the Excel layer
    ├── LibreOfficeError        a LibreOffice run that failed (tests, rendering)
    └── CommandError, DemoError                                   the command line
"""

from __future__ import annotations

__all__ = ["DeclarationWorkbook", "NotAForm", "XlperfError"]


class XlperfError(Exception):
    """Base of every xlperf error a user can act on; ``str()`` is the message to show."""


class NotAForm(XlperfError, ValueError):
    """A workbook that is neither an xlperf form nor a hand-made form of a known layout."""


class DeclarationWorkbook(NotAForm):
    """A 绩效目标申报表 workbook met where score forms are read: ``check`` reviews it and ``collect``
    summarises such workbooks on their own (:mod:`xlperf.targets`)."""

    code = "declaration"

    def __init__(self) -> None:
        super().__init__("这是绩效目标申报表，不是评分表：请用 xlperf check 审核，或把申报表单独放在一起用 xlperf collect 汇总")
