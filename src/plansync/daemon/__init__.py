"""The scheduled daemon: every configured project synced on its own interval (scheduler), and
the wiring that runs the engine for it (app)."""
