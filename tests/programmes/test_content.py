"""Tests for the programme content format: parser, checker, CLI and shipped content."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from programmes.content import (
    BLOCK_TYPES,
    Block,
    ContentError,
    check_content,
    load_programme,
    load_programmes,
    main,
    parse_module,
    split_body,
)

REPO = Path(__file__).resolve().parents[2]
PROGRAMMES = REPO / "content" / "programmes"
SELF_HELP = PROGRAMMES / "self-help"
BROKEN = Path(__file__).resolve().parent / "fixtures" / "broken"


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def write_module(tmp_path: Path, body: str, name: str = "intro.en.md") -> Path:
    front = "---\ntitle: Intro\nsummary: A short module.\nminutes: 5\ntags: [mood]\n---\n"
    return write(tmp_path / name, front + textwrap.dedent(body).lstrip("\n"))


def write_programme(root: Path, slug: str = "demo", *, step: int = 2, body: str = "") -> Path:
    folder = root / "content" / "programmes" / slug
    write(
        folder / "programme.yaml",
        f"""
        slug: {slug}
        version: 1
        step: {step}
        languages: [en]
        title: {{en: "Demo"}}
        description: {{en: "A demo programme."}}
        unlock: weekly
        modules:
          - slug: intro
          - slug: extra
            optional: true
        """,
    )
    block = body or "::: reflection first-thoughts\nprompt: What brings you here?\n:::\n"
    for module in ("intro", "extra"):
        write_module(folder / "modules", block, f"{module}.en.md")
    return folder


def broken(case: str) -> list[tuple[str, int, str]]:
    """Problems for a broken fixture, paths relative to its programme folder."""
    base = BROKEN / case / "content" / "programmes" / "demo"
    return [
        (p.path.relative_to(base).as_posix(), p.line, p.message)
        for p in check_content(BROKEN / case)
    ]


def assert_one_problem(case: str, path: str, line: int, *fragments: str) -> None:
    problems = broken(case)
    assert len(problems) == 1, problems
    got_path, got_line, message = problems[0]
    assert (got_path, got_line) == (path, line), problems[0]
    for fragment in fragments:
        assert fragment in message, message


def describe(problems) -> str:
    return "\n".join(str(p) for p in problems)


# --------------------------------------------------------------------------------------
# Shipped content
# --------------------------------------------------------------------------------------


def test_it_accepts_the_self_help_library():
    try:
        load_programme(SELF_HELP)
    except ContentError as exc:
        pytest.fail(describe(exc.problems))


def test_it_accepts_all_shipped_content():
    problems = check_content(REPO)
    assert problems == [], describe(problems)


def test_it_ships_self_help_as_unguided_and_fully_unlocked():
    programme = load_programme(SELF_HELP)
    assert (programme.step, programme.unlock) == (1, "all")
    assert set(programme.languages) == {"en", "da"}


def test_it_ships_the_required_self_help_topics():
    programme = load_programme(SELF_HELP)
    tags = {tag for module in programme.modules.values() for tag in module.tags}
    assert len(programme.module_refs) >= 6
    assert {"sleep", "stress", "breathing", "mood", "activity", "self-compassion", "help"} <= tags


def test_it_keeps_self_help_modules_between_300_and_600_words():
    programme = load_programme(SELF_HELP)
    for module in programme.modules.values():
        words = len(module.body_markdown.split())
        assert 300 <= words <= 600, (module.path.name, words)


def test_it_gives_urgent_help_numbers_in_every_language():
    programme = load_programme(SELF_HELP)
    for lang in programme.languages:
        body = programme.module("more-help", lang).body_markdown
        assert "112" in body and "70 201 201" in body, lang


# --------------------------------------------------------------------------------------
# Broken fixtures: one kind of problem each
# --------------------------------------------------------------------------------------


def test_it_reports_yaml_syntax_errors_in_programme_yaml():
    assert_one_problem("yaml-syntax-programme", "programme.yaml", 7, "YAML syntax error")


def test_it_reports_yaml_syntax_errors_in_front_matter_at_the_file_line():
    assert_one_problem(
        "yaml-syntax-front-matter", "modules/intro.en.md", 4, "YAML syntax error", "line 3"
    )


def test_it_reports_yaml_syntax_errors_inside_a_block_at_the_file_line():
    assert_one_problem(
        "yaml-syntax-block", "modules/intro.en.md", 11, "YAML syntax error", "quoted scalar"
    )


def test_it_reports_duplicate_yaml_keys():
    assert_one_problem(
        "duplicate-yaml-key", "modules/intro.en.md", 11, "'prompt' appears twice", "line 10"
    )


def test_it_reports_a_missing_programme_key():
    assert_one_problem(
        "missing-programme-key", "programme.yaml", 1, "missing required key 'unlock'"
    )


def test_it_reports_a_programme_value_of_the_wrong_type():
    assert_one_problem("wrong-type-programme", "programme.yaml", 2, "'version'", "whole number")


def test_it_reports_a_missing_front_matter_field():
    assert_one_problem(
        "missing-front-matter-key", "modules/intro.en.md", 1, "missing required field 'summary'"
    )


def test_it_reports_a_front_matter_value_of_the_wrong_type():
    assert_one_problem(
        "wrong-type-front-matter", "modules/intro.en.md", 4, "'minutes'", "whole number"
    )


def test_it_reports_a_module_without_front_matter():
    assert_one_problem("no-front-matter", "modules/intro.en.md", 1, "must start with a '---'")


def test_it_reports_a_title_missing_a_language():
    assert_one_problem("missing-title-language", "programme.yaml", 5, "'title' has no 'da' text")


def test_it_reports_a_slug_that_differs_from_the_folder():
    assert_one_problem("slug-mismatch", "programme.yaml", 1, "'other'", "folder name 'demo'")


def test_it_reports_an_unknown_unlock_mode():
    assert_one_problem("bad-unlock", "programme.yaml", 7, "unlock must be one of", "'monthly'")


def test_it_reports_therapist_unlock_in_an_unguided_programme():
    assert_one_problem("therapist-unlock-in-step-1", "programme.yaml", 7, "step: 2")


def test_it_reports_a_step_other_than_1_or_2():
    assert_one_problem("bad-step", "programme.yaml", 3, "step must be 1", "got 3")


def test_it_reports_a_listed_module_missing_a_language_file():
    assert_one_problem(
        "missing-language-file",
        "programme.yaml",
        9,
        "module 'intro' has no Danish file",
        "modules/intro.da.md",
    )


def test_it_reports_a_module_file_that_is_not_listed():
    assert_one_problem("stray-module-file", "modules/old.en.md", 1, "not listed under 'modules'")


def test_it_reports_a_module_file_in_an_unlisted_language():
    assert_one_problem("stray-language-file", "modules/intro.de.md", 1, "language 'de'")


def test_it_reports_a_badly_named_module_file():
    assert_one_problem("bad-module-file-name", "modules/Intro_2.en.md", 1, "file name must be")


def test_it_reports_a_programme_folder_without_programme_yaml():
    assert_one_problem("no-programme-yaml", ".", 0, "has no programme.yaml")


def test_it_reports_block_ids_that_differ_between_languages():
    assert broken("block-id-mismatch") == [
        (
            "modules/intro.da.md",
            9,
            "block 'first-thought' is not in the English version intro.en.md; "
            "every language needs the same blocks",
        ),
        (
            "modules/intro.en.md",
            9,
            "block 'first-thoughts' (reflection) is missing from the Danish version intro.da.md",
        ),
    ]


def test_it_reports_block_types_that_differ_between_languages():
    assert_one_problem(
        "block-type-mismatch",
        "modules/intro.da.md",
        9,
        "'homework' block here but a 'reflection' block in intro.en.md",
    )


def test_it_reports_answer_shapes_that_differ_between_languages():
    assert_one_problem(
        "answer-shape-mismatch", "modules/intro.da.md", 9, "'max' is 5 here but 10 in intro.en.md"
    )


def test_it_reports_tags_that_differ_between_languages():
    assert_one_problem("tags-differ", "modules/intro.da.md", 5, "tags [humoer] differ from [mood]")


def test_it_reports_an_unknown_block_type():
    assert_one_problem(
        "unknown-block-type", "modules/intro.en.md", 9, "unknown block type 'reflexion'"
    )


def test_it_reports_an_unknown_block_field():
    assert_one_problem(
        "unknown-field", "modules/intro.en.md", 11, "unknown field 'placeholder' in reflection"
    )


def test_it_reports_a_missing_block_field_at_the_block_opening():
    assert_one_problem(
        "missing-field",
        "modules/intro.en.md",
        9,
        "block 'mood-now': slider block is missing required field 'max_label'",
    )


def test_it_reports_a_block_number_out_of_range():
    assert_one_problem(
        "field-out-of-range", "modules/intro.en.md", 11, "'days' must be from 1 to 14, got 21"
    )


def test_it_reports_a_slider_whose_max_is_not_above_min():
    assert_one_problem(
        "slider-max-not-above-min", "modules/intro.en.md", 12, "'max' (5) must be greater"
    )


def test_it_reports_an_unclosed_block():
    assert_one_problem(
        "unclosed-block", "modules/intro.en.md", 9, "'first-thoughts' is never closed"
    )


def test_it_reports_a_malformed_block_opening_line():
    assert_one_problem(
        "malformed-block-opening", "modules/intro.en.md", 9, "'::: <type> <block-id>'"
    )


def test_it_reports_a_closing_line_without_an_open_block():
    assert_one_problem("stray-block-closing", "modules/intro.en.md", 12, "no block is open")


def test_it_reports_a_block_id_that_is_not_kebab_case():
    assert_one_problem("bad-block-id", "modules/intro.en.md", 9, "block id 'First_Thoughts'")


def test_it_reports_a_duplicate_block_id_at_the_second_use():
    assert_one_problem(
        "duplicate-block-id",
        "modules/intro.en.md",
        13,
        "block id 'first-thoughts' is already used on line 9",
    )


def test_it_reports_a_quiz_answer_out_of_range():
    assert_one_problem(
        "quiz-answer-out-of-range",
        "modules/intro.en.md",
        14,
        "'answer' is 2, but with 2 options it must be 0 to 1",
    )


def test_it_reports_homework_in_a_step_1_programme():
    assert_one_problem(
        "homework-in-step-1", "modules/intro.en.md", 9, "homework", "step 1 (unguided)"
    )


def test_it_reports_a_module_without_interactive_blocks():
    assert_one_problem("no-interactive-block", "modules/intro.en.md", 1, "no interactive block")


def test_it_has_a_fixture_for_every_broken_case_it_tests():
    cases = {p.name for p in BROKEN.iterdir() if p.is_dir()}
    source = Path(__file__).read_text(encoding="utf-8")
    used = set(re.findall(r'(?:assert_one_problem|broken)\(\s*"([a-z0-9-]+)"', source))
    assert cases == used


# --------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------


def test_it_reads_module_front_matter(tmp_path):
    module = parse_module(write_module(tmp_path, "::: reflection a\nprompt: Why?\n:::\n"))
    assert (module.slug, module.lang, module.title, module.summary, module.minutes) == (
        "intro",
        "en",
        "Intro",
        "A short module.",
        5,
    )
    assert module.tags == ("mood",)


def test_it_splits_the_body_into_markdown_and_blocks_in_order(tmp_path):
    module = parse_module(
        write_module(
            tmp_path,
            """
            # Start

            ::: reflection first
            prompt: One?
            :::

            Middle text.

            ::: slider second
            prompt: Two?
            min_label: Low
            max_label: High
            :::
            ::: quiz third
            question: Three?
            options: [a, b]
            answer: 0
            explanation: Because.
            :::

            End text.
            """,
        )
    )
    segments = split_body(module)
    assert [(kind, value if kind == "markdown" else value.id) for kind, value in segments] == [
        ("markdown", "# Start"),
        ("block", "first"),
        ("markdown", "Middle text."),
        ("block", "second"),
        ("block", "third"),
        ("markdown", "End text."),
    ]


def test_it_returns_the_modules_own_block_objects_from_split_body(tmp_path):
    module = parse_module(write_module(tmp_path, "::: reflection only\nprompt: Why?\n:::\n"))
    assert split_body(module) == [("block", module.blocks[0])]


def test_it_records_the_file_line_of_each_block(tmp_path):
    module = parse_module(
        write_module(
            tmp_path,
            "Text.\n\n::: reflection a\nprompt: A?\n:::\n::: worry_log b\nprompt: B?\n:::\n",
        )
    )
    # 6 front matter lines, then "Text." on line 7.
    assert [(b.type, b.id, b.line) for b in module.blocks] == [
        ("reflection", "a", 9),
        ("worry_log", "b", 12),
    ]


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("::: reflection x\nprompt: P\n:::", {"prompt": "P", "hint": None, "max_length": 4000}),
        ("::: thought_record x\nprompt: P\n:::", {"prompt": "P"}),
        (
            "::: activity_planner x\nprompt: P\n:::",
            {"prompt": "P", "days": 7, "suggestions": ()},
        ),
        ("::: worry_log x\nprompt: P\n:::", {"prompt": "P"}),
        ("::: exposure_ladder x\nprompt: P\n:::", {"prompt": "P", "steps": 6}),
        (
            "::: slider x\nprompt: P\nmin_label: L\nmax_label: H\n:::",
            {"prompt": "P", "min": 0, "max": 10, "min_label": "L", "max_label": "H"},
        ),
        (
            "::: quiz x\nquestion: Q\noptions: [a, b]\nanswer: 1\nexplanation: E\n:::",
            {"question": "Q", "options": ("a", "b"), "answer": 1, "explanation": "E"},
        ),
        ("::: homework x\nprompt: P\n:::", {"prompt": "P"}),
    ],
    ids=lambda value: value.split()[1] if isinstance(value, str) else "",
)
def test_it_fills_in_block_field_defaults(tmp_path, block, expected):
    module = parse_module(write_module(tmp_path, block + "\n"))
    assert dict(module.blocks[0].fields) == expected


def test_it_covers_every_block_type_in_the_defaults_test():
    assert set(BLOCK_TYPES) == {
        "reflection",
        "thought_record",
        "activity_planner",
        "worry_log",
        "exposure_ladder",
        "slider",
        "quiz",
        "homework",
        "vr_exposure",
    }


def test_it_keeps_explicit_block_values(tmp_path):
    module = parse_module(
        write_module(
            tmp_path,
            """
            ::: activity_planner plan
            prompt: Plan it.
            days: 3
            suggestions:
              - Walk
              - Call a friend
            :::
            """,
        )
    )
    assert module.blocks[0] == Block(
        "activity_planner",
        "plan",
        {"prompt": "Plan it.", "days": 3, "suggestions": ("Walk", "Call a friend")},
        7,
    )


def test_it_raises_content_error_with_all_problems_from_parse_module(tmp_path):
    path = write_module(
        tmp_path, "::: reflexion a\nprompt: A?\n:::\n::: slider b\nprompt: B?\n:::\n"
    )
    with pytest.raises(ContentError) as caught:
        parse_module(path)
    # Line 7: unknown type; line 10: the slider misses both labels.
    assert [(p.path, p.line) for p in caught.value.problems] == [(path, 7), (path, 10), (path, 10)]


def test_it_reads_windows_line_endings_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "intro.en.md"
    text = "---\ntitle: Intro\nsummary: S\nminutes: 5\n---\n::: reflection a\nprompt: A?\n:::\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    module = parse_module(path)
    assert (module.title, module.blocks[0].fields["prompt"], module.blocks[0].line) == (
        "Intro",
        "A?",
        6,
    )


def test_it_accepts_every_block_example_in_the_content_readme(tmp_path):
    readme = (REPO / "content" / "README.md").read_text(encoding="utf-8")
    examples = [
        b for b in re.findall(r"```markdown\n(.*?)```", readme, re.S) if b.startswith(":::")
    ]
    types = set()
    for index, example in enumerate(examples):
        module = parse_module(write_module(tmp_path, example, f"example-{index}.en.md"))
        types.update(block.type for block in module.blocks)
    assert types == set(BLOCK_TYPES)


def test_it_loads_a_programme_with_modules_keyed_by_slug_and_language(tmp_path):
    programme = load_programme(write_programme(tmp_path))
    assert programme.slug == "demo"
    assert sorted(programme.modules) == [("extra", "en"), ("intro", "en")]
    assert programme.module("intro", "en").title == "Intro"


def test_it_keeps_module_order_and_optional_flags(tmp_path):
    programme = load_programme(write_programme(tmp_path))
    assert [(ref.slug, ref.optional, ref.line) for ref in programme.module_refs] == [
        ("intro", False, 9),
        ("extra", True, 10),
    ]


def test_it_raises_content_error_from_load_programme(tmp_path):
    folder = write_programme(tmp_path, step=1, body="::: homework h\nprompt: P\n:::\n")
    with pytest.raises(ContentError) as caught:
        load_programme(folder)
    assert len(caught.value.problems) == 2
    assert "homework" in str(caught.value)


def test_it_loads_every_programme_by_slug(tmp_path):
    write_programme(tmp_path, "one")
    write_programme(tmp_path, "two")
    assert sorted(load_programmes(tmp_path)) == ["one", "two"]


# --------------------------------------------------------------------------------------
# check_content
# --------------------------------------------------------------------------------------


def test_it_collects_problems_from_every_programme(tmp_path):
    write_programme(tmp_path, "one", body="::: reflexion a\nprompt: A\n:::\n")
    write_programme(tmp_path, "two", step=1, body="::: homework a\nprompt: A\n:::\n")
    problems = check_content(tmp_path)
    assert {p.path.parent.parent.name for p in problems} == {"one", "two"}
    assert len(problems) == 4


def test_it_does_not_call_files_unlisted_when_their_entry_is_invalid(tmp_path):
    folder = write_programme(tmp_path)
    yaml_path = folder / "programme.yaml"
    yaml_path.write_text(
        yaml_path.read_text().replace("  - slug: intro\n", "  - intro\n"), encoding="utf-8"
    )
    problems = check_content(tmp_path)
    assert [(p.path.name, p.line) for p in problems] == [("programme.yaml", 9)]
    assert "must look like '- slug: ...'" in problems[0].message


def test_it_never_raises_for_unreadable_files(tmp_path):
    folder = write_programme(tmp_path)
    (folder / "modules" / "intro.en.md").write_bytes(b"\xff\xfe\x00bad")
    problems = check_content(tmp_path)
    assert [(p.path.name, p.line) for p in problems] == [("intro.en.md", 1)]
    assert "not UTF-8" in problems[0].message


def test_it_accepts_the_project_root_content_or_programmes_folder(tmp_path):
    write_programme(tmp_path, body="::: reflexion a\nprompt: A\n:::\n")
    roots = [tmp_path, tmp_path / "content", tmp_path / "content" / "programmes"]
    assert [len(check_content(root)) for root in roots] == [2, 2, 2]


def test_it_reports_a_root_without_programmes(tmp_path):
    problems = check_content(tmp_path)
    assert [(p.path, p.line) for p in problems] == [(tmp_path, 0)]
    assert "no content/programmes folder" in problems[0].message


def test_it_returns_problems_sorted_by_file_and_line(tmp_path):
    write_programme(tmp_path, "b", body="::: reflexion a\nprompt: A\n:::\n")
    write_programme(tmp_path, "a", body="::: reflexion a\nprompt: A\n:::\n")
    problems = check_content(tmp_path)
    assert problems == sorted(problems, key=lambda p: (str(p.path), p.line))


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def test_it_prints_path_line_message_and_exits_1_on_problems(capsys, monkeypatch):
    monkeypatch.chdir(BROKEN / "bad-step")
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert out == (
        "content/programmes/demo/programme.yaml:3: "
        "step must be 1 (unguided self-help) or 2 (therapist-guided), got 3\n"
    )


def test_it_exits_0_when_content_is_fine(tmp_path, capsys):
    write_programme(tmp_path)
    assert main(["check", str(tmp_path)]) == 0
    assert capsys.readouterr().out == ""


def test_it_runs_as_python_dash_m(tmp_path):
    write_programme(tmp_path, body="::: reflexion a\nprompt: A\n:::\n")
    result = subprocess.run(
        [sys.executable, "-m", "programmes.content", "check", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "intro.en.md:7: unknown block type 'reflexion'" in result.stdout
