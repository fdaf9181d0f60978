"""The TS #39 skeleton over Unicode's own confusables.txt (classroom/confusables.py)."""

import unicodedata

import pytest

from classroom.confusables import (
    DATA_PATH,
    PROTOTYPES,
    UNICODE_VERSION,
    ConfusablesDataError,
    confusable,
    load_prototypes,
    skeleton,
)


def test_the_shipped_file_is_unicodes_with_its_licence_header():
    head = DATA_PATH.read_text(encoding="utf-8-sig").splitlines()[:12]
    assert head[0] == "# confusables.txt"
    assert any("Unicode®, Inc." in line for line in head)
    assert any("terms_of_use" in line for line in head)
    assert any(line.startswith("# Version: ") for line in head)
    assert UNICODE_VERSION == "13.0.0"


def test_every_entry_of_the_file_is_loaded():
    # The file ends with "# total: N", its own count of data lines.
    last = [line for line in DATA_PATH.read_text(encoding="utf-8-sig").splitlines() if line]
    total = int(last[-1].removeprefix("# total:").strip())
    assert len(PROTOTYPES) == total == 6311


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # The standard's own examples (UTS #39, section 4 and its confusables data).
        ("paypal", "\u0440\u0430\u0443\u0440\u0430l"),  # Cyrillic р а у р а
        ("scope", "\u0455\u0441\u043e\u0440\u0435"),  # whole-script Cyrillic
        ("m", "rn"),
        ("0", "O"),
        ("1", "l"),
        ("I", "l"),
        ("|", "l"),
        ("\u0131", "i"),  # dotless i
        ("\u03bf", "o"),  # Greek omicron
        ("\u0391", "A"),  # Greek capital alpha
        ("\U0001d41a", "a"),  # mathematical bold a
    ],
)
def test_look_alikes_have_one_skeleton(one, other):
    assert one != other
    assert skeleton(one) == skeleton(other)
    assert confusable(one, other)


@pytest.mark.parametrize(
    ("one", "other"),
    [("Ali", "Alí"), ("a", "b"), ("Ali", "All"), ("o", "O"), ("rn", "rm")],
)
def test_different_looking_strings_keep_different_skeletons(one, other):
    assert skeleton(one) != skeleton(other)


def test_the_skeleton_is_nfd_before_and_after_mapping():
    # "é" precomposed and decomposed are one; the result is in NFD.
    assert skeleton("\u00e9") == skeleton("e\u0301") == "e\u0301"
    for text in ["Mallory", "Ayesha", "\u0645\u062d\u0645\u0651\u062f", "Zoë"]:
        assert unicodedata.is_normalized("NFD", skeleton(text))


def test_a_malformed_data_line_is_refused_with_its_line_number(tmp_path):
    bad = tmp_path / "confusables.txt"
    bad.write_text("# Version: 99.0.0\n0041 ;\n", encoding="utf-8")
    with pytest.raises(ConfusablesDataError, match="line 2"):
        load_prototypes(bad)


def test_a_file_without_data_is_refused(tmp_path):
    empty = tmp_path / "confusables.txt"
    empty.write_text("# nothing here\n", encoding="utf-8")
    with pytest.raises(ConfusablesDataError):
        load_prototypes(empty)
