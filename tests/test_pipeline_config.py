"""Pipeline configuration: Prompt/Internal markers, dotted overrides, conversions and their errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atomtrig import AtomtrigError
from atomtrig.pipeline import ConfigError, Internal, Pipeline, Prompt, apply_overrides, run_pipeline
from atomtrig.pipeline.config import (
    check_prompts,
    convert_value,
    flatten,
    merge_replacement,
    missing_prompts,
    parse_overrides,
    resolved_config,
    validate_config,
)

SEED_CONFIG = {
    "prepare": {
        "template": Prompt("Template file for system message"),
        "template_text": Internal(),
    },
    "infer": {
        "model": {
            "name": Prompt("Model name to use for inference stage"),
            "settings": {
                "max_tokens": 800,
                "temperature": 0.7,
                "top_p": 0.95,
                "frequency_penalty": 0,
                "presence_penalty": 0,
                "stream": False,
                "stop": ["\n"],
                "seed": None,
            },
        }
    },
}


def test_config_error_is_an_atomtrig_error() -> None:
    assert issubclass(ConfigError, AtomtrigError)


def test_dotted_override_patches_a_leaf_and_leaves_the_defaults_alone() -> None:
    config = apply_overrides(SEED_CONFIG, ["infer.model.name=gpt4o"])
    assert config["infer"]["model"]["name"] == "gpt4o"
    assert isinstance(SEED_CONFIG["infer"]["model"]["name"], Prompt)  # type: ignore[index]
    assert config["infer"]["model"]["settings"]["max_tokens"] == 800


def test_override_value_may_contain_equals_signs() -> None:
    config = apply_overrides(SEED_CONFIG, ["prepare.template=a=b.j2"])
    assert config["prepare"]["template"] == "a=b.j2"


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("infer.model.settings.max_tokens", "1200", 1200),
        ("infer.model.settings.temperature", "0.2", 0.2),
        ("infer.model.settings.temperature", "1", 1.0),
        ("infer.model.settings.frequency_penalty", "3", 3),
        ("infer.model.settings.stream", "true", True),
        ("infer.model.settings.stream", "Yes", True),
        ("infer.model.settings.stream", "off", False),
        ("infer.model.settings.stream", "0", False),
        ("infer.model.settings.stop", '["###", "END"]', ["###", "END"]),
        ("infer.model.settings.seed", "42", 42),
        ("infer.model.settings.seed", "hello", "hello"),
        ("infer.model.settings.seed", '{"a": [1]}', {"a": [1]}),
        ("infer.model.name", "123", "123"),  # a Prompt without a type keeps text as text
    ],
)
def test_text_overrides_convert_to_the_type_of_the_default(key: str, text: str, expected: object) -> None:
    config = apply_overrides(SEED_CONFIG, [f"{key}={text}"])
    value = config
    for part in key.split("."):
        value = value[part]
    assert value == expected and type(value) is type(expected)


def test_python_values_are_checked_against_the_default_type() -> None:
    config = apply_overrides(SEED_CONFIG, {"infer.model.settings.temperature": 1, "infer.model.settings.stream": True})
    assert config["infer"]["model"]["settings"]["temperature"] == 1.0
    assert isinstance(config["infer"]["model"]["settings"]["temperature"], float)
    with pytest.raises(ConfigError, match=r"expected an int"):
        apply_overrides(SEED_CONFIG, {"infer.model.settings.max_tokens": 1.5})
    with pytest.raises(ConfigError, match=r"expected an int"):
        apply_overrides(SEED_CONFIG, {"infer.model.settings.max_tokens": True})
    with pytest.raises(ConfigError, match=r"expected a str"):
        apply_overrides({"a": {"b": "x"}}, {"a.b": 3})
    with pytest.raises(ConfigError, match=r"not JSON-serialisable"):
        apply_overrides(SEED_CONFIG, {"infer.model.settings.seed": object()})


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("infer.model.settings.max_tokens=lots",
         "infer.model.settings.max_tokens=lots: expected an int (like the default 800), got 'lots'"),
        ("infer.model.settings.top_p=high",
         "infer.model.settings.top_p=high: expected a float (like the default 0.95), got 'high'"),
        ("infer.model.settings.stream=maybe",
         "infer.model.settings.stream=maybe: expected a bool (true/false, yes/no, on/off, 1/0) "
         "(like the default false), got 'maybe'"),
        ("infer.model.settings.stop=###",
         "infer.model.settings.stop=###: expected JSON text for a list (like the default [\"\\n\"]), got '###'"),
        ('infer.model.settings.stop={"a": 1}',
         'infer.model.settings.stop={"a": 1}: expected a JSON list (like the default ["\\n"]), got \'{"a": 1}\''),
    ],
)
def test_conversion_errors_name_the_key_the_value_and_the_type(override: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        apply_overrides(SEED_CONFIG, [override])
    assert str(info.value) == message


def test_typed_prompt_converts_text() -> None:
    config = apply_overrides({"run": {"n": Prompt("How many", type=int)}}, ["run.n=7"])
    assert config["run"]["n"] == 7
    with pytest.raises(ConfigError, match="expected an int"):
        apply_overrides({"run": {"n": Prompt("How many", type=int)}}, ["run.n=seven"])
    with pytest.raises(ConfigError, match="Prompt type must be"):
        Prompt("x", type=list)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="non-empty description"):
        Prompt("")


def test_override_of_a_whole_section_is_refused_with_the_keys_beneath_it() -> None:
    with pytest.raises(ConfigError) as info:
        apply_overrides(SEED_CONFIG, ["infer.model=gpt4o"])
    message = str(info.value)
    assert message.startswith("infer.model is a section, not a setting; an override cannot replace it whole.")
    assert "infer.model.name" in message and "infer.model.settings.max_tokens" in message
    assert "infer.model.settings.stop" in message
    with pytest.raises(ConfigError, match=r"^infer is a section"):
        apply_overrides(SEED_CONFIG, {"infer": {"model": {}}})


def test_unknown_key_is_refused_with_the_closest_keys() -> None:
    with pytest.raises(ConfigError) as info:
        apply_overrides(SEED_CONFIG, ["infer.model.settings.max_token=10"])
    assert str(info.value) == (
        "unknown setting 'infer.model.settings.max_token'; did you mean "
        "infer.model.settings.max_tokens? (a new key needs allow_new_keys=True, or "
        "--allow-new-keys on the command line)"
    )
    with pytest.raises(ConfigError, match=r"did you mean infer\.model\.name\?"):
        apply_overrides(SEED_CONFIG, ["infr.model.name=x"])


def test_unknown_key_with_nothing_close_lists_the_known_settings() -> None:
    with pytest.raises(ConfigError, match=r"unknown setting 'zzz'; known settings: a\.b, a\.c"):
        apply_overrides({"a": {"b": 1, "c": 2}}, ["zzz=1"])


def test_new_keys_are_accepted_when_allowed_and_parsed_as_json() -> None:
    config = apply_overrides(SEED_CONFIG, ["infer.model.settings.logprobs=5", "extra.tag=blue"], allow_new_keys=True)
    assert config["infer"]["model"]["settings"]["logprobs"] == 5
    assert config["extra"] == {"tag": "blue"}


def test_a_key_beneath_a_setting_is_refused_even_when_new_keys_are_allowed() -> None:
    with pytest.raises(ConfigError, match=r"cannot set infer\.model\.name\.x: infer\.model\.name is a setting, not a section"):
        apply_overrides(SEED_CONFIG, ["infer.model.name.x=1"], allow_new_keys=True)


def test_internal_settings_cannot_be_overridden() -> None:
    with pytest.raises(ConfigError) as info:
        apply_overrides(SEED_CONFIG, ["prepare.template_text=hello"])
    assert str(info.value) == (
        "prepare.template_text is internal: the pipeline fills it in during initialisation, so "
        "it cannot be overridden"
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["novalue"], "override 'novalue' must have the form key=value"),
        (["=3"], "override key '' must be a dotted path such as infer.model.name"),
        (["a..b=3"], "override key 'a..b' must be a dotted path such as infer.model.name"),
        ("a.b=3", "overrides must be a list of key=value strings or a dict, not the string 'a.b=3'"),
        ([3], "override 3 must have the form key=value"),
    ],
)
def test_malformed_overrides(overrides: object, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_overrides(overrides)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_missing_prompts_are_all_listed_with_their_descriptions() -> None:
    assert missing_prompts(SEED_CONFIG) == [
        ("prepare.template", "Template file for system message"),
        ("infer.model.name", "Model name to use for inference stage"),
    ]
    with pytest.raises(ConfigError) as info:
        check_prompts(SEED_CONFIG)
    assert str(info.value) == (
        "2 required settings are not set:\n"
        "  prepare.template: Template file for system message\n"
        "  infer.model.name: Model name to use for inference stage\n"
        "Supply each as key=value, e.g. prepare.template=..."
    )
    check_prompts(apply_overrides(SEED_CONFIG, ["prepare.template=t", "infer.model.name=m"]))


class SeedPipeline(Pipeline):
    name = "seed"
    description = "The seed's configuration."
    default_config = SEED_CONFIG

    def stages(self) -> dict[str, object]:
        self.set_internal("prepare.template_text", f"text of {self.setting('prepare.template')}")

        async def prepare(context: dict[str, object]) -> str:
            return "ok"

        return {"prepare": prepare}


def test_run_refuses_unset_prompts_before_any_stage_runs() -> None:
    calls = []

    class Counting(SeedPipeline):
        def stages(self) -> dict[str, object]:
            calls.append(1)
            return super().stages()

    with pytest.raises(ConfigError, match="2 required settings are not set"):
        run_pipeline(Counting, [{"id": 1}], ["infer.model.name=m"] * 0)
    with pytest.raises(ConfigError, match=r"1 required setting is not set:\n  prepare.template"):
        run_pipeline(Counting, [{"id": 1}], ["infer.model.name=m"])
    assert calls == []


def test_internal_is_filled_by_stages_and_recorded_in_the_final_config() -> None:
    log = run_pipeline(SeedPipeline, [{"id": 1}], ["prepare.template=t.j2", "infer.model.name=m"])
    config = log["pipeline"]["config"]
    assert config["prepare"] == {"template": "t.j2", "template_text": "text of t.j2"}
    assert config["infer"]["model"]["name"] == "m"
    json.dumps(log)  # the whole log is JSON


def test_set_internal_refuses_other_keys_and_non_json() -> None:
    pipeline = SeedPipeline(flat_config_patch=["prepare.template=t", "infer.model.name=m"])
    with pytest.raises(ConfigError, match=r"infer\.model\.name is not an Internal\(\) setting.*prepare\.template_text"):
        pipeline.set_internal("infer.model.name", "x")
    with pytest.raises(ConfigError, match="not JSON-serialisable"):
        pipeline.set_internal("prepare.template_text", object())
    pipeline.set_internal("prepare.template_text", "a")
    pipeline.set_internal("prepare.template_text", "b")  # may be set again
    assert pipeline.final_config()["prepare"]["template_text"] == "b"


def test_unset_internal_is_null_in_the_final_config() -> None:
    assert resolved_config({"p": {"text": Internal(), "n": [1]}}) == {"p": {"text": None, "n": [1]}}


def test_replacement_config_keeps_internal_markers_and_extra_keys() -> None:
    old = {"prepare": {"template": "a.j2", "template_text": "OLD"}, "infer": {"model": {"name": "m"}},
           "extra": {"k": 1}}
    merged = merge_replacement(SEED_CONFIG, old)
    assert merged["prepare"]["template"] == "a.j2"
    assert isinstance(merged["prepare"]["template_text"], Internal)
    assert merged["infer"]["model"]["name"] == "m"
    assert merged["infer"]["model"]["settings"]["max_tokens"] == 800
    assert merged["extra"] == {"k": 1}
    pipeline = SeedPipeline(replacement_config=old, flat_config_patch=["infer.model.name=n"])
    assert pipeline.setting("infer.model.name") == "n"
    with pytest.raises(ConfigError, match="must be a dict"):
        merge_replacement(SEED_CONFIG, [1])  # type: ignore[arg-type]


def test_pipeline_class_may_allow_new_keys() -> None:
    class Open(SeedPipeline):
        allow_new_keys = True

    assert Open(flat_config_patch=["new.key=1"]).setting("new.key") == 1
    with pytest.raises(ConfigError, match="unknown setting 'new.key'"):
        SeedPipeline(flat_config_patch=["new.key=1"])
    assert SeedPipeline(flat_config_patch=["new.key=1"], allow_new_keys=True).setting("new.key") == 1


def test_setting_lookup_suggests_close_keys() -> None:
    pipeline = SeedPipeline()
    with pytest.raises(ConfigError, match=r"no setting 'infer.model.nam'; did you mean infer\.model\.name"):
        pipeline.setting("infer.model.nam")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ([1], "default configuration must be a dict with a section per stage, not list"),
        ({"a": {"b.c": 1}}, "key 'b.c' under 'a' contains a '.'"),
        ({"a": {"b": {1: 2}}}, "keys must be non-empty strings, not 1 under 'a.b'"),
        ({"a": {"b": object()}}, "a.b is object"),
        ({"a": {"b": {1, 2}}}, "a.b is set {1, 2}, which is not JSON-serialisable"),
    ],
)
def test_default_config_must_be_json_with_markers(config: object, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate_config(config)
    assert message in str(info.value)


def test_flatten_lists_leaves_only() -> None:
    assert list(flatten(SEED_CONFIG))[:3] == ["prepare.template", "prepare.template_text", "infer.model.name"]
    assert flatten({"a": {}}) == {"a": {}}  # an empty dict is a value, not a section


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_int_text_round_trips(n: int) -> None:
    assert convert_value("k", str(n), 5) == n


@settings(max_examples=60, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_text_round_trips(x: float) -> None:
    assert convert_value("k", repr(x), 0.5) == x


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda children: st.lists(children, max_size=3), max_leaves=8))
def test_json_text_round_trips_for_list_defaults(value: object) -> None:
    wrapped = [value]
    assert convert_value("k", json.dumps(wrapped), []) == wrapped


def test_gotaglio_style_constructor_passing_the_defaults_to_super() -> None:
    class Styled(Pipeline):
        name = "styled"

        def __init__(self, replacement_config: Any = None, flat_config_patch: Any = None, **options: Any) -> None:
            default_config = {"infer": {"model": {"name": Prompt("Model name")}}}
            super().__init__(default_config, replacement_config, flat_config_patch, **options)

        def stages(self) -> dict[str, Any]:
            name = self.setting("infer.model.name")

            async def infer(context: dict[str, Any]) -> str:
                return name

            return {"infer": infer}

    log = run_pipeline(Styled, [{"id": 1}], ["infer.model.name=gpt4o"])
    assert log["results"][0]["stages"] == {"infer": "gpt4o"}
    assert log["pipeline"]["config"] == {"infer": {"model": {"name": "gpt4o"}}}
    with pytest.raises(ConfigError, match="unknown setting 'x.y'"):
        run_pipeline(Styled, [{"id": 1}], ["infer.model.name=m", "x.y=1"])
    assert run_pipeline(Styled, [{"id": 1}], ["infer.model.name=m", "x.y=1"], allow_new_keys=True)[
        "pipeline"]["config"]["x"] == {"y": 1}
