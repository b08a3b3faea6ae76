"""plansync: keep markdown plans and GitHub / GitLab issues in step."""

__version__ = "0.1.0"
