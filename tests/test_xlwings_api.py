"""The xlwings side without Excel: every attribute the adapter uses exists in xlwings, the adapter uses
nothing else, it runs the same logic as the file path, and the UDF decorators are valid for Windows."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
import types
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwings
import xlwings.main

from xlperf.demo import demo_cases
from xlperf.forms.fill import FillData, fill_form
from xlperf.forms.writer import write_form
from xlperf.xl import udfs
from xlperf.xl.macros import run_recalculate
from xlperf.xl.workbook_access import XLWINGS_API, OpenpyxlBook, XlwingsBook, is_formula

CLASSES = {"Book": xlwings.main.Book, "App": xlwings.main.App, "Name": xlwings.main.Name,
           "Sheets": xlwings.main.Sheets, "Sheet": xlwings.main.Sheet, "Range": xlwings.main.Range,
           "Note": xlwings.main.Note}


@pytest.mark.parametrize("entry", XLWINGS_API)
def test_every_attribute_exists_in_xlwings(entry: str) -> None:
    cls_name, attr = entry.split(".")
    assert hasattr(CLASSES[cls_name], attr), f"xlwings {xlwings.__version__} has no {entry}"


# -- a fake xlwings object model over an openpyxl workbook, recording every attribute used --------------

USED: set[str] = set()


class Recorded:
    label = ""

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("_") and name != "label":
            USED.add(f"{type(self).label}.{name}")
        return object.__getattribute__(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_"):
            USED.add(f"{type(self).label}.{name}")
        object.__setattr__(self, name, value)


def _rgb(color: Any) -> tuple[int, int, int] | None:
    if color is None:
        return None
    text = color.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


class FakeNote(Recorded):
    label = "Note"

    def __init__(self, cell: Any) -> None:
        self._cell = cell

    @property
    def text(self) -> str:
        return self._cell.comment.text

    def delete(self) -> None:
        self._cell.comment = None


class FakeRange(Recorded):
    label = "Range"

    def __init__(self, ws: Any, address: str, ndim: int | None = None) -> None:
        self._ws, self._address, self._ndim = ws, address, ndim

    def _cell(self) -> Any:
        return self._ws[self._address]

    def options(self, ndim: int | None = None) -> FakeRange:
        return FakeRange(self._ws, self._address, ndim)

    @property
    def value(self) -> Any:
        if self._address == "__used__":
            return [[None if is_formula(v) else v for v in row] for row in self._ws.iter_rows(values_only=True)]
        value = self._cell().value
        return None if is_formula(value) else value

    @value.setter
    def value(self, value: Any) -> None:
        if isinstance(value, list):
            top = self._cell()
            for r, row in enumerate(value):
                for c, item in enumerate(row):
                    self._ws.cell(top.row + r, top.column + c, item)
        else:
            self._cell().value = value

    @property
    def formula(self) -> str:
        value = self._cell().value
        return "" if value is None else str(value)

    @property
    def number_format(self) -> str:
        return self._cell().number_format

    @property
    def color(self) -> tuple[int, int, int] | None:
        return _rgb(OpenpyxlBook.get_color(self._book(), self._ws.title, self._address))

    @color.setter
    def color(self, value: Any) -> None:
        OpenpyxlBook.set_color(self._book(), self._ws.title, self._address,
                               None if value is None else value.lstrip("#").upper())

    def _book(self) -> Any:
        holder = types.SimpleNamespace(book=self._ws.parent)
        holder._cell = lambda sheet, cell: holder.book[sheet][cell]
        return holder

    @property
    def note(self) -> FakeNote | None:
        return FakeNote(self._cell()) if self._cell().comment is not None else None

    def add_note(self, text: str) -> FakeNote:
        from openpyxl.comments import Comment

        self._cell().comment = Comment(text, "xlperf")
        return FakeNote(self._cell())


class FakeSheet(Recorded):
    label = "Sheet"

    def __init__(self, ws: Any) -> None:
        self._ws = ws

    @property
    def name(self) -> str:
        return self._ws.title

    def range(self, address: str) -> FakeRange:
        return FakeRange(self._ws, address)

    @property
    def used_range(self) -> FakeRange:
        return FakeRange(self._ws, "__used__")

    def clear(self) -> None:
        for row in self._ws.iter_rows():
            for cell in row:
                cell.value = None

    def autofit(self) -> None:
        pass

    @property
    def api(self) -> Any:
        """The native sheet (pywin32 on Windows): protection as forms are written (no password)."""
        return FakeNativeSheet(self._ws)

    @property
    def visible(self) -> bool:
        return self._ws.sheet_state == "visible"

    @visible.setter
    def visible(self, value: bool) -> None:
        self._ws.sheet_state = "visible" if value else "hidden"


class FakeNativeSheet:
    """The few COM members the adapter uses to lift and restore sheet protection."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws

    @property
    def ProtectContents(self) -> bool:
        return bool(self._ws.protection.sheet)

    @property
    def Protection(self) -> Any:
        p = self._ws.protection
        return types.SimpleNamespace(
            AllowFormattingCells=not p.formatCells, AllowFormattingColumns=not p.formatColumns,
            AllowFormattingRows=not p.formatRows, AllowInsertingColumns=not p.insertColumns,
            AllowInsertingRows=not p.insertRows, AllowInsertingHyperlinks=not p.insertHyperlinks,
            AllowDeletingColumns=not p.deleteColumns, AllowDeletingRows=not p.deleteRows,
            AllowSorting=not p.sort, AllowFiltering=not p.autoFilter, AllowUsingPivotTables=not p.pivotTables)

    def Unprotect(self, password: str) -> None:
        if self._ws.protection.password:
            raise RuntimeError("wrong password")
        PROTECTION_LOG.append(("unprotect", self._ws.title))
        self._ws.protection.sheet = False

    def Protect(self, password: str, drawing: bool, contents: bool, scenarios: bool, ui_only: bool,
                *allow: bool) -> None:
        assert len(allow) == 11
        PROTECTION_LOG.append(("protect", self._ws.title))
        self._ws.protection.sheet = contents
        self._ws.protection.formatColumns = not allow[1]


PROTECTION_LOG: list[tuple[str, str]] = []


class FakeSheets(Recorded):
    label = "Sheets"

    def __init__(self, wb: Any) -> None:
        self._wb = wb

    def __iter__(self) -> Any:
        USED.add("Sheets.__iter__")
        return iter([FakeSheet(ws) for ws in self._wb.worksheets])

    def __getitem__(self, name: str) -> FakeSheet:
        USED.add("Sheets.__getitem__")
        return FakeSheet(self._wb[name])

    def add(self, name: str, after: FakeSheet | None = None) -> FakeSheet:
        return FakeSheet(self._wb.create_sheet(name))


class FakeName(Recorded):
    label = "Name"

    def __init__(self, name: str, refers_to: str) -> None:
        self._name, self._refers_to = name, refers_to

    @property
    def name(self) -> str:
        return self._name

    @property
    def refers_to(self) -> str:
        return "=" + self._refers_to


class FakeApp(Recorded):
    label = "App"

    def __init__(self) -> None:
        self._alerts: list[str] = []

    def alert(self, prompt: str, title: str = "") -> None:
        self._alerts.append(prompt)


class FakeBook(Recorded):
    label = "Book"

    def __init__(self, path: Path) -> None:
        self._wb = openpyxl.load_workbook(path)
        self._path = path
        self._app = FakeApp()

    @property
    def sheets(self) -> FakeSheets:
        return FakeSheets(self._wb)

    @property
    def names(self) -> list[FakeName]:
        return [FakeName(n, d.attr_text) for n, d in self._wb.defined_names.items()]

    @property
    def fullname(self) -> str:
        return str(self._path)

    @property
    def app(self) -> FakeApp:
        return self._app


@pytest.fixture(scope="module")
def filled_form(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("xw")
    case = next(c for c in demo_cases() if c.overrides)  # has a typed-over grade
    blank = root / "blank.xlsx"
    write_form(case.rubric, blank, case.header)
    filled = root / "filled.xlsx"
    fill_form(blank, FillData(values=case.values), filled, overrides=case.overrides)
    book = openpyxl.load_workbook(filled)  # clear the leaf score formulas: recalculate must fill them
    for name, defined in book.defined_names.items():
        if name.startswith("s_") and name not in ("s_total", "s_grade"):
            sheet, _, ref = defined.attr_text.rpartition("!")
            cell = book[sheet.strip("'")][ref.replace("$", "")]
            if is_formula(cell.value):
                cell.value = None
    book.save(filled)
    return filled


def test_xlwings_adapter_runs_the_file_logic_and_uses_only_listed_attributes(filled_form: Path) -> None:
    USED.clear()
    fake = FakeBook(filled_form)
    live = run_recalculate(XlwingsBook(fake))
    from_file = run_recalculate(OpenpyxlBook(filled_form))
    assert live.written and live.written == from_file.written
    assert [str(f) for f in live.findings] == [str(f) for f in from_file.findings]
    assert live.marked == from_file.marked
    used = USED - {"Book.caller"}
    unlisted = sorted(used - set(XLWINGS_API))
    assert not unlisted, f"add these to XLWINGS_API (and check them): {unlisted}"
    assert {"Book.names", "Name.refers_to", "Range.formula", "Range.color", "Range.add_note",
            "Sheets.add", "Sheet.api"} <= used


def test_protected_sheets_are_lifted_and_protected_again(filled_form: Path) -> None:
    PROTECTION_LOG.clear()
    fake = FakeBook(filled_form)
    assert any(ws.protection.sheet for ws in fake._wb.worksheets), "forms are written protected"
    run_recalculate(XlwingsBook(fake))
    lifted = [s for op, s in PROTECTION_LOG if op == "unprotect"]
    assert lifted and sorted(lifted) == sorted(s for op, s in PROTECTION_LOG if op == "protect")
    assert all(ws.protection.sheet for ws in fake._wb.worksheets if ws.title in lifted)


def test_a_password_gives_one_clear_line(filled_form: Path) -> None:
    from xlperf.xl.macros import recalculate

    fake = FakeBook(filled_form)
    for ws in fake._wb.worksheets:
        if ws.protection.sheet:
            ws.protection.password = "secret"
    assert recalculate(XlwingsBook(fake)) is None
    assert len(fake.app._alerts) == 1 and "保护密码" in fake.app._alerts[0]


def test_caller_is_used_when_no_book_is_given(monkeypatch: pytest.MonkeyPatch, filled_form: Path) -> None:
    from xlperf.xl import macros

    fake = FakeBook(filled_form)
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: fake))
    report = macros.recalculate()
    assert report is not None and report.written
    assert fake.app._alerts and fake.app._alerts[0].startswith("重新计算完成")


# -- the UDF decorators as xlwings applies them on Windows --------------------------------------------------


@pytest.fixture(scope="module")
def windows_udfs() -> types.ModuleType:
    """xlperf.xl.udfs executed with xlwings' real (Windows) UDF decorators instead of Linux no-ops."""
    stubs = {"pythoncom": {"CoInitialize": lambda: None}, "pywintypes": {}, "win32com": {},
             "win32com.client": {"Dispatch": None}}
    saved_modules = {n: sys.modules.get(n) for n in stubs}
    for name, attrs in stubs.items():
        module = types.ModuleType(name)
        module.__dict__.update(attrs)
        sys.modules[name] = module
    sys.modules["win32com"].client = sys.modules["win32com.client"]  # type: ignore[attr-defined]
    saved = {k: getattr(xlwings, k) for k in ("func", "arg", "ret", "sub")}
    try:
        import xlwings.udfs as win

        xlwings.func, xlwings.arg, xlwings.ret, xlwings.sub = win.xlfunc, win.xlarg, win.xlret, win.xlsub
        spec = importlib.util.spec_from_file_location("xlperf_udfs_windows", udfs.__file__)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.generate_vba_wrapper = win.generate_vba_wrapper  # type: ignore[attr-defined]
        return module
    finally:
        for k, v in saved.items():
            setattr(xlwings, k, v)
        for name, module in saved_modules.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        sys.modules.pop("xlwings.udfs", None)


def test_udfs_register_with_chinese_docs_and_known_converters(windows_udfs: types.ModuleType) -> None:
    from xlwings.conversion.framework import accessors

    for func in windows_udfs.UDFS:
        info = func.__xlfunc__
        assert info["name"].startswith("XLPERF_") and info["category"] == udfs.CATEGORY
        assert re.search(r"[\u4e00-\u9fff]", info["ret"]["doc"]), info["name"]
        for arg in info["args"]:
            assert re.search(r"[\u4e00-\u9fff]", arg["doc"]), (info["name"], arg["name"])
            convert = arg["options"].get("convert")
            assert convert is None or convert in accessors, (info["name"], arg["name"], convert)
    names = {f.__xlfunc__["name"] for f in windows_udfs.UDFS}
    assert names == {f.__name__ for f in udfs.UDFS}


def test_vba_wrappers_excel_would_import(windows_udfs: types.ModuleType) -> None:
    out = io.StringIO()
    workbook = types.SimpleNamespace(Name="评分表.xlsm")
    windows_udfs.generate_vba_wrapper("xlperf.xl.udfs", windows_udfs, out, workbook)
    vba = out.getvalue()
    assert "Function XLPERF_RATIO(actual, target, points, Optional direction, Optional decimals)" in vba
    assert "Function XLPERF_SCORE(method, params, points, decimals, ParamArray inputs())" in vba
    assert vba.count("XLPy.CallUDF(\"xlperf.xl.udfs\"") == 2 * len(udfs.UDFS)
