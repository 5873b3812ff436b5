from flask import (
    Blueprint,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)

pages = Blueprint("pages", __name__, url_prefix="/pages")


def wants_json():
    return request.args.get("format") == "json"


@pages.route("/hello/<name>")
def hello(name):
    if wants_json():
        return {"hello": name}
    return f"<h1>Hello {name}</h1>"


@pages.route("/contact", methods=["POST"])
def contact():
    name = request.form.get("name", "anonymous")
    return "Thanks, " + name


@pages.route("/upload", methods=["POST"])
def upload():
    f = request.files.get("file")
    if not f:
        return {"error": "no file"}, 400
    data = f.read()
    return {"filename": f.filename, "size": len(data)}


@pages.route("/old")
def old():
    return redirect("/pages/hello/there")


@pages.route("/about/")
def about():
    return "<p>About this shop</p>"


@pages.route("/greet/<name>")
def greet(name):
    return render_template("greet.html", name=name)


@pages.route("/back")
def back():
    return redirect(url_for(".greet", name="<you>", _anchor="top"))


@pages.route("/visit")
def visit():
    session["count"] = session.get("count", 0) + 1
    flash("counted")
    return {"count": session["count"], "flashes": get_flashed_messages()}


@pages.route("/files/<path:name>")
def files(name):
    return send_from_directory("static", name)
