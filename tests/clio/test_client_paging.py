from datetime import UTC, date, datetime

import pytest

from mira.clio import ClioPagingLimitError, ClioRequestError


def page(records: list[dict], next_url: str | None = None) -> dict:
    meta = {"paging": {"next": next_url}} if next_url else {"paging": {}}
    return {"data": records, "meta": meta}


def test_paging_follows_next_to_end(clio_server, make_client):
    base = clio_server.url
    next_1 = f"{base}/api/v4/matters.json?limit=2&order=id%28asc%29&page_token=TOKEN1&status=open%2Cpending"
    next_2 = f"{base}/api/v4/matters.json?limit=2&order=id%28asc%29&page_token=TOKEN2&status=open%2Cpending"
    clio_server.reply(200, page([{"id": 1}, {"id": 2}], next_1))
    clio_server.reply(200, page([{"id": 3}, {"id": 4}], next_2))
    clio_server.reply(200, page([{"id": 5}]))

    records = list(make_client().iter_records("matters.json", params={"status": "open,pending"}, fields="id", limit=2))

    assert [record["id"] for record in records] == [1, 2, 3, 4, 5]
    first, second, third = clio_server.received
    assert first.query == {"status": ["open,pending"], "limit": ["2"], "order": ["id(asc)"], "fields": ["id"]}
    # Later pages use the `next` link exactly as given, with nothing added.
    assert second.query == {"limit": ["2"], "order": ["id(asc)"], "page_token": ["TOKEN1"], "status": ["open,pending"]}
    assert third.query["page_token"] == ["TOKEN2"]
    assert all(request.header("Authorization") == "Bearer access-token-1" for request in clio_server.received)


def test_paging_stops_at_max_pages(clio_server, make_client):
    looping_next = f"{clio_server.url}/api/v4/matters.json?page_token=SAME"
    for _ in range(3):
        clio_server.reply(200, page([{"id": 1}], looping_next))

    records = []
    with pytest.raises(ClioPagingLimitError) as raised:
        for record in make_client().iter_records("matters.json", max_pages=3):
            records.append(record)

    assert len(clio_server.received) == 3
    assert len(records) == 3
    assert raised.value.path == "/api/v4/matters.json"
    assert "3 pages" in str(raised.value)


def test_paging_allows_exactly_max_pages(clio_server, make_client):
    clio_server.reply(200, page([{"id": 1}], f"{clio_server.url}/api/v4/users.json?page_token=P2"))
    clio_server.reply(200, page([{"id": 2}]))

    records = list(make_client().iter_records("users.json", max_pages=2))

    assert [record["id"] for record in records] == [1, 2]


def test_paging_refuses_next_on_other_origin(clio_server, make_client):
    # The same server on "localhost" is a different origin from 127.0.0.1, so the token stays home.
    other_origin = clio_server.url.replace("127.0.0.1", "localhost")
    clio_server.reply(200, page([{"id": 1}], f"{other_origin}/api/v4/matters.json?page_token=P2"))

    with pytest.raises(ClioRequestError):
        list(make_client().iter_records("matters.json"))

    assert len(clio_server.received) == 1


def test_who_am_i_requests_account(clio_server, make_client):
    user = {"id": 345001, "name": "Dana Whitfield", "account": {"id": 9001, "name": "Whitfield Law"}}
    clio_server.reply(200, {"data": user})

    assert make_client().who_am_i() == user
    [received] = clio_server.received
    assert received.path == "/api/v4/users/who_am_i.json"
    assert received.query == {"fields": ["id,name,first_name,last_name,email,account{id,name}"]}


def test_iter_users_fields(clio_server, make_client):
    clio_server.reply(200, page([{"id": 1, "enabled": True}]))

    assert list(make_client().iter_users()) == [{"id": 1, "enabled": True}]
    query = clio_server.received[0].query
    assert clio_server.received[0].path == "/api/v4/users.json"
    assert query["fields"] == ["id,name,email,enabled,subscription_type,updated_at"]
    assert query["order"] == ["id(asc)"]
    assert query["limit"] == ["200"]


def test_iter_matters_statuses(clio_server, make_client):
    clio_server.reply(200, page([{"id": 1, "status": "Open"}]))

    list(make_client().iter_matters(["Open", "pending"]))

    query = clio_server.received[0].query
    assert query["status"] == ["open,pending"]
    assert query["fields"] == ["id,display_number,description,status,client{id,name,type},updated_at"]


def test_iter_matters_rejects_unknown_status(make_client):
    with pytest.raises(ValueError, match="archived"):
        list(make_client().iter_matters(["open", "archived"]))


def test_iter_matters_by_ids_chunks_of_100(clio_server, make_client):
    ids = list(range(1, 251))
    clio_server.reply(200, page([{"id": i} for i in ids[:100]]))
    clio_server.reply(200, page([{"id": i} for i in ids[100:200]]))
    clio_server.reply(200, page([{"id": i} for i in ids[200:]]))

    records = list(make_client().iter_matters_by_ids(ids + [5, 6]))

    assert [record["id"] for record in records] == ids
    chunks = [[int(value) for value in request.query["ids[]"]] for request in clio_server.received]
    assert chunks == [ids[:100], ids[100:200], ids[200:]]


def test_iter_matters_by_ids_empty_sends_nothing(clio_server, make_client):
    assert list(make_client().iter_matters_by_ids([])) == []
    assert clio_server.received == []


def test_iter_contacts_all_and_by_ids(clio_server, make_client):
    clio_server.reply(200, page([{"id": 7}]))
    clio_server.reply(200, page([{"id": 8}]))
    client = make_client()

    assert list(client.iter_contacts()) == [{"id": 7}]
    assert list(client.iter_contacts(ids=[8])) == [{"id": 8}]

    all_query, by_ids_query = (request.query for request in clio_server.received)
    assert "ids[]" not in all_query
    assert all_query["fields"] == ["id,name,type,updated_at"]
    assert by_ids_query["ids[]"] == ["8"]


def test_iter_activity_descriptions_fields(clio_server, make_client):
    clio_server.reply(200, page([{"id": 77001, "name": "Document review"}]))

    assert list(make_client().iter_activity_descriptions()) == [{"id": 77001, "name": "Document review"}]
    query = clio_server.received[0].query
    assert clio_server.received[0].path == "/api/v4/activity_descriptions.json"
    assert query["fields"] == ["id,name,updated_at"]
    assert "order" not in query


def test_create_time_entry_body(clio_server, make_client):
    created = {"id": 2200334455, "etag": '"0c9d"', "type": "TimeEntry", "quantity": 5400.0}
    clio_server.reply(201, {"data": created})

    entry = make_client().create_time_entry(
        user_id=345001,
        matter_id=1203456789,
        date=date(2025, 3, 3),
        quantity_seconds=5400,
        note="Review lease amendment",
        activity_description_id=77001,
    )

    assert entry == created
    [received] = clio_server.received
    assert received.method == "POST"
    assert received.path == "/api/v4/activities.json"
    assert received.header("Content-Type") == "application/json"
    assert received.query == {"fields": ["id,etag,type,date,quantity,note,matter{id},user{id},created_at"]}
    assert received.json == {
        "data": {
            "type": "TimeEntry",
            "date": "2025-03-03",
            "quantity": 5400,
            "matter": {"id": 1203456789},
            "user": {"id": 345001},
            "note": "Review lease amendment",
            "activity_description": {"id": 77001},
        }
    }


def test_create_time_entry_without_activity_description(clio_server, make_client):
    clio_server.reply(201, {"data": {"id": 1}})

    make_client().create_time_entry(
        user_id=1, matter_id=2, date=date(2025, 3, 3), quantity_seconds=60, note="Call"
    )

    assert "activity_description" not in clio_server.received[0].json["data"]


def test_create_time_entry_rejects_zero_quantity(clio_server, make_client):
    with pytest.raises(ValueError, match="quantity_seconds"):
        make_client().create_time_entry(user_id=1, matter_id=2, date=date(2025, 3, 3), quantity_seconds=0, note="")
    assert clio_server.received == []


def test_find_time_entries_params_and_pages(clio_server, make_client):
    clio_server.reply(200, page([{"id": 1}], f"{clio_server.url}/api/v4/activities.json?page_token=P2"))
    clio_server.reply(200, page([{"id": 2}]))

    entries = make_client().find_time_entries(
        user_id=345001,
        matter_id=1203456789,
        date=date(2025, 3, 3),
        created_since=datetime(2025, 3, 3, 17, 0, tzinfo=UTC),
    )

    assert entries == [{"id": 1}, {"id": 2}]
    query = clio_server.received[0].query
    assert query == {
        "type": ["TimeEntry"],
        "user_id": ["345001"],
        "matter_id": ["1203456789"],
        "start_date": ["2025-03-03"],
        "end_date": ["2025-03-03"],
        "created_since": ["2025-03-03T17:00:00+00:00"],
        "limit": ["200"],
        "order": ["id(asc)"],
        "fields": ["id,date,quantity,note,created_at"],
    }
