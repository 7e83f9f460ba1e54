import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validation.core.errors import ConfigError, StackcheckError
from validation.core.yamlload import LineDict, parse_yaml
from validation.scenarios.loader import parse_scenarios

pytestmark = pytest.mark.unit


def test_key_lines_are_remembered():
    data = parse_yaml("a: 1\nb:\n  c: 2\n", source="x.yml")
    assert isinstance(data, LineDict)
    assert data.line_of("a") == 1 and data.line_of("b") == 2 and data["b"].line_of("c") == 3


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        ("a: [1, 2\n", "x.yml:2"),
        ("? [a]\n: 1\n", "keys must be plain text"),
        ("[" * 5000, "x.yml"),
    ],
    ids=["duplicate key", "unclosed list", "list as key", "deep nesting"],
)
def test_bad_yaml_is_a_placed_error_never_a_traceback(text, fragment):
    with pytest.raises(ConfigError) as err:
        parse_yaml(text, source="x.yml")
    assert fragment in err.value.render()


def test_literal_ints_keep_what_the_user_wrote():
    data = parse_yaml("a: 0x63\nb: 1_000\nc: 5\nd: 010\n", source="x", literal_ints=True)
    assert data == {"a": "0x63", "b": "1_000", "c": 5, "d": "010"}


def test_scenario_values_0x3_mean_promtools_repetition_not_hex():
    scenario = parse_scenarios(
        'name: s\nwhy: w\ninput_series:\n  - series: m{a="b"}\n    values: 0x3\nexp_alerts:\n'
        "  - alertname: X\n",
        source="s.yaml",
    )[0]
    assert list(scenario.input_series[0].values) == [0.0, 0.0, 0.0, 0.0]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}?,'\"\n #&*!|>0x1_")), max_size=80))
def test_any_text_parses_or_fails_with_a_stackcheck_error(text):
    try:
        parse_yaml(text, source="fuzz.yml")
    except StackcheckError as exc:
        assert exc.render().startswith("fuzz.yml")
