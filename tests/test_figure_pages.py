"""The dashboard's pages: departments sorted by exact values with 0/0 last and marked, the rows
behind a figure named and labelled, exported as they are shown, and charts whose numbers are
the figures service's."""

from __future__ import annotations

import csv
import io
import re

from tests import factories


def _catalog(session):
    region = factories.region(session)
    a = factories.department(session, region.id, name="甲局")
    b = factories.department(session, region.id, name="乙局")
    factories.department(session, region.id, name="丙局")  # no item: 0/0
    factories.instant_item(session, a.id, name="甲即办事项")
    factories.service_item(session, a.id, name="1号承诺事项", status="published")
    factories.instant_item(session, a.id, name="甲另一即办事项")
    factories.service_item(session, b.id, name="2号承诺事项", status="published")
    return region


def _department_rows(page: str) -> list[str]:
    body = page.split('id="departments"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr><th scope="row">([^<]+)</th>', body)


def test_departments_sort_by_exact_value_and_empty_ones_come_last(client, session):
    region = _catalog(session)
    page = client.get(f"/figures?region_id={region.id}").text
    assert _department_rows(page) == ["乙局", "甲局", "丙局"]  # 0%, 66.67%, then 0/0
    assert "无适用事项" in page and "2/3" in page
    assert re.search(r"计算于 <time[^>]*>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</time>（北京时间）", page)
    descending = client.get(f"/figures?region_id={region.id}&sort=-instant_share").text
    assert _department_rows(descending) == ["甲局", "乙局", "丙局"]
    assert 'aria-sort="descending"' in descending
    assert client.get(f"/figures?region_id={region.id}&sort=nonsense").status_code == 400


def test_rows_behind_a_figure_are_named_labelled_and_exported_as_shown(client, session):
    region = _catalog(session)
    page = client.get(f"/figures/instant_share/rows?part=excluded&region_id={region.id}&sort=-name")
    assert page.status_code == 200
    names = re.findall(r'<a href="/items/service/\d+">([^<]+)</a>', page.text)
    assert names == ["2号承诺事项", "1号承诺事项"]  # by name, descending
    assert (
        "<td>承诺件</td>" in page.text
        and "<td>20 工作日</td>" in page.text
        and "共 2 条" in page.text
    )
    exported = client.get(
        f"/figures/instant_share/rows/export?part=excluded&region_id={region.id}&format=csv"
    )
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert table[0][:4] == ["名称", "部门", "办件类型", "法定办结时限"]
    assert sorted(row[:3] for row in table[1:]) == [
        ["1号承诺事项", "甲局", "承诺件"],
        ["2号承诺事项", "乙局", "承诺件"],
    ]
    assert (
        client.get(f"/figures/instant_share/rows?part=nothing&region_id={region.id}").status_code
        == 400
    )
    assert client.get("/figures/no_such_figure/rows").status_code == 404


def test_a_figure_page_draws_the_service_figures(client, session):
    region = _catalog(session)
    page = client.get(f"/figures/instant_share?region_id={region.id}").text
    assert (
        page.count('role="img"') == 2
        and '<title id="departments-chart-title">各部门即办件占比</title>' in page
    )
    bars = re.findall(
        r'class="chart-value">([^<]+)</text>', page.split("departments-chart-title", 1)[1]
    )
    assert bars == ["66.67%", "0.00%", "无适用事项"]  # highest first, 0/0 last and marked
    assert "2/3" in page and "（当前）" in page  # the line ends with the live figure
    assert client.get("/figures/no_such_figure").status_code == 404


def test_rows_behind_a_completeness_figure_are_named_sorted_paged_and_exported(client, session):
    region = _catalog(session)  # four published items, none with a 办理地点 or 办理时间
    a = factories.department(session, region.id, name="丁局")
    factories.service_item(
        session, a.id, name="有地点的事项", status="published", place="政务服务中心"
    )
    dashboard = client.get(f"/figures?region_id={region.id}").text
    link = re.search(
        r'<a href="(/figures/completeness/service-items/rows\?[^"]*element=place[^"]*)">办理地点 4',
        dashboard,
    )
    assert link, "the dashboard links each missing element's count to its rows"
    page = client.get(link.group(1).replace("&amp;", "&") + "&sort=-department")
    assert page.status_code == 200
    names = re.findall(
        r'<a href="/items/service/\d+">([^<]+)</a></th>\s*<td>([^<]+)</td><td>([^<]+)</td>',
        page.text,
    )
    assert [department for _name, department, _missing in names] == [
        "甲局",
        "甲局",
        "甲局",
        "乙局",
    ]  # 部门 descending
    assert "有地点的事项" not in page.text and "共 4 条" in page.text
    assert all(
        "办理地点" in missing and "办理时间" in missing for *_, missing in names
    )  # labels, not keys
    assert (
        'aria-sort="descending"' in page.text
        and "实施清单要素完整率：缺少“办理地点”的记录" in page.text
    )
    paged = client.get(
        f"/figures/completeness/service-items/rows?region_id={region.id}&element=place&page=2"
    )
    assert (
        paged.status_code == 200 and "共 4 条" in paged.text and "2号承诺事项" in paged.text
    )  # past the end: the last page
    every = client.get(f"/figures/completeness/service-items/rows?region_id={region.id}").text
    assert "共 5 条" in every and "有地点的事项" in every  # missing some other required element

    exported = client.get(
        f"/figures/completeness/service-items/rows/export?region_id={region.id}&element=place&format=csv"
    )
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert table[0] == ["名称", "部门", "缺少的必填要素"] and len(table) == 5
    assert {row[0] for row in table[1:]} == {
        "甲即办事项",
        "1号承诺事项",
        "甲另一即办事项",
        "2号承诺事项",
    }
    workbook = client.get(
        f"/figures/completeness/power-items/rows/export?region_id={region.id}&format=xlsx"
    )
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"

    assert client.get("/figures/completeness/no-such-list/rows").status_code == 404
    refused = client.get("/figures/completeness/service-items/rows?element=nonsense")
    assert refused.status_code == 400 and "该清单没有必填要素 nonsense" in refused.text
    assert client.get("/figures/completeness/service-items/rows?sort=sideways").status_code == 400


def test_rows_sorted_by_department_page_through_the_whole_sort(session):
    """A page by department skips the departments before it by their counts: every page, in
    either direction, is the slice of the whole sort (the export's order) it stands for."""
    from catalog.services import figure_views
    from catalog.services.facts import Scope

    region = factories.region(session)
    for name, items in (("乙局", 3), ("甲局", 5), ("丙局", 0), ("丁局", 4)):
        department = factories.department(session, region.id, name=name)
        for _ in range(items):
            factories.instant_item(session, department.id)
    scope = Scope(region_id=region.id)
    for sort in ("department", "-department"):
        query = figure_views._rows_query("instant_share", "numerator", scope.shape, sort)
        whole = session.scalars(query.ids, scope.parameters).all()
        assert len(whole) == 12  # every 即办件 of the region
        for per_page in (1, 2, 5, 12):
            paged = []
            for page in range(1, -(-len(whole) // per_page) + 1):
                found = figure_views.rows_page(
                    session, "instant_share", "numerator", sort, page, per_page, region_id=region.id
                )
                paged += [row["id"] for row in found.rows]
            assert paged == whole, (sort, per_page)
