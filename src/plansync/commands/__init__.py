"""`/plan` commands typed in issue comments: parsing them out of a comment's markdown."""
