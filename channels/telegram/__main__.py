"""``python -m channels.telegram [--webhook]``."""
from __future__ import annotations

import sys

from channels.telegram.bridge import main

if __name__ == "__main__":
    sys.exit(main())
