"""Write the sample 绩效目标申报表 of this folder (run from the repository root).

    python workbooks/samples/make_declarations.py

* ``申报表_一体化.xlsx``: a 预算管理一体化 export, one project per sheet (12 projects), with the quirks of real
  exports: targets with trailing line breaks (``1处\\n``), prose targets (``达到95%以上``, ``3个工作日``,
  ``出具评估报告总成本不超过…万元``), 不适用 rows, 本年度项目金额 typed in 元 in the 万元 column, a cost target
  above the money, duplicate indicators, an empty 年度目标, a missing 时效指标;
* ``申报表_项目库_*.xlsx``: three central 项目库 exports (the table in sheet ``项目支出绩效目标申报表``).

Try ``xlperf check workbooks/samples/申报表_一体化.xlsx`` and
``xlperf build self_evaluation --targets workbooks/samples/申报表_一体化.xlsx -o 自评表/``.
"""

from __future__ import annotations

from pathlib import Path

from xlperf.targets.samples import sample_projects, write_integrated, write_project_library

HERE = Path(__file__).resolve().parent


def main() -> None:
    """Write the sample declarations."""
    projects = sample_projects(15, seed=2024)
    write_integrated(HERE / "申报表_一体化.xlsx", projects[:12])
    for n, project in enumerate(projects[12:], start=1):
        write_project_library(HERE / f"申报表_项目库_{n}.xlsx", project)
    print(f"已写入 {HERE}")


if __name__ == "__main__":
    main()
