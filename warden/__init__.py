"""What every layer of Warden may import: its settings (warden/settings.py). Nothing here imports a layer."""
