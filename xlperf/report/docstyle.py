"""The look of every report: A4 pages, Chinese official-document fonts, outline headings, page numbers.

Modelled on GB/T 9704 (党政机关公文格式): body 仿宋_GB2312 三号, first-level headings 黑体, second-level
楷体_GB2312, title 宋体 二号 bold, page numbers ``— 1 —`` centred in the footer (a ``PAGE`` field, so
Word and LibreOffice count the pages). Fonts are set on ``w:eastAsia`` (Chinese text) with Times New Roman
for Latin text and digits; every Chinese font also gets a ``w:altName`` of 宋体 in the font table, so a
machine without 仿宋_GB2312 substitutes 宋体 instead of a random face.

:class:`ReportWriter` is the only thing that adds content: headings, paragraphs made of text and
:class:`Placeholder` parts (yellow-highlighted ``【请填写：…】``), and tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Mm, Pt

__all__ = ["BODY_FONT", "FALLBACK_FONT", "PLACEHOLDER_PREFIX", "Placeholder", "ReportWriter", "numbered"]

BODY_FONT = "仿宋_GB2312"
FALLBACK_FONT = "宋体"
LATIN_FONT = "Times New Roman"
#: (style, east-Asian font, size in pt, bold) per heading level; level 0 is the title
HEADING_FONTS = {0: ("宋体", 22, True), 1: ("黑体", 16, False), 2: ("楷体_GB2312", 16, False),
                 3: (BODY_FONT, 16, True), 4: (BODY_FONT, 16, False)}
BODY_SIZE = 16
TABLE_SIZE = 10.5
TABLE_STYLE = "表格文字"
PLACEHOLDER_PREFIX = "请填写："
CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (1..99)."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CHINESE_DIGITS[ones]
    return ("" if tens == 1 else CHINESE_DIGITS[tens]) + "十" + (CHINESE_DIGITS[ones] if ones else "")


def numbered(level: int, index: int, title: str) -> str:
    """A heading with the outline's numbering: 一、 / （一） / 1. / （1） by level (1-based index)."""
    if level == 1:
        return f"{chinese_number(index)}、{title}"
    if level == 2:
        return f"（{chinese_number(index)}）{title}"
    if level == 3:
        return f"{index}. {title}"
    return f"（{index}）{title}"


@dataclass(frozen=True)
class Placeholder:
    """Text only the unit can write: shown as ``【请填写：topic】`` on a yellow highlight."""

    topic: str

    @property
    def text(self) -> str:
        """The visible placeholder text."""
        return f"【{PLACEHOLDER_PREFIX}{self.topic}】"


Part = str | Placeholder


def _set_fonts(rpr: Any, east_asia: str) -> None:
    """Set a run/style's fonts explicitly (no theme fonts): Latin Times New Roman, Chinese ``east_asia``."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:cs"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def _style_font(style: Any, east_asia: str, size: float, bold: bool) -> None:
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = None
    _set_fonts(style.element.get_or_add_rPr(), east_asia)
    color = style.element.rPr.find(qn("w:color"))
    if color is not None:
        style.element.rPr.remove(color)


def _declare_fonts(document: Any, fonts: Iterable[str]) -> None:
    """Add each Chinese font to the font table with 宋体 as its alternative name and the GB2312 charset."""
    part = next((p for p in document.part.package.parts if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None:  # pragma: no cover - python-docx's template always has one
        return
    from lxml import etree

    root = etree.fromstring(part.blob)
    known = {el.get(qn("w:name")) for el in root.findall(qn("w:font"))}
    for name in fonts:
        if name in known:
            continue
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        for tag, value in (("w:altName", FALLBACK_FONT), ("w:charset", "86"), ("w:family", "modern"),
                           ("w:pitch", "fixed")):
            child = etree.SubElement(font, qn(tag))
            child.set(qn("w:val"), value)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_number_footer(section: Any) -> None:
    """``— N —`` centred in the footer, N a PAGE field."""
    footer = section.footer
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind is not None:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text
    paragraph.add_run(" —")
    for run in paragraph.runs:
        run.font.size = Pt(14)
        _set_fonts(run._r.get_or_add_rPr(), FALLBACK_FONT)


def _page_setup(section: Any, landscape: bool = False) -> None:
    """A4 with the official margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm)."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    width, height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.page_width, section.page_height = width, height
    if landscape:
        section.top_margin, section.bottom_margin = Mm(25), Mm(25)
        section.left_margin, section.right_margin = Mm(25), Mm(25)
    else:
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)


class ReportWriter:
    """A python-docx document set up for a report, with the few operations the report builders need."""

    def __init__(self) -> None:
        self.document = Document()
        styles = self.document.styles
        normal = styles["Normal"]
        _style_font(normal, BODY_FONT, BODY_SIZE, False)
        normal.paragraph_format.line_spacing = Pt(28)
        normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.space_before = Pt(0)
        for level in range(1, 5):
            font, size, bold = HEADING_FONTS[level]
            style = styles[f"Heading {level}"]
            _style_font(style, font, size, bold)
            style.paragraph_format.space_before = Pt(6 if level == 1 else 0)
            style.paragraph_format.space_after = Pt(0)
            style.paragraph_format.line_spacing = Pt(28)
            style.paragraph_format.first_line_indent = Pt(BODY_SIZE * 2)
            style.paragraph_format.keep_with_next = True
        font, size, bold = HEADING_FONTS[0]
        title = styles["Title"]
        _style_font(title, font, size, bold)
        title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_after = Pt(6)
        borders = title.element.pPr.find(qn("w:pBdr")) if title.element.pPr is not None else None
        if borders is not None:
            title.element.pPr.remove(borders)
        from docx.enum.style import WD_STYLE_TYPE

        cell_style = styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        cell_style.base_style = normal
        _style_font(cell_style, FALLBACK_FONT, TABLE_SIZE, False)
        cell_style.paragraph_format.line_spacing = 1.0
        cell_style.paragraph_format.first_line_indent = Pt(0)
        self._defaults()
        _declare_fonts(self.document, {BODY_FONT, FALLBACK_FONT, "黑体", "楷体_GB2312"})
        section = self.document.sections[0]
        _page_setup(section)
        _page_number_footer(section)

    def _defaults(self) -> None:
        """docDefaults: 宋体 for Chinese text in anything without its own font (the fallback)."""
        rpr = self.document.styles.element.find(qn("w:docDefaults"))
        if rpr is None:
            return
        rpr_default = rpr.find(qn("w:rPrDefault"))
        if rpr_default is not None and rpr_default.find(qn("w:rPr")) is not None:
            _set_fonts(rpr_default.find(qn("w:rPr")), FALLBACK_FONT)

    # ------------------------------------------------------------------------------------- content

    def title(self, text: str) -> None:
        """The report title (centred, 宋体 二号 bold)."""
        self.document.add_paragraph(text, style="Title")

    def centered(self, text: str, size: float = BODY_SIZE, bold: bool = False) -> None:
        """A centred line (year, subtitle)."""
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.font.bold = bold

    def heading(self, text: str, level: int) -> None:
        """An outline heading (Word's Heading N styles, so the navigation pane shows the outline)."""
        self.document.add_heading(text, level=level)

    def paragraph(self, parts: Sequence[Part] | str, *, indent: bool = True, bold_lead: str = "",
                  size: float | None = None) -> Any:
        """A body paragraph of text and placeholders; ``bold_lead`` starts it in bold."""
        if isinstance(parts, str):
            parts = [parts]
        paragraph = self.document.add_paragraph()
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt((size or BODY_SIZE) * 2)
        if bold_lead:
            run = paragraph.add_run(bold_lead)
            run.font.bold = True
            if size:
                run.font.size = Pt(size)
        for part in parts:
            if isinstance(part, Placeholder):
                run = paragraph.add_run(part.text)
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
            else:
                run = paragraph.add_run(part)
            if size:
                run.font.size = Pt(size)
        return paragraph

    def page_break(self) -> None:
        """Start a new page."""
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def landscape_section(self) -> None:
        """Start a new A4 landscape section (for wide tables), page numbers continuing."""
        from docx.enum.section import WD_SECTION

        section = self.document.add_section(WD_SECTION.NEW_PAGE)
        _page_setup(section, landscape=True)

    def portrait_section(self) -> None:
        """Start a new A4 portrait section."""
        from docx.enum.section import WD_SECTION

        section = self.document.add_section(WD_SECTION.NEW_PAGE)
        _page_setup(section)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], *, widths: Sequence[float] = (),
              merge_columns: Sequence[int] = (), bold_rows: Iterable[int] = ()) -> Any:
        """A bordered table: header row repeated on every page, cells in 宋体 五号.

        ``widths`` in cm; ``merge_columns``: columns whose equal consecutive cells merge vertically (the
        一级/二级 names of an indicator table); ``bold_rows``: row indexes (0 = first data row) in bold.
        """
        table = self.document.add_table(rows=1 + len(rows), cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        grid = [list(map(str, header)), *[[str(v) for v in row] for row in rows]]
        covered: set[tuple[int, int]] = set()
        for c in merge_columns:  # merge equal consecutive cells first, then write each text once
            start = 1
            while start < len(grid):
                end = start
                while end + 1 < len(grid) and grid[start][c] and grid[end + 1][c] == grid[start][c]:
                    end += 1
                if end > start:
                    table.cell(start, c).merge(table.cell(end, c))
                    covered.update((r, c) for r in range(start + 1, end + 1))
                start = end + 1
        bold = set(bold_rows)
        for r, values in enumerate(grid):
            for c, value in enumerate(values):
                if (r, c) in covered:
                    continue
                paragraph = table.cell(r, c).paragraphs[0]
                paragraph.style = TABLE_STYLE
                run = paragraph.add_run(value)
                run.font.bold = r == 0 or (r - 1) in bold
                if r == 0:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        header_row = table.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        header_row.append(repeat)
        if widths:
            for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=False):
                col.set(qn("w:w"), str(int(Cm(width).twips)))
            for row in table.rows:
                for c, cell in enumerate(row.cells[: len(widths)]):
                    cell.width = Cm(widths[c])
        return table

    def picture(self, path: str, width_cm: float) -> None:
        """A centred picture."""
        self.document.add_picture(path, width=Emu(Cm(width_cm)))
        paragraph = self.document.paragraphs[-1]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.line_spacing = 1.0  # the body's exact 28 pt would clip the picture
        paragraph.paragraph_format.first_line_indent = Pt(0)
