from __future__ import annotations

import pytest

from kernels import Gateway, mock_scripts
from search import Architecture, ArchitectureError, get_task, run_architecture

VOTE8 = """
name: vote-8
layers:
  - - {type: generator, model: mock/solver, samples: 8, temperature: 0.7}
  - {type: vote}
"""


def test_yaml_and_json_round_trip() -> None:
    arch = Architecture.from_text(VOTE8)
    assert arch.name == "vote-8"
    assert [[c.kind for c in layer] for layer in arch.layers] == [["generator"], ["vote"]]
    assert arch.layers[0][0].samples == 8  # type: ignore[attr-defined]
    again = Architecture.from_text(arch.to_json())
    assert again.to_spec() == arch.to_spec()
    assert Architecture.from_text(arch.to_yaml()).to_spec() == arch.to_spec()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"layers": [[{"type": "generatr"}]]},
         r"layer 0, component 0 \(generatr\), field 'type': unknown component 'generatr'"),
        ({"layers": [[{"type": "generator", "samples": 0}]]},
         r"layer 0, component 0 \(generator\), field 'samples': .*greater than or equal to 1"),
        ({"layers": [[{"type": "generator"}], [{"type": "fuser", "temprature": 1}]]},
         r"layer 1, component 0 \(fuser\), field 'temprature': Extra inputs"),
        ({"layers": [[{"type": "vote"}]]}, r"layer 0, component 0 \(vote\): vote needs candidates"),
        ({"layers": [[{"type": "generator"}], [{"type": "vote"}, {"type": "vote"}]]},
         r"layer 1, component 1 \(vote\): only one vote"),
        ({"layers": [[{"type": "generator"}, {"type": "vote"}]]}, r"layer 0: one layer holds"),
        ({"layers": [[{"type": "generator"}], [{"type": "unit_test_evaluator"}]]},
         r"needs a unit_test_generator"),
        ({"layers": []}, "at least one layer"),
        ({"layer": []}, "a mapping with 'layers'"),
        ({"layers": [["generator"]]}, r"layer 0, component 0: a component must be a mapping"),
    ],
)  # fmt: skip
def test_malformed_architectures_name_layer_component_field(spec: dict, message: str) -> None:
    with pytest.raises(ArchitectureError, match=message):
        Architecture.from_spec(spec)


async def test_unknown_model_is_caught_before_any_call(gateway: Gateway) -> None:
    arch = Architecture.from_spec(
        {"layers": [[{"type": "generator", "model": "mock/solver"}],
                    [{"type": "fuser", "model": "mock/no-such-script"}]]}
    )  # fmt: skip
    task = get_task("arith")
    with mock_scripts(solver=["1"]) as scripts, pytest.raises(ArchitectureError) as info:
        await run_architecture(arch, task, task.split("dev"), gateway=gateway, model="mock/solver")
    assert "layer 1, component 0 (fuser), field 'model'" in str(info.value)
    assert "mock/no-such-script" in str(info.value)
    assert scripts["solver"].calls == []
    assert gateway.usage.records() == []
