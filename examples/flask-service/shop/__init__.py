"""A small shop service: a JSON API, HTML pages, forms, uploads, error handlers, CORS."""

from flask import Flask, g, jsonify, request
from flask_cors import CORS

from .api import api
from .pages import pages


def create_app():
    app = Flask(__name__)
    app.config.from_mapping(SHOP_NAME="Fruit shop")
    app.config["PAGE_SIZE"] = 10
    app.config["SECRET_KEY"] = "not-a-secret-test-key"
    CORS(app)
    app.register_blueprint(api, url_prefix="/api")
    app.register_blueprint(pages)

    @app.before_request
    def block_some():
        g.started = True
        if request.headers.get("X-Block") == "yes":
            return jsonify(error="blocked"), 403

    @app.after_request
    def mark(response):
        response.headers["X-Shop"] = "seen" if g.get("started") else "unseen"
        return response

    @app.errorhandler(404)
    def not_found(error):
        return jsonify(error="not found", code=error.code), 404

    @app.errorhandler(400)
    def bad_request(error):
        return jsonify(error="bad request"), 400

    def method_not_allowed(error):
        return jsonify(error="method not allowed", code=error.code), 405

    app.register_error_handler(405, method_not_allowed)

    return app
