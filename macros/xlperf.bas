Attribute VB_Name = "xlperf"
' =============================================================================
' xlperf worksheet button macros
'
' Each button only makes one xlwings RunPython call; all logic, and every word
' the user sees (messages, sheet names, notes), lives in the Python module
' xlperf.xl.macros.
'
'   Recalculate        button "recalculate": recompute this workbook's scores
'   CheckForm          button "check": mark missing or invalid entries
'   GenerateTemplates  button "generate templates": one form per project
'   Collect            button "collect": read, check and rank the returned forms
'
' Requires xlwings: the standalone xlwings module (and its Dictionary class,
' used on the Mac) embedded next to this one, or a reference to the add-in.
' This file is ASCII only; it is built into vbaProject.bin by `xlperf vba`:
' edit this file, not the binary.
' =============================================================================
Option Explicit

Sub Recalculate()
    RunPython "import xlperf.xl.macros as m; m.recalculate()"
End Sub

Sub CheckForm()
    RunPython "import xlperf.xl.macros as m; m.check()"
End Sub

Sub GenerateTemplates()
    RunPython "import xlperf.xl.macros as m; m.generate_templates()"
End Sub

Sub Collect()
    RunPython "import xlperf.xl.macros as m; m.collect()"
End Sub
