"""Excel-facing layer of xlperf: VBA project building, workbook buttons and xlwings entry points."""
