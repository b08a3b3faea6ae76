"""`python -m plansync`: the same as the `plansync` command."""

from plansync.cli.app import main

main()
