"""An editor imports a sheet in Chromium: the dry run lists exactly the bad rows (row, column,
Chinese message) and offers no commit; the fixed sheet is clean and is committed."""

from __future__ import annotations

import io
import uuid

from openpyxl import Workbook
from playwright.sync_api import Browser, expect

from tests.browser import axe
from tests.browser.conftest import new_page, screenshot
from tests.browser.console_accounts import sign_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["事项名称", "事项类型", "实施主体", "办件类型", "法定办结时限", "承诺办结时限"]


def _workbook(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in [HEADERS, *rows]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_editor_sees_exactly_the_bad_rows_fixes_the_sheet_and_commits(
    browser: Browser, live_server, department_editors
) -> None:
    staff = department_editors[0]
    tag = uuid.uuid4().hex[:6]
    rows = [
        [f"导入事项{tag}-1", "行政许可", staff.department_name, "承诺件", "20", "5"],
        [
            f"导入事项{tag}-2",
            "行政许可",
            staff.department_name,
            "即办件",
            "20",
            "3",
        ],  # 即办件 needs 0
        [f"导入事项{tag}-3", "行政确认", staff.department_name, "承诺件", "30", "10"],
        [
            f"导入事项{tag}-4",
            "不存在的类型",
            staff.department_name,
            "承诺件",
            "20",
            "5",
        ],  # no such type
        [
            f"导入事项{tag}-5",
            "行政许可",
            staff.department_name,
            "承诺件",
            "20",
            "30",
        ],  # 承诺 > 法定
    ]
    page = new_page(browser)
    sign_in(page, live_server, staff)
    page.goto(live_server.url + "/console/import")
    page.get_by_role("link", name="上传并检查实施清单事项").click()
    page.get_by_label("Excel 工作簿（.xlsx）或 CSV 文件").set_input_files(
        files=[{"name": "实施清单.xlsx", "mimeType": XLSX, "buffer": _workbook(rows)}]
    )
    page.get_by_role("button", name="上传并检查（不保存）").click()

    expect(page.locator("#report-summary")).to_contain_text("共 5 行，2 行无误，3 处问题")
    reported = page.locator("table.problems-table tbody tr")
    expect(reported).to_have_count(3)
    found = [
        tuple(cells)
        for cells in (reported.nth(n).locator("td").all_inner_texts() for n in range(3))
    ]
    assert [(row, column) for row, column, _ in found] == [
        ("3", "承诺办结时限"),
        ("5", "事项类型"),
        ("6", "承诺办结时限"),
    ]
    assert (
        "即办件的承诺办结时限必须为0" in found[0][2]
        and "取值无效" in found[1][2]
        and "不能超过法定办结时限" in found[2][2]
    )
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    assert axe.blocking(page) == []
    screenshot(page, "console_import_report_with_problems")

    rows[1][5], rows[3][1], rows[4][5] = "0", "行政许可", "15"
    page.get_by_label("Excel 工作簿（.xlsx）或 CSV 文件").set_input_files(
        files=[{"name": "实施清单.xlsx", "mimeType": XLSX, "buffer": _workbook(rows)}]
    )
    page.get_by_role("button", name="上传并检查（不保存）").click()
    expect(page.locator("#report-summary")).to_contain_text("共 5 行，5 行无误，0 处问题")
    page.get_by_role("button", name="确认导入这 5 行").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text("已导入")
    expect(page.locator("#report-summary")).to_contain_text("已保存 5 行")

    page.goto(live_server.url + "/console/service-items")
    for number in range(1, 6):
        expect(page.get_by_role("main")).to_contain_text(f"导入事项{tag}-{number}")
    screenshot(page, "console_import_committed")
    page.context.close()
