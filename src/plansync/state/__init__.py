"""The state store: what plansync remembers between runs (links with their base values, the
tracker snapshot and cursors, findings, processed comments, the run log), per project."""
