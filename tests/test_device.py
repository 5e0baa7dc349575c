"""Device placement: the forward pass, both losses, search and prediction make every tensor where the batch is."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
import torch
from torch.overrides import TorchFunctionMode

from neuprog.lang.ops import BUILTINS
from neuprog.model.config import ModelConfig
from neuprog.model.features import Vocab, collate
from neuprog.model.neural_programmer import NeuralProgrammer
from neuprog.wtq.samples import load_samples

SAMPLE = Path(__file__).parent.parent / "datasets" / "wtq-sample"
PACKAGE = str(Path(__file__).parent.parent / "neuprog")
FACTORIES = {
    torch.zeros,
    torch.ones,
    torch.full,
    torch.empty,
    torch.arange,
    torch.tensor,
    torch.eye,
    torch.rand,
    torch.randn,
    torch.randint,
    torch.linspace,
    torch.as_tensor,
    torch.scalar_tensor,
    torch.from_numpy,
}


class UnplacedTensors(TorchFunctionMode):
    """Records tensor factories called from neuprog without a device: on a GPU they would make CPU tensors."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        caller = traceback.extract_stack(limit=2)[0]
        if func in FACTORIES and kwargs.get("device") is None and caller.filename.startswith(PACKAGE):
            self.found.append(f"torch.{func.__name__} at {Path(caller.filename).name}:{caller.lineno}")
        return func(*args, **kwargs)


@pytest.mark.parametrize(
    "options",
    [{}, {"halting": "act"}, {"history": "fast_weights"}, {"history": "lstm"}, {"step_memory": "read_head"}],
    ids=["default", "act", "fast weights", "lstm", "read head"],
)
def test_training_and_prediction_create_no_tensor_off_the_batch_device(options):
    torch.manual_seed(0)  # how soon search finds a program depends on the initial weights; fix them
    samples = load_samples(SAMPLE, "sample-train", limit=24)
    model = NeuralProgrammer(BUILTINS, Vocab.build(samples), ModelConfig(hidden=16, embedding=8, search_samples=4, search_memory=2, **options))
    batch = collate(samples, model.vocab)  # built on the CPU, as a data loader would; the model moves it
    with UnplacedTensors() as unplaced:
        for passes in range(1, 9):  # passes after the first find also replay programs search remembered
            model.train()
            model(batch)[-1].backward()
            if passes >= 2 and model.memory:
                break
        model.predict(batch)
    assert model.memory, "search found programs, so the memory path ran"
    assert unplaced.found == []


def test_the_check_sees_a_tensor_made_without_a_device():
    with UnplacedTensors() as unplaced:
        exec(compile("import torch\ntorch.zeros(3)\ntorch.zeros(3, device='cpu')", f"{PACKAGE}/probe.py", "exec"))
    assert unplaced.found == ["torch.zeros at probe.py:2"]
