Attribute VB_Name = "xlperf"
' =============================================================================
' xlperf 工作表按钮宏 / xlperf worksheet button macros
'
' 每个按钮只调用一行 xlwings RunPython，业务逻辑全部在 Python 模块
' xlperf.xl.macros 中实现。
' Each button only makes one xlwings RunPython call; all logic lives in the
' Python module xlperf.xl.macros.
'
'   Recalculate       重新计算：按评分规则重新计算本工作簿的得分
'                     Recalculate the scores of this workbook from the rubric.
'   CheckForm         检查表单：检查填报内容的完整性与合规性
'                     Check the form for missing or invalid entries.
'   GenerateTemplates 生成模板：生成各单位的填报模板
'                     Generate the fill-in templates for each unit.
'   Collect           汇总收集：收集各单位已填报的表格并汇总
'                     Collect the completed forms and consolidate them.
'
' 需要 xlwings（加载项引用或独立 xlwings 模块）。
' Requires xlwings (a reference to the add-in or the standalone xlwings module).
' Generated into vbaProject.bin by `python -m xlperf.xl.vba`; edit this file,
' not the binary.
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
