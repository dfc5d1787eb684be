"""The move tests share `move_helpers` (importable under --import-mode=importlib through this folder)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
