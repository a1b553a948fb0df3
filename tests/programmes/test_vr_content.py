"""Content validation of vr_exposure blocks: a scene and at least five graded levels."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from programmes.content import ContentError, check_content, parse_module
from tests.programmes.test_content import write_module

LEVELS = '["one", "two", "three", "four", "five"]'
SHIPPED = Path(__file__).resolve().parents[2] / "content"


def block(scene: str = "heights", levels: str = LEVELS, extra: str = "") -> str:
    return f"::: vr_exposure vr\nprompt: Try it\nscene: {scene}\nlevels: {levels}\n{extra}:::\n"


def problems(tmp_path, text: str) -> list[str]:
    with pytest.raises(ContentError) as caught:
        parse_module(write_module(tmp_path, text))
    return [p.message for p in caught.value.problems]


@pytest.mark.parametrize("scene", ["heights", "crowd", "speaking"])
def test_it_accepts_a_vr_block_for_each_scene(tmp_path, scene):
    module = parse_module(write_module(tmp_path, block(scene)))
    fields = module.blocks[0].fields
    assert fields["scene"] == scene and len(fields["levels"]) == 5


def test_it_refuses_fewer_than_five_levels(tmp_path):
    found = problems(tmp_path, block(levels='["one", "two", "three", "four"]'))
    assert found == ["block 'vr': 'levels' must have 5 to 12 items, got 4"]


def test_it_refuses_a_scene_it_cannot_build(tmp_path):
    found = problems(tmp_path, block(scene="lift"))
    assert found == ["block 'vr': 'scene' must be one of heights, crowd, speaking, got 'lift'"]


@pytest.mark.parametrize("levels,fragment", [
    ("[one, '', three, four, five]", "every item must be non-empty text"),
    ("five levels", "must be a list"),
])
def test_it_refuses_levels_that_are_not_a_list_of_texts(tmp_path, levels, fragment):
    found = problems(tmp_path, block(levels=levels))
    assert len(found) == 1 and fragment in found[0]


def test_it_refuses_a_missing_scene_and_an_unknown_field(tmp_path):
    text = "::: vr_exposure vr\nprompt: P\nlevels: " + LEVELS + "\nmodel: tower.glb\n:::\n"
    found = problems(tmp_path, text)
    assert any("missing required field 'scene'" in m for m in found)
    assert any("unknown field 'model'" in m for m in found)


def test_it_refuses_languages_whose_scene_or_levels_differ(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SHIPPED, content)
    danish = content / "programmes" / "anxiety" / "modules" / "exposure.da.md"
    text = danish.read_text(encoding="utf-8")
    text = text.replace("scene: crowd", "scene: speaking", 1)
    text = text.replace('"30. sal: øverste etage, med glasgulv under fødderne"]',
                        '"30. sal", "40. sal"]', 1)
    danish.write_text(text, encoding="utf-8")
    found = [p.message for p in check_content(tmp_path)]
    assert any("'vr-heights' has 6 levels but 5" in m for m in found), found
    assert any("'scene' is speaking here but crowd" in m for m in found), found


def test_it_ships_the_three_scenes_beside_the_anxiety_ladder():
    module = parse_module(SHIPPED / "programmes" / "anxiety" / "modules" / "exposure.en.md")
    kinds = [(b.type, b.fields.get("scene")) for b in module.blocks]
    assert ("exposure_ladder", None) in kinds
    assert {s for t, s in kinds if t == "vr_exposure"} == {"heights", "crowd", "speaking"}
