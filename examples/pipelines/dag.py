"""The GoTaglio documentation's A-F DAG: B and C both take A, D takes B and C, E has no inputs,
F takes D and E. Independent stages (A and E; B and C) overlap: each stage waits
``delays.<stage>`` seconds before it answers, so a run shows the overlap in its timings.

Run it::

    atomtrig pipeline run examples.pipelines.dag:DiamondPipeline examples/pipelines/dag_cases.json

With x=2 and y=5: A=2, B=A+1=3, C=2A=4, D=B*C=12, E=5, F=D+E=17.
"""

from __future__ import annotations

import asyncio
from typing import Any

from atomtrig.pipeline import Pipeline


class DiamondPipeline(Pipeline):
    name = "diamond"
    description = "The A-F DAG from the GoTaglio documentation, on numbers."
    default_config = {"delays": {"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.0, "E": 0.0, "F": 0.0}}

    def stages(self) -> list[dict[str, Any]]:
        delays = self.setting("delays")

        def stage(name: str, compute: Any) -> Any:
            async def run(context: dict[str, Any]) -> Any:
                if delays[name]:
                    await asyncio.sleep(delays[name])
                return compute(context["case"], context["stages"])

            run.__name__ = name.lower()
            return run

        a = stage("A", lambda case, s: case["x"])
        b = stage("B", lambda case, s: s["A"] + 1)
        c = stage("C", lambda case, s: 2 * s["A"])
        d = stage("D", lambda case, s: s["B"] * s["C"])
        e = stage("E", lambda case, s: case["y"])
        f = stage("F", lambda case, s: s["D"] + s["E"])
        return [
            {"name": "A", "function": a, "inputs": []},
            {"name": "B", "function": b, "inputs": ["A"]},
            {"name": "C", "function": c, "inputs": ["A"]},
            {"name": "D", "function": d, "inputs": ["B", "C"]},
            {"name": "E", "function": e, "inputs": []},
            {"name": "F", "function": f, "inputs": ["D", "E"]},
        ]
