"""Reader rules: the defaults, how patterns are compiled, and a clear error for a bad one."""

from __future__ import annotations

import pytest

from plansync.errors import ConfigError
from plansync.planfile.rules import (
    DEFAULT_CRITERIA_PATTERNS,
    DEFAULT_MILESTONE_PATTERNS,
    ReaderRules,
    any_match,
    compile_rules,
)


class TestDefaults:
    def test_defaults_are_the_built_in_behaviour(self) -> None:
        rules = ReaderRules()
        assert rules.milestone_patterns == DEFAULT_MILESTONE_PATTERNS
        assert rules.criteria_patterns == DEFAULT_CRITERIA_PATTERNS
        assert rules.extra_id_patterns == ()
        assert rules.task_sections == ()
        assert rules.sync_criteria is False

    @pytest.mark.parametrize(
        "heading",
        [
            "PHASE 1: CRITICAL FIXES",
            "Week 1: Foundation (Days 1-5)",
            "Milestone 2: Protocols",
            "Sprint 3",
            "Stage two",
            "Iteration 4",
            "Release 1.0",
        ],
    )
    def test_milestone_words(self, heading: str) -> None:
        assert any_match(compile_rules(ReaderRules()).milestones, heading)

    @pytest.mark.parametrize("heading", ["Weekly Check-ins", "Parallelization", "Notes"])
    def test_not_milestone_words(self, heading: str) -> None:
        assert not any_match(compile_rules(ReaderRules()).milestones, heading)

    @pytest.mark.parametrize(
        "heading",
        ["Definition of Done", "ACCEPTANCE CRITERIA", "Success Criteria", "SUCCESS METRICS & X"],
    )
    def test_criteria_words(self, heading: str) -> None:
        assert any_match(compile_rules(ReaderRules()).criteria, heading)


class TestCompiling:
    def test_rules_are_hashable_and_compiled_once(self) -> None:
        rules = ReaderRules(task_sections=("^Next",))
        assert compile_rules(rules) is compile_rules(ReaderRules(task_sections=("^Next",)))

    def test_heading_patterns_ignore_case(self) -> None:
        compiled = compile_rules(ReaderRules(task_sections=("^next steps$",)))
        assert any_match(compiled.task_sections, "NEXT STEPS")

    def test_a_bad_pattern_names_the_rule_and_the_pattern(self) -> None:
        with pytest.raises(ConfigError) as caught:
            compile_rules(ReaderRules(exclude_sections=("(",)))
        message = str(caught.value)
        assert "`exclude_sections`" in message
        assert "'('" in message

    def test_a_string_instead_of_a_tuple_is_refused(self) -> None:
        with pytest.raises(ConfigError, match="`task_sections` must be a tuple"):
            compile_rules(ReaderRules(task_sections="Backlog"))  # a TOML string, not a list
