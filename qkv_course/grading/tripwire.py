"""The shortcut tripwire lives in :mod:`qkv_course.tripwire` (it runs in the student's kernel);
this name is kept for the check modules."""

from ..tripwire import SHORTCUTS, Tripwire, shortcuts

__all__ = ["SHORTCUTS", "Tripwire", "shortcuts"]
