"""The GoTaglio documentation's four-stage pipeline (prepare, infer, extract, assess) with
deterministic stand-in models, on a small arithmetic case suite.

Run it::

    atomtrig pipeline run examples.pipelines.arithmetic:ArithmeticPipeline \
        examples/pipelines/arithmetic_cases.json \
        prepare.template=examples/pipelines/arithmetic_template.txt infer.model.name=perfect

The models (chosen with ``infer.model.name``):

- ``perfect`` always answers right;
- ``flaky`` cycles right, wrong, raises (by call, starting with right) — so, run with ``-c 1``,
  case 1 passes, case 2 fails (wrong answer), case 3 raises in ``infer``, and so on;
- ``echo`` repeats the user's question, so ``extract`` raises (no number at the end).
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template
from typing import Any

from atomtrig.pipeline import ConfigError, ExceptionContext, Internal, Pipeline, Prompt

_QUESTION = re.compile(r"(-?\d+(?:\.\d+)?)\s*([-+*/])\s*(-?\d+(?:\.\d+)?)")
_NUMBER = re.compile(r"(-?\d+(?:\.\d+)?)\s*$")


def _solve(question: str) -> float:
    match = _QUESTION.search(question)
    if match is None:
        raise ValueError(f"no arithmetic in {question!r}")
    a, op, b = float(match.group(1)), match.group(2), float(match.group(3))
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[op]


def _number_text(x: float) -> str:
    return str(int(x)) if x == int(x) else repr(x)


class PerfectModel:
    """Always answers right."""

    async def infer(self, messages: list[dict[str, str]], settings: dict[str, Any]) -> str:
        return _number_text(_solve(messages[-1]["content"]))


class FlakyModel:
    """Cycles right, wrong (off by one), raises."""

    def __init__(self) -> None:
        self.calls = 0

    async def infer(self, messages: list[dict[str, str]], settings: dict[str, Any]) -> str:
        turn = self.calls % 3
        self.calls += 1
        if turn == 2:
            raise RuntimeError("the flaky model is overloaded")
        answer = _solve(messages[-1]["content"])
        return _number_text(answer if turn == 0 else answer + 1)


class EchoModel:
    """Repeats the user's message."""

    async def infer(self, messages: list[dict[str, str]], settings: dict[str, Any]) -> str:
        return messages[-1]["content"]


MODELS = {"perfect": PerfectModel, "flaky": FlakyModel, "echo": EchoModel}


class ArithmeticPipeline(Pipeline):
    name = "arithmetic"
    description = "Asks a stand-in model arithmetic questions and checks its answers."
    default_config = {
        "prepare": {
            "template": Prompt("Template file for system message"),
            "template_text": Internal(),
        },
        "infer": {
            "model": {
                "name": Prompt("Model name to use for inference stage (perfect, flaky or echo)"),
                "settings": {
                    "max_tokens": 800,
                    "temperature": 0.7,
                    "top_p": 0.95,
                    "frequency_penalty": 0,
                    "presence_penalty": 0,
                },
            }
        },
    }

    def stages(self) -> dict[str, Any]:
        # Set-up first, so a typo in a model name or template path fails before any case runs.
        template_path = Path(self.setting("prepare.template"))
        if not template_path.is_absolute() and not template_path.exists():
            template_path = Path(__file__).parent / template_path.name
        try:
            self.set_internal("prepare.template_text", template_path.read_text(encoding="utf-8"))
        except OSError as error:
            raise ConfigError(f"prepare.template: cannot read {template_path}: {error.strerror}") from None
        template = Template(self.setting("prepare.template_text"))
        model_name = self.setting("infer.model.name")
        if model_name not in MODELS:
            raise ConfigError(f"infer.model.name: unknown model {model_name!r}; known: {', '.join(MODELS)}")
        model = MODELS[model_name]()
        settings = self.setting("infer.model.settings")

        async def prepare(context: dict[str, Any]) -> list[dict[str, str]]:
            return [
                {"role": "system", "content": template.safe_substitute(context["case"])},
                {"role": "user", "content": context["case"]["user"]},
            ]

        async def infer(context: dict[str, Any]) -> str:
            return await model.infer(context["stages"]["prepare"], settings)

        async def extract(context: dict[str, Any]) -> float:
            with ExceptionContext("Extracting numerical answer from LLM response."):
                match = _NUMBER.search(context["stages"]["infer"])
                if match is None:
                    raise ValueError(f"no number at the end of {context['stages']['infer']!r}")
                return float(match.group(1))

        async def assess(context: dict[str, Any]) -> dict[str, Any]:
            error = context["stages"]["extract"] - context["case"]["answer"]
            return {"error": error, "correct": abs(error) < 1e-9}

        return {"prepare": prepare, "infer": infer, "extract": extract, "assess": assess}

    def passed(self, result: Any) -> bool:
        return bool(result.get("succeeded")) and bool(result["stages"]["assess"]["correct"])
