"""Codemods: renderers over ``.py`` files (pure: source text in, source text out).

``flask_fastapi`` turns a Flask service into a FastAPI one; see its package docstring.
"""
