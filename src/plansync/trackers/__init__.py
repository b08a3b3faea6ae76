"""Tracker adapters (GitHub, GitLab) behind one narrow Protocol, with shared pacing and retries."""
