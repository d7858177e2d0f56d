"""``python -m lecture_lib.grading``: the same as the ``lecture-grade`` command."""
import sys

from .cli import main

sys.exit(main())
