"""`python -m plansync`: the same as the `plansync` command."""

from plansync.cli import main

main()
