import codecs
import random
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from classroom.nicknames import (
    ADJECTIVES,
    ANIMALS,
    MAX_NICKNAME_LENGTH,
    NicknameError,
    clean_nickname,
    generated_nickname,
    is_offensive,
    nickname_key,
    nickname_keys,
    nickname_skeleton,
)


def keys_of(names):
    """What services pass generated_nickname as `taken`: both keys of every name."""
    return {key for name in names for key in nickname_keys(name)}


def rot13(text):
    # Test inputs are ROT13-encoded like the blocklist, so this file reads cleanly.
    return codecs.decode(text, "rot13")


def test_an_ordinary_name_is_kept_as_typed():
    assert clean_nickname("Ayesha") == "Ayesha"
    assert clean_nickname("Muhammad Ali 7") == "Muhammad Ali 7"
    assert clean_nickname("Zoë") == "Zoë"
    assert clean_nickname("عائشہ") == "عائشہ"


@pytest.mark.parametrize(
    "raw", ["<b>Ali</b>", "<b onclick=alert(1)>", "<script>alert(1)", "&lt;Ali"]
)
def test_html_is_accepted_as_literal_text(raw):
    # Escaping is the renderer's job; the name is kept exactly as typed.
    assert clean_nickname(raw) == raw


def test_whitespace_is_collapsed_and_stripped():
    assert clean_nickname("  Ali \t\n  Khan  ") == "Ali Khan"


@pytest.mark.parametrize(
    "invisible",
    ["\u202e", "\u202a", "\u2066", "\u2069", "\u200b", "\u200c", "\u200d", "\ufeff", "\x00",
     "\x1b", "\u00ad", "\u3164", "\u2800", "\ud800", "\ue000"],
)  # fmt: skip
def test_bidi_zero_width_and_control_characters_are_removed(invisible):
    assert clean_nickname(f"Al{invisible}i") == "Ali"


def test_a_right_to_left_override_cannot_reverse_the_name():
    assert clean_nickname("\u202eiloveyou") == "iloveyou"


def test_stacked_combining_marks_are_cut_to_three_per_letter():
    zalgo = "A" + "\u0336" * 12 + "li"
    assert clean_nickname(zalgo) == "A\u0336\u0336\u0336li"


def test_arabic_letters_with_shadda_and_vowel_are_kept():
    name = "محمّد"
    assert clean_nickname(name) == unicodedata.normalize("NFKC", name)


def test_nfkc_folds_fullwidth_and_ligatures():
    assert clean_nickname("Ａｌｉ") == "Ali"
    assert clean_nickname("ﬁona") == "fiona"


def test_the_img_onerror_nickname_is_kept_exactly_as_typed():
    # Escaping is the renderer's job: the name must show literally, not vanish.
    assert clean_nickname("<img src=x onerror=alert(1)>") == "<img src=x onerror=alert(1)>"


def test_thirty_characters_is_the_limit():
    assert clean_nickname("a" * MAX_NICKNAME_LENGTH) == "a" * MAX_NICKNAME_LENGTH
    with pytest.raises(NicknameError, match="1–30") as caught:
        clean_nickname("a" * (MAX_NICKNAME_LENGTH + 1))
    assert caught.value.code == "nickname_invalid"
    assert caught.value.message == "Choose a nickname of 1–30 characters."


def test_over_long_raw_input_is_refused_before_normalising(monkeypatch):
    import classroom.nicknames as module

    calls = []
    real = module.unicodedata.normalize
    monkeypatch.setattr(
        module.unicodedata, "normalize", lambda form, s: calls.append(s) or real(form, s)
    )
    with pytest.raises(NicknameError, match="1–30"):
        clean_nickname("\u200b" * (4 * MAX_NICKNAME_LENGTH + 1) + "Ali")
    assert calls == []


def test_raw_input_padded_with_invisibles_under_the_raw_limit_is_cleaned():
    assert clean_nickname("\u200b" * 70 + "Ali") == "Ali"


def test_nfkc_expansion_past_the_limit_is_refused():
    # U+FDFA is one character that NFKC expands to 18.
    with pytest.raises(NicknameError, match="1–30"):
        clean_nickname("\ufdfa\ufdfa")


@pytest.mark.parametrize("raw", ["", "   ", "\u200b\u200b", "\u202e"])
def test_an_empty_name_is_refused(raw):
    with pytest.raises(NicknameError, match="1–30"):
        clean_nickname(raw)


@pytest.mark.parametrize("raw", ["!!!", "...", "☺☺", "- -"])
def test_a_name_without_a_letter_or_digit_is_refused(raw):
    with pytest.raises(NicknameError, match="at least one letter or number"):
        clean_nickname(raw)


@pytest.mark.parametrize("raw", [None, 42, ["Ali"], {"n": "Ali"}, b"Ali"])
def test_a_nickname_that_is_not_text_is_refused(raw):
    with pytest.raises(NicknameError) as caught:
        clean_nickname(raw)
    assert caught.value.code == "nickname_invalid"


def test_cleaning_leaves_taste_to_is_offensive():
    # The caller decides what happens to a flagged name (services: a generated one).
    rude = rot13("Ovt Shpxre")
    assert clean_nickname(rude) == rude
    assert is_offensive(rude)


def test_nickname_key_ignores_case():
    assert nickname_key("ALI") == nickname_key("ali") == "ali"
    assert nickname_key("Straße") == nickname_key("STRASSE")


# --- look-alike names (Unicode TS #39 skeletons) --------------------------------------


def same_name(one, other):
    """Whether a game treats the two typed names as one (services: nickname_taken)."""
    one, other = clean_nickname(one), clean_nickname(other)
    return nickname_key(one) == nickname_key(other) or nickname_skeleton(one) == nickname_skeleton(
        other
    )


@pytest.mark.parametrize(
    ("taken", "look_alike"),
    [
        ("Mallory", "M\u0430llory"),  # Cyrillic а
        ("Mallory", "\u041c\u0430ll\u043ery"),  # Cyrillic М а о: mixed script
        ("Ali", "\u0391li"),  # Greek capital alpha
        ("Tom", "\u03a4\u03bfm"),  # Greek Τ ο
        ("Scope", "\u0405\u0441\u043e\u0440\u0435"),  # whole-script Cyrillic
        ("Bob", "B0b"),  # digit zero
        ("Bob", "B0B"),  # digit zero, whatever the case
        ("Alex", "A1ex"),  # digit one
        ("Alex", "AIex"),  # capital i for small L
        ("Emma", "Ernrna"),  # "rn" for "m"
        ("Mallory", "MALLORY"),  # case
        ("Mallory", "m\u0430llory"),  # case and Cyrillic together
        ("Ali", "\uff21\uff4c\uff49"),  # full-width
        ("Ali", "\U0001d400li"),  # mathematical bold capital A
        ("Ali Khan", "Ali  Khan"),  # spacing (cleaned)
        ("Zoe", "Zo\u0435"),  # Cyrillic е
    ],
)
def test_a_look_alike_of_a_taken_name_is_the_same_name(taken, look_alike):
    assert look_alike != taken
    assert same_name(taken, look_alike)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # Accents are visible on the projector and make real, different names.
        ("Ali", "Al\u00ed"),
        ("Zoe", "Zo\u00eb"),
        # Small i and small L look different; only a capital I is an L.
        ("Ali", "All"),
        ("ALI", "All"),
        ("Bill", "Bili"),
        ("Ayesha", "Aisha"),
        ("Sam", "Sarn Two"),
        ("Amna", "Anna"),
    ],
)
def test_names_that_look_different_are_both_allowed(one, other):
    assert not same_name(one, other)


def test_the_two_keys_catch_what_the_other_misses():
    # Case first: "ALI" is "Ali" (the as-typed skeletons differ: "ALl" and "Ali").
    assert nickname_key("ALI") == nickname_key("Ali")
    assert nickname_skeleton("ALI") != nickname_skeleton("Ali")
    # As typed: a capital I is a small L (the case-blind keys differ: "aiex", "alex").
    assert nickname_skeleton("AIex") == nickname_skeleton("Alex")
    assert nickname_key("AIex") != nickname_key("Alex")


def test_the_case_blind_key_is_stable_for_every_confusable_character():
    from classroom.confusables import PROTOTYPES

    for code in PROTOTYPES:
        for text in {chr(code), chr(code).upper(), chr(code).lower()}:
            key = nickname_key(text)
            assert nickname_key(key) == key, hex(code)


def test_the_longest_possible_keys_fit_their_columns():
    from classroom.nicknames import MAX_KEY_LENGTH

    widest = 0
    for code in range(0x10000):
        char = chr(code)
        if unicodedata.category(char) in ("Cs", "Cn") or not char.isprintable():
            continue
        if unicodedata.normalize("NFKC", char) != char:
            continue  # clean_nickname has already normalised it away
        widest = max(widest, len(nickname_key(char)), len(nickname_skeleton(char)))
    assert widest * MAX_NICKNAME_LENGTH <= MAX_KEY_LENGTH


@pytest.mark.parametrize(
    "disguised",
    [
        # Coptic sima (U+2CA5) and a small capital C (U+1D04) for "c": in the
        # standard's table, not in the hand-made list of look-alikes it replaced.
        rot13("shpx").replace("c", "\u2ca5"),
        rot13("shpx").replace("c", "\u1d04"),
        # Cherokee letters for "s" and "h" (U+13DA, U+13BB).
        rot13("fuvg").replace("s", "\u13da").replace("h", "\u13bb"),
        # A small L for the capital I, in capitals.
        rot13("FUVG").replace("I", "l"),
        rot13("OVGPU").replace("I", "l"),
    ],
)
def test_the_blocklist_sees_through_look_alike_letters(disguised):
    assert disguised != rot13("shpx")
    assert is_offensive(disguised)


@pytest.mark.parametrize(
    "encoded",
    [
        "shpx",  # plain
        "SHPX",  # upper case
        "Shhhhpx lbh",  # repeated letters
        "s.h.p.x",  # punctuation between letters
        "s h p x",  # spaces between letters
        "5u1g",  # leetspeak
        "$u1g",  # leetspeak with symbols
        "Ovt Nff",  # short word as a whole word
        "n.f.f",  # short word spelled out
        "fuvgurnq99",  # long word inside a token
        "xvyyzrcyrnfr shpxre",  # long word anywhere
        "ovgpué",  # accent
        "Ovgpu",
    ],
)
def test_blocked_words_are_found_through_disguises(encoded):
    assert is_offensive(rot13(encoded))


def test_cyrillic_look_alikes_do_not_hide_a_blocked_word():
    # A Cyrillic "с" (U+0441) in place of the Latin "c".
    disguised = rot13("shpx").replace("c", "\u0441")
    assert disguised != rot13("shpx")
    assert is_offensive(disguised)


@pytest.mark.parametrize(
    "name",
    [
        "Scunthorpe",
        "Dickens",
        "Hancock",
        "Cassandra",
        "Essex",
        "Pakistan",
        "Therapist",
        "Grape",
        "Assassin",
        "Arsenal",
        "Raccoon",
        "Cumberbatch",
        "Shiitake",
        "Sussex Bass",
        "Ali",
        "Peacock",
        "Torpedo",
        "Nazish",
        "Dikshit",
        "Sheetal",
        "Butt",
        "Phuc",
    ],
)
def test_ordinary_names_containing_a_short_blocked_word_are_allowed(name):
    assert not is_offensive(name)
    assert clean_nickname(name) == name


def test_generated_names_are_friendly_adjective_animal_pairs():
    name = generated_nickname(random.Random(1))
    adjective, animal = name.split(" ")
    assert adjective in ADJECTIVES and animal in ANIMALS


def test_generated_names_are_deterministic_for_a_seed():
    assert generated_nickname(random.Random(7)) == generated_nickname(random.Random(7))


def test_no_generated_name_is_offensive_or_invalid():
    for adjective in ADJECTIVES:
        for animal in ANIMALS:
            for suffix in ("", " 2", " 99", " 9999"):
                name = f"{adjective} {animal}{suffix}"
                assert not is_offensive(name), name
                assert clean_nickname(name) == name


def test_a_taken_name_is_not_generated_again_ignoring_case():
    rng = random.Random(3)
    first = generated_nickname(random.Random(3))
    again = generated_nickname(rng, taken=keys_of([first.upper()]))
    assert nickname_key(again) != nickname_key(first)


def test_a_generated_name_never_looks_like_a_taken_one():
    # "Ibex" as typed has the skeleton "lbex": a student's "lbex Lion" (small L) takes
    # "Ibex Lion" away from the generator, though their case-blind keys differ.
    first = generated_nickname(random.Random(11))
    look_alike = first.replace("I", "l").replace("a", "\u0430").replace("o", "\u043e")
    again = generated_nickname(random.Random(11), taken=keys_of([look_alike]))
    assert again != first
    assert not set(nickname_keys(again)) & keys_of([look_alike])
    ibex = "Ibex Lion"
    assert nickname_skeleton(ibex) == nickname_skeleton("lbex Lion")
    assert nickname_key(ibex) != nickname_key("lbex Lion")


def test_when_every_plain_name_is_taken_a_number_is_added():
    every = [f"{a} {n}" for a in ADJECTIVES for n in ANIMALS]
    name = generated_nickname(random.Random(0), taken=keys_of(every))
    base, number = name.rsplit(" ", 1)
    assert base in every and number == "2"
    taken = [*every, name]
    assert generated_nickname(random.Random(0), taken=keys_of(taken)) not in taken


def test_numbering_skips_numbers_a_class_would_giggle_at():
    every = [f"{a} {n}" for a in ADJECTIVES for n in ANIMALS]
    base = generated_nickname(random.Random(5), taken=keys_of(every)).rsplit(" ", 1)[0]
    taken = every + [f"{base} {i}" for i in range(2, 69)]
    assert generated_nickname(random.Random(5), taken=keys_of(taken)) == f"{base} 70"


@given(st.text(max_size=100))
def test_clean_nickname_returns_a_valid_name_or_refuses(raw):
    try:
        name = clean_nickname(raw)
    except NicknameError as error:
        assert error.code == "nickname_invalid" and error.message
        return
    assert 1 <= len(name) <= MAX_NICKNAME_LENGTH
    assert name == name.strip() and "  " not in name
    assert any(ch.isalnum() for ch in name)
    assert not any(ch in name for ch in "\u202e\u200b\u200d\ufeff\x00\n\t")
    # Cleaning is idempotent: a stored name passes again unchanged.
    assert clean_nickname(name) == name
