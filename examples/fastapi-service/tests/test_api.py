from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.db import Base, engine
from app.main import app


@pytest.fixture
def client() -> Iterator[TestClient]:
    # A fresh schema for every test.
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with TestClient(app) as c:
        yield c


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_create_and_read_order(client: TestClient) -> None:
    created = client.post(
        "/orders", json={"customer": "ada", "item": "tea", "quantity": 2}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["customer"] == "ada"
    assert body["quantity"] == 2

    fetched = client.get(f"/orders/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["item"] == "tea"

    listed = client.get("/orders")
    assert [o["id"] for o in listed.json()] == [body["id"]]


def test_missing_order_is_404(client: TestClient) -> None:
    assert client.get("/orders/999").status_code == 404


def test_rejects_bad_quantity(client: TestClient) -> None:
    response = client.post(
        "/orders", json={"customer": "ada", "item": "tea", "quantity": 0}
    )
    assert response.status_code == 422
