import io

from shop import create_app


def test_list_with_limit(client):
    rv = client.get("/api/items", query_string={"limit": 1})
    assert rv.status_code == 200
    assert rv.get_json() == [{"id": 1, "name": "apple", "price": 3}]


def test_create_item(client):
    rv = client.post("/api/items", json={"name": "kiwi"})
    assert rv.status_code == 201
    assert rv.json["name"] == "kiwi"
    assert rv.headers["Location"].startswith("/api/items/")


def test_bad_json_answers_400(client):
    rv = client.post("/api/items", data="nope", content_type="application/json")
    assert rv.status_code == 400
    assert rv.get_json() == {"error": "bad request"}


def test_page_is_html(client):
    rv = client.get("/pages/hello/Ada")
    assert b"Hello Ada" in rv.data
    assert rv.content_type.startswith("text/html")


def test_upload(client):
    rv = client.post("/pages/upload", data={"file": (io.BytesIO(b"abc"), "a.txt"), "note": "x"})
    assert rv.get_json() == {"filename": "a.txt", "size": 3}


def test_redirect_not_followed(client):
    rv = client.get("/pages/old")
    assert rv.status_code == 302
    assert rv.location.endswith("/pages/hello/there")


def test_form_text(client):
    rv = client.post("/pages/contact", data={"name": "Bo"})
    assert rv.get_data(as_text=True) == "Thanks, Bo"


def test_open_and_with_block():
    app = create_app()
    with app.test_client() as c:
        assert c.open("/nowhere", method="GET").status_code == 404
        assert c.get("/api/info").json["name"] == "Fruit shop"


def test_session_survives_between_requests(client):
    assert client.get("/pages/visit").get_json()["count"] == 1
    second = client.get("/pages/visit").get_json()
    assert second == {"count": 2, "flashes": ["counted"]}


def test_hook_can_answer(client):
    rv = client.get("/api/items", headers={"X-Block": "yes"})
    assert rv.status_code == 403
    assert rv.headers["X-Shop"] == "seen"
