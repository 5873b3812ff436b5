"""``python -m toolshift``."""

from toolshift.cli.main import main

raise SystemExit(main())
