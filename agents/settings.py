"""Moved to warden/settings.py (a module every layer may import); kept so older imports keep working."""
from warden.settings import Settings, get_settings

__all__ = ["Settings", "get_settings"]
