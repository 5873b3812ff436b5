"""report: the last step of the pipeline; turns results into text for people (rich), JSON for
machines (a versioned envelope, see :func:`toolshift.cli.common.emit_json`) and Markdown for
pull requests. Renderers never see a credential: everything goes through
:mod:`toolshift.redact` on its way out."""
