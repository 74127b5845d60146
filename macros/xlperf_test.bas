Attribute VB_Name = "xlperf_test"
' Test-only module: proves a generated VBA project is valid and runnable
' (tests/test_vba.py runs it in LibreOffice). Never embedded in forms.
Option Explicit

Sub WriteMarker()
    ThisWorkbook.Worksheets(1).Range("A1").Value = "xlperf-ok"
End Sub
