"""Task keys: explicit IDs as written, otherwise milestone/title slugs that other tasks cannot
change."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from plansync.model.plan import PlanDocument
from plansync.planfile.keys import KeySource, assign_keys, slug, title_slug
from plansync.planfile.parse import parse_plan


def parse(text: str) -> PlanDocument:
    return parse_plan(text.encode("utf-8"), Path("plan.md"))


class TestSlugs:
    def test_words_joined_by_dashes(self) -> None:
        assert (
            slug("🔥 Replace Mock Infrastructure (120min)") == "replace-mock-infrastructure-120min"
        )
        assert slug("Café: Ünïcode & more!") == "cafe-unicode-more"

    def test_long_text_is_cut_at_a_word_boundary(self) -> None:
        cut = slug("alpha " * 20, limit=20)
        assert cut == "alpha-alpha-alpha"
        assert len(slug("x" * 100, limit=20)) == 20

    def test_titles_without_ascii_get_a_stable_hash(self) -> None:
        assert title_slug("日本語のタスク") == title_slug("日本語のタスク")
        assert title_slug("日本語のタスク").startswith("task-")
        assert title_slug("日本語のタスク") != title_slug("別のタスク")


class TestKeys:
    def test_explicit_ids_derived_keys_and_collisions(self) -> None:
        document = parse(
            "## Week 1: Foundation\n"
            "- [ ] `maze-ph6.1.1` - Config\n"
            "- [ ] Write docs\n"
            "- [ ] Write docs\n"
            "## Backlog\n"
            "- [ ] Write docs\n"
        )
        assert [t.key for t in document.tasks] == [
            "maze-ph6.1.1",
            "week-1-foundation/write-docs",
            "week-1-foundation/write-docs~2",
            "write-docs",
        ]

    def test_a_key_marker_on_the_line_pins_the_key(self) -> None:
        document = parse(
            "## Week 2\n"
            "- [ ] Renamed task (#12) <!-- plansync:task=week-1/old-title -->\n"
            "- [ ] Old title\n"
        )
        pinned, other = document.tasks
        assert (pinned.key, pinned.title) == ("week-1/old-title", "Renamed task")
        assert [r.number for r in pinned.issue_refs] == [12]
        assert other.key == "week-2/old-title"

    def test_a_line_copied_with_its_key_marker_gets_a_key_of_its_own(self) -> None:
        document = parse(
            "## Week 2\n"
            "- [ ] A <!-- plansync:task=week-1/a -->\n"
            "- [ ] B <!-- plansync:task=week-1/a -->\n"
            "- [ ] C <!-- plansync:task=T1 -->\n"
            "- [ ] T1: D\n"
        )
        assert [t.key for t in document.tasks] == ["week-1/a", "week-2/b", "week-2/c", "T1"]

    def test_a_derived_key_never_takes_an_explicit_id(self) -> None:
        keys = assign_keys([KeySource("T1", None, "x"), KeySource(None, None, "T1")])
        assert keys == ["T1", "t1"]  # slugs are lowercase, IDs as written
        keys = assign_keys([KeySource(None, None, "t1"), KeySource("t1", None, "y")])
        assert keys == ["t1~2", "t1"]


# Titles whose slugs differ from each other, so only a task's own title decides its key.
_titles = st.lists(
    st.text(alphabet="abcdefghij ", min_size=3, max_size=12).filter(lambda t: slug(t)),
    min_size=2,
    max_size=8,
    unique_by=slug,
)


def _plan(titles: list[str]) -> str:
    return "## Sprint 4: Polish\n" + "".join(f"- [ ] {title}\n" for title in titles)


def _keys(titles: list[str]) -> dict[str, str]:
    return {slug(t.title): t.key for t in parse(_plan(titles)).tasks}


class TestKeyStability:
    @settings(max_examples=60, deadline=None)
    @given(titles=_titles, data=st.data())
    def test_other_tasks_moving_coming_or_going_keep_a_key(
        self, titles: list[str], data: st.DataObject
    ) -> None:
        before = _keys(titles)
        changed = data.draw(st.permutations(titles))
        changed = changed[: data.draw(st.integers(min_value=1, max_value=len(changed)))]
        extra = data.draw(st.text(alphabet="klmnop ", min_size=3, max_size=10))
        if slug(extra):
            changed.insert(data.draw(st.integers(0, len(changed))), extra)
        after = _keys(changed)
        for title in changed:
            if slug(title) in before:
                assert after[slug(title)] == before[slug(title)]

    @settings(max_examples=40, deadline=None)
    @given(
        before=st.integers(min_value=0, max_value=3),
        between=st.integers(min_value=0, max_value=3),
    )
    def test_collision_suffixes_ignore_tasks_with_other_keys(
        self, before: int, between: int
    ) -> None:
        others = [f"other {'abcdefgh'[i]}" for i in range(before + between)]
        titles = [*others[:before], "Same title", *others[before:], "Same title"]
        keys = [t.key for t in parse(_plan(titles)).tasks if "same" in t.key]
        assert keys == ["sprint-4-polish/same-title", "sprint-4-polish/same-title~2"]

    def test_removing_one_of_two_same_titles_renumbers_the_other(self) -> None:
        # The one exception to key stability (see `keys`): numbering in document order. A key
        # marker on the line keeps the key whatever happens.
        both = parse("## Week 1\n- [ ] Ship\n- [ ] Ship\n- [ ] Ship <!-- plansync:task=s3 -->\n")
        assert [t.key for t in both.tasks] == ["week-1/ship", "week-1/ship~2", "s3"]
        one = parse("## Week 1\n- [ ] Ship\n- [ ] Ship <!-- plansync:task=s3 -->\n")
        assert [t.key for t in one.tasks] == ["week-1/ship", "s3"]
