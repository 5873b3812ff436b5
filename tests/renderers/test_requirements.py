from __future__ import annotations

from toolshift.categories import Category
from toolshift.renderers.requirements import Entry, RequirementsDoc, render_requirements

EXPECTED = """\
# Runtime dependencies of svc.
# Install with: pip install -r requirements.txt

--index-url https://pypi.example/simple
-c constraints.txt

# Web frameworks and servers
Flask==3.1.3
uvicorn[standard]==0.30.0 ; sys_platform != 'win32'

# Databases and caches
psycopg2-binary==2.9.9 \\
    --hash=sha256:aaa \\
    --hash=sha256:bbb

# Other
mylib @ git+https://github.com/acme/mylib@0123abc

# Dependencies of the above, pinned from uv.lock
click==8.1.8 ; python_full_version < '3.10'
    # via flask
click==8.5.1 ; python_full_version >= '3.10'
    # via flask
markupsafe==3.0.4 \\
    --hash=sha256:ccc
    # via flask, jinja2

# This project
-e .
"""


def test_sections_in_category_order_sorted_with_hashes_and_via() -> None:
    doc = RequirementsDoc(
        header=("Runtime dependencies of svc.", "Install with: pip install -r requirements.txt"),
        options=("--index-url https://pypi.example/simple", "-c constraints.txt"),
        entries=(
            Entry("-e", "-e .", project=True),
            Entry("mylib", "mylib @ git+https://github.com/acme/mylib@0123abc"),
            Entry(
                "markupsafe",
                "markupsafe==3.0.4",
                Category.WEB_FRAMEWORK,
                direct=False,
                hashes=("sha256:ccc",),
                via=("flask", "jinja2"),
            ),
            Entry(
                "click",
                "click==8.5.1 ; python_full_version >= '3.10'",
                Category.CLI,
                direct=False,
                via=("flask",),
                sort_version=((0, 8), (0, 5), (0, 1)),
            ),
            Entry(
                "click",
                "click==8.1.8 ; python_full_version < '3.10'",
                Category.CLI,
                direct=False,
                via=("flask",),
                sort_version=((0, 8), (0, 1), (0, 8)),
            ),
            Entry(
                "psycopg2-binary",
                "psycopg2-binary==2.9.9",
                Category.DATABASE,
                hashes=("sha256:aaa", "sha256:bbb"),
            ),
            Entry(
                "uvicorn",
                "uvicorn[standard]==0.30.0 ; sys_platform != 'win32'",
                Category.WEB_FRAMEWORK,
            ),
            Entry("flask", "Flask==3.1.3", Category.WEB_FRAMEWORK),
        ),
    )
    assert render_requirements(doc) == EXPECTED


def test_only_includes() -> None:
    doc = RequirementsDoc(header=("Group dev.",), options=("-r requirements.txt",))
    assert render_requirements(doc) == "# Group dev.\n\n-r requirements.txt\n"


def test_rendering_is_deterministic_whatever_the_entry_order() -> None:
    entries = tuple(
        Entry(n, f"{n}==1.0", Category.OTHER, direct=i % 2 == 0)
        for i, n in enumerate(["zeta", "alpha", "mid", "beta"])
    )
    a = render_requirements(RequirementsDoc(header=("x",), entries=entries))
    b = render_requirements(RequirementsDoc(header=("x",), entries=entries[::-1]))
    assert a == b
    # direct ones (zeta, mid) first, sorted; then the transitive ones (alpha, beta), sorted
    assert a.index("mid") < a.index("zeta") < a.index("alpha") < a.index("beta")
