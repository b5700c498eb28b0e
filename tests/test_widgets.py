"""The faster select writes exactly the markup WTForms' own select writes: the same
options, the same one selected, the same escaping, required and render_kw kept."""

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms import SelectField as WTFormsSelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from union.core.widgets import SelectField

CHOICES = [
    SelectChoice("", "Any component"),
    SelectChoice("7", "DHS/ICE-ERO"),
    SelectChoice('"><script>x</script>', "Quotes & <tags>"),
    SelectChoice("9", "Treasury/IRS-CI", render_kw={"data-note": 'a "kind" note'}),
]


def _pair(**options):
    class Ours(Form):
        pick = SelectField("Pick", **options)

    class Theirs(Form):
        pick = WTFormsSelectField("Pick", **options)

    return Ours, Theirs


@pytest.mark.parametrize("posted", [None, "", "7", '"><script>x</script>', "9", "nope"])
@pytest.mark.parametrize("required", [False, True])
def test_the_faster_select_writes_what_wtforms_writes(posted, required):
    validators = [InputRequired()] if required else []
    ours, theirs = _pair(choices=CHOICES, validators=validators, validate_choice=False)
    data = MultiDict() if posted is None else MultiDict({"pick": posted})
    mine, wtforms_own = ours(data).pick, theirs(data).pick
    assert str(mine()) == str(wtforms_own())
    assert str(mine(class_="wide", aria_describedby="pick-hint")) == str(
        wtforms_own(class_="wide", aria_describedby="pick-hint")
    )


def test_numbers_and_booleans_as_values_match_too():
    numbers = [SelectChoice(1, "One"), SelectChoice(2, "Two"), SelectChoice(True, "Yes")]
    ours, theirs = _pair(choices=numbers, coerce=str)
    data = MultiDict({"pick": "2"})
    assert str(ours(data).pick()) == str(theirs(data).pick())


def test_groups_are_left_to_wtforms():
    grouped = [
        SelectChoice("7", "DHS/ICE-ERO", optgroup="Homeland Security"),
        SelectChoice("9", "IRS-CI", optgroup="Treasury"),
    ]
    ours, theirs = _pair(choices=grouped)
    data = MultiDict({"pick": "9"})
    assert str(ours(data).pick()) == str(theirs(data).pick())
