"""The platform-neutral conversation core. Nothing here imports telegram or discord."""
