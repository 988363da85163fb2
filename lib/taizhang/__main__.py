"""``python -m taizhang`` is the same as the ``taizhang`` command."""

from .cli import main

raise SystemExit(main())
