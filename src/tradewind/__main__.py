"""``python -m tradewind``: the same as the ``tradewind`` command."""

import sys

from tradewind.cli import main

sys.exit(main())
