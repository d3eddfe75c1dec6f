"""The drug library (domain.md, "Baclofen" and "Dose error reduction"): the packaged figures, and
a library file that is wrong in any way is refused with a ReferenceDataError naming the file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from programmer.drug_library import (
    PatientGroup,
    default_drug_library,
    drug_library_from_text,
    library_changes,
    load_drug_library,
)
from programmer.errors import ReferenceDataError

PACKAGED = (
    Path(__file__).resolve().parents[2] / "programmer" / "data" / "drug_library.toml"
).read_text("utf-8")


def test_baclofen_figures_are_those_of_domain_md() -> None:
    library = default_drug_library()
    assert library.version
    baclofen = library.drug("baclofen")
    assert baclofen.concentrations_mcg_per_ml == (Decimal(500), Decimal(1000), Decimal(2000))
    assert baclofen.screening_concentrations_mcg_per_ml == (Decimal(50),)
    assert baclofen.hard_max_mcg_per_day == 2000
    assert baclofen.bolus_max_mcg == 100
    assert baclofen.stability_days == 180
    assert baclofen.extreme_factor == 3
    assert baclofen.decrease_large_pct == 20
    ranges = {g: (r.low_mcg_per_day, r.high_mcg_per_day) for g, r in baclofen.usual_range.items()}
    assert ranges == {
        PatientGroup.SPINAL: (300, 800),
        PatientGroup.CEREBRAL: (90, 703),
        PatientGroup.CHILD: (24, 1199),
    }
    assert baclofen.titration_pct_for(PatientGroup.SPINAL) == 30
    assert baclofen.titration_pct_for(PatientGroup.CEREBRAL) == 15


def test_child_without_a_titration_figure_gets_the_most_cautious_step() -> None:
    assert default_drug_library().drug("baclofen").titration_pct_for(PatientGroup.CHILD) == 15


def test_unknown_drug_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: baclofen"):
        default_drug_library().drug("morfine")


def test_the_packaged_file_loads_from_a_path_too(tmp_path: Path) -> None:
    path = tmp_path / "library.toml"
    path.write_text(PACKAGED, "utf-8")
    assert load_drug_library(path) == default_drug_library()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "admin-library.toml"
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("hard_max_mcg_per_day = 2000", "hard_max_mcg_per_day = ", "not valid TOML"),
        (
            "hard_max_mcg_per_day = 2000",
            "hard_max_mcg_per_day = 2000\nhard_maxx = 3",
            "unknown key(s) hard_maxx",
        ),
        (
            'version = "2026.11-1"',
            'version = "2026.11-1"\ncolour = "blue"',
            "unknown key(s) colour",
        ),
        (
            "spinal = [300, 800]",
            "spinal = [300, 800]\nspinall = [1, 2]",
            "unknown patient group 'spinall'",
        ),
        ("hard_max_mcg_per_day = 2000\n", "", "missing 'hard_max_mcg_per_day'"),
        ("stability_days = 180\n", "", "missing 'stability_days'"),
        ("spinal = [300, 800]", "spinal = [800, 300]", "low < high"),
        ("spinal = [300, 800]", "spinal = [300, 300]", "low < high"),
        ("spinal = [300, 800]", "spinal = [300]", "low < high"),
        ("spinal = [300, 800]\n", "", "no usual range for 'spinal'"),
        ("spinal = 30\ncerebral = 15", "", "no titration step"),
        (
            "concentrations_mcg_per_ml = [500, 1000, 2000]",
            "concentrations_mcg_per_ml = []",
            "no pump-fill concentration",
        ),
        (
            "concentrations_mcg_per_ml = [500, 1000, 2000]",
            "concentrations_mcg_per_ml = [500, -1]",
            "> 0",
        ),
        ("extreme_factor = 3", "extreme_factor = 1", "extreme_factor must be > 1"),
        ("hard_max_mcg_per_day = 2000", 'hard_max_mcg_per_day = "2000"', "must be a number"),
        ("hard_max_mcg_per_day = 2000", "hard_max_mcg_per_day = true", "must be a number"),
        ("hard_max_mcg_per_day = 2000", "hard_max_mcg_per_day = nan", "> 0"),
        ("hard_max_mcg_per_day = 2000", "hard_max_mcg_per_day = 0", "> 0"),
        ("stability_days = 180", "stability_days = 180.5", "whole number"),
        (
            'format = "itb-drug-library/1"',
            'format = "itb-drug-library/2"',
            "expected 'itb-drug-library/1'",
        ),
        ('version = "2026.11-1"', 'version = ""', "'version' must be non-empty text"),
        ('name = "baclofen"', "name = 7", "'name' must be non-empty text"),
    ],
)
def test_bad_library_file_is_refused_naming_the_file(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    assert old in PACKAGED
    path = _write(tmp_path, PACKAGED.replace(old, new, 1))
    with pytest.raises(ReferenceDataError) as info:
        load_drug_library(path)
    assert str(path) in str(info.value)
    assert words in str(info.value)


def test_drug_listed_twice_is_refused(tmp_path: Path) -> None:
    start = PACKAGED.index("[[drug]]")
    path = _write(tmp_path, PACKAGED + "\n" + PACKAGED[start:])
    with pytest.raises(ReferenceDataError, match="'baclofen' appears twice") as info:
        load_drug_library(path)
    assert str(path) in str(info.value)


def test_library_without_drugs_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, 'format = "itb-drug-library/1"\nversion = "1"\n')
    with pytest.raises(ReferenceDataError, match="missing 'drug'") as info:
        load_drug_library(path)
    assert str(path) in str(info.value)


def test_missing_or_unreadable_library_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="cannot read") as info:
        load_drug_library(tmp_path / "nowhere.toml")
    assert "nowhere.toml" in str(info.value)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ReferenceDataError, match=r"binary\.toml"):
        load_drug_library(binary)


# ---------------------------------------------------------------- a library given as text


def test_a_library_given_as_text_is_checked_like_the_file() -> None:
    assert drug_library_from_text(PACKAGED, "the import") == default_drug_library()
    misspelt = PACKAGED.replace("bolus_max_mcg", "bolus_max_mcg = 1\nbolus_cap")
    with pytest.raises(ReferenceDataError, match=r"^the import, drug #1: unknown key"):
        drug_library_from_text(misspelt, "the import")
    with pytest.raises(ReferenceDataError, match=r"^new\.toml is not valid TOML"):
        drug_library_from_text("version = ", "new.toml")


def test_library_changes_name_every_limit_that_differs_with_its_unit() -> None:
    old = default_drug_library()
    new = drug_library_from_text(
        PACKAGED.replace("hard_max_mcg_per_day = 2000", "hard_max_mcg_per_day = 1500")
        .replace(
            "concentrations_mcg_per_ml = [500, 1000, 2000]",
            "concentrations_mcg_per_ml = [500, 1000]",
        )
        .replace("cerebral = 15", "cerebral = 10")
    )
    assert library_changes(old, new) == (
        "baclofen: pump-fill concentrations 500 mcg/mL, 1000 mcg/mL, 2000 mcg/mL -> "
        "500 mcg/mL, 1000 mcg/mL",
        "baclofen: hard maximum 2000 mcg/day -> 1500 mcg/day",
        "baclofen: titration step (cerebral) 15 % -> 10 %",
    )
    assert library_changes(old, old) == ()


def test_the_screening_concentration_can_never_be_confirmed_as_compounded() -> None:
    baclofen = default_drug_library().drug("baclofen")
    refusal = baclofen.compounded_refusal(Decimal("50"))
    assert refusal is not None and "screening by lumbar puncture only" in refusal
    assert "nothing to confirm" in (baclofen.compounded_refusal(Decimal("2000.0")) or "")
    assert baclofen.compounded_refusal(Decimal("0")) is not None
    assert baclofen.compounded_refusal(Decimal("1500")) is None
