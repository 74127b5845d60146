Attribute VB_Name = "xlperf_test"
' Test-only module: proves the generated VBA project is valid and runnable
' (used by tests/test_vba.py through LibreOffice). 仅用于测试。
Option Explicit

Sub WriteMarker()
    ThisWorkbook.Worksheets(1).Range("A1").Value = "xlperf-ok"
End Sub
