from flask import Blueprint, Response, abort, current_app, g, jsonify, request
from flask.views import MethodView

api = Blueprint("api", __name__, url_prefix="/ignored")

ITEMS = {1: {"id": 1, "name": "apple", "price": 3}, 2: {"id": 2, "name": "pear", "price": 5}}


@api.route("/items", methods=["GET"])
def list_items():
    limit = request.args.get("limit", 10, type=int)
    items = sorted(ITEMS.values(), key=lambda i: i["id"])[:limit]
    return jsonify(items)


@api.route("/items/<int:item_id>")
def get_item(item_id):
    item = ITEMS.get(item_id)
    if item is None:
        abort(404)
    return jsonify(item)


@api.route("/items", methods=["POST"])
def create_item():
    data = request.get_json()
    if not data or "name" not in data:
        abort(400)
    new_id = max(ITEMS) + 1
    ITEMS[new_id] = {"id": new_id, "name": data["name"], "price": data.get("price", 0)}
    return jsonify(ITEMS[new_id]), 201, {"Location": f"/api/items/{new_id}"}


@api.route("/items/<int:item_id>", methods=["DELETE"])
def delete_item(item_id):
    if ITEMS.pop(item_id, None) is None:
        abort(404)
    return "", 204


@api.get("/search")
def search():
    q = request.args.get("q", "")
    tags = request.args.getlist("tags")
    return {"q": q, "tags": tags, "method": request.method}


@api.get("/count")
def count():
    return jsonify(count=len(ITEMS)), 200, {"X-Total": str(len(ITEMS))}


@api.get("/info")
def info():
    config = current_app.config
    return {"name": config["SHOP_NAME"], "page": current_app.config["PAGE_SIZE"],
            "testing": config["TESTING"], "started": g.started}


@api.get("/raw")
def raw():
    return Response("raw body", status=202, headers={"X-Raw": "1"})


class PriceAPI(MethodView):
    def get(self, item_id):
        item = ITEMS.get(item_id)
        if item is None:
            abort(404)
        return {"id": item_id, "price": item["price"]}

    def put(self, item_id):
        if item_id not in ITEMS:
            abort(404)
        data = request.get_json(silent=True) or {}
        ITEMS[item_id]["price"] = data.get("price", 0)
        return jsonify(ITEMS[item_id]), 200


api.add_url_rule("/prices/<int:item_id>", view_func=PriceAPI.as_view("prices"))
