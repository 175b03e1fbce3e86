"""按镇街办事: a township's page lists what a citizen can apply for there, with its service
centre as the township's own items give it, and 未填报 where they do not."""

from __future__ import annotations

from tests import factories

reg = factories.registry


def _devolved(
    session, batch, department, name: str, power_type: str, receivers: list[int], code: str
):
    published = {"status": "published"}
    power = factories.power_item(
        session, department.id, code=code, name=name, power_type_code=power_type, **published
    )
    item = factories.devolved_item(
        session, batch.id, department.id, receivers, name=name, power_item_id=power.id, **published
    )
    return power, item


def test_a_township_page_lists_what_can_be_applied_for_there(client, session):
    department = factories.department(session, name="测试区民政局")
    town = factories.township(
        session, department.region_id, name="测试镇人民政府", short_name="测试镇", kind="township"
    )
    other = factories.township(session, department.region_id, short_name="别的街道")
    batch = factories.make(
        session, reg.DEVOLUTION_BATCHES, title="第一批", region_id=department.region_id
    )
    relief, _ = _devolved(
        session, batch, department, "临时救助审批（测试）", "05", [town.id], "TS-1"
    )
    _devolved(session, batch, department, "对乱倒垃圾的处罚（测试）", "02", [town.id], "TS-2")
    _devolved(session, batch, department, "别处的确认事项（测试）", "07", [other.id], "TS-3")
    guide = factories.service_item(
        session,
        department.id,
        name="临时救助审批指南（测试）",
        item_type="05",
        power_item_id=relief.id,
        status="published",
    )
    where_to_apply = {
        "place": "测试镇便民服务中心（镇府路1号）",
        "office_hours": "周一至周五 9:00—17:00",
        "consult_phone": "0766-0000000",
    }
    factories.service_item(
        session,
        department.id,
        name="居住证申领（测试）",
        township_id=town.id,
        status="published",
        **where_to_apply,
    )

    page = client.get(f"/townships/{town.id}")
    assert page.status_code == 200
    text = page.text
    assert "临时救助审批（测试）" in text and "居住证申领（测试）" in text
    assert "对乱倒垃圾的处罚（测试）" not in text  # a 处罚 is not applied for
    assert "别处的确认事项（测试）" not in text  # devolved to another street
    assert f'href="/items/service/{guide.id}"' in text  # the devolved power's guide
    for fact in where_to_apply.values():
        assert fact in text

    bare = client.get(f"/townships/{other.id}")
    assert bare.status_code == 200 and "别处的确认事项（测试）" in bare.text
    assert (
        bare.text.count('class="unknown">未填报') >= 3
    )  # address, hours, phone: unknown, not blank

    index = client.get("/townships")
    assert f'href="/townships/{town.id}"' in index.text and "2 项可办" in index.text
    assert 'href="/townships"' in client.get("/").text


def test_a_devolved_item_page_says_where_to_apply(client, session):
    department = factories.department(session)
    town = factories.township(session, department.region_id, kind="township")
    batch = factories.make(
        session, reg.DEVOLUTION_BATCHES, title="批次", region_id=department.region_id
    )
    power, item = _devolved(
        session, batch, department, "宅基地审批（测试）", "01", [town.id], "TS-4"
    )
    page = client.get(f"/items/devolved/{item.id}")
    assert "到哪里办" in page.text and "未填报" in page.text  # no service item yet
    guide = factories.service_item(
        session,
        department.id,
        name="宅基地审批指南（测试）",
        power_item_id=power.id,
        status="published",
        place="区政务服务中心二楼",
        consult_phone="12345",
    )
    page = client.get(f"/items/devolved/{item.id}")
    assert "区政务服务中心二楼" in page.text and 'href="tel:12345"' in page.text
    assert f'href="/items/service/{guide.id}"' in page.text


def test_township_pages_refuse_what_is_not_a_township(client, session):
    department = factories.department(session)
    assert client.get(f"/townships/{department.id}").status_code == 404
    assert client.get(f"/townships/{2**40}").status_code == 404
    assert client.get("/townships/1?page=abc").status_code == 400


def test_the_centre_is_what_most_of_the_townships_newest_items_say(client, session, monkeypatch):
    department = factories.department(session, name="测试区人社局")
    town = factories.township(session, department.region_id, short_name="多址镇", kind="township")
    make = lambda place, **data: factories.service_item(  # noqa: E731
        session, department.id, township_id=town.id, status="published", place=place, **data
    )
    for _ in range(3):
        make("旧址（已搬迁）")  # the most common overall, but older than the move
    make("新址（镇府路9号）", office_hours="   ")
    make("新址（镇府路9号）", consult_phone="0766-1111111")
    make(None)  # says nothing: neither votes nor hides the others
    monkeypatch.setattr("catalog.services.townships.CENTRE_SAMPLE", 3)  # the three newest items
    text = client.get(f"/townships/{town.id}").text
    assert "新址（镇府路9号）" in text and "旧址" not in text and "0766-1111111" in text
    assert text.count('class="unknown">未填报') == 1  # hours: only blanks given
