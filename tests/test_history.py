"""History cells: fast weights follow Ba et al.'s equations step by step; the default GRU is the cell the bundled model was trained with."""

from __future__ import annotations

import pytest
import torch

from neuprog.model.config import ModelConfig
from neuprog.model.folder import BUNDLED, read_ensemble, read_folder
from neuprog.model.history import FastWeights, history_cell


def reference_fast_weights(cell: FastWeights, inputs: torch.Tensor) -> list[torch.Tensor]:
    """The fast-weights RNN for one sequence (S, I), written out with plain matrices: the hidden vector after each step."""
    W, C, b = cell.recurrent.weight, cell.inputs.weight, cell.inputs.bias
    gain, shift, eps = cell.norm.weight, cell.norm.bias, cell.norm.eps
    H = W.shape[0]
    h, A = torch.zeros(H, dtype=torch.float64), torch.zeros(H, H, dtype=torch.float64)
    outputs = []
    for x in inputs:
        A = cell.decay * A + cell.rate * torch.outer(h, h)
        slow = W @ h + C @ x + b
        settled = torch.clamp(slow, min=0)
        for _ in range(cell.settling):
            z = slow + A @ settled
            normalised = (z - z.mean()) / torch.sqrt(z.var(unbiased=False) + eps)
            settled = torch.clamp(gain * normalised + shift, min=0)
        h = settled
        outputs.append(h)
    return outputs


@pytest.mark.parametrize("settling", [0, 1, 3])
def test_fast_weights_match_a_reference_computation_step_by_step(settling):
    torch.manual_seed(0)
    cell = FastWeights(input_size=5, hidden_size=6, decay=0.9, rate=0.7, settling=settling).double()
    with torch.no_grad():
        cell.norm.weight.uniform_(0.5, 1.5)
        cell.norm.bias.uniform_(-0.2, 0.2)
    inputs = torch.randn(3, 4, 5, dtype=torch.float64)  # (B, steps, I)
    state = cell.begin(inputs[:, 0])
    batched = []
    for t in range(inputs.shape[1]):
        state = cell(inputs[:, t], state)
        batched.append(cell.output(state))
    for b in range(inputs.shape[0]):
        for t, expected in enumerate(reference_fast_weights(cell, inputs[b])):
            assert torch.allclose(batched[t][b], expected, atol=1e-12), (b, t)


@pytest.mark.parametrize("history", ["gru", "lstm", "fast_weights"])
def test_every_history_cell_maps_a_step_input_to_a_hidden_vector(history):
    cell = history_cell(ModelConfig(history=history, hidden=8), 24)
    state = cell.begin(torch.zeros(3, 7))
    for _ in range(2):
        state = cell(torch.randn(3, 24), state)
    assert cell.output(state).shape == (3, 8)


def test_the_default_history_is_the_gru_whose_weights_the_bundled_model_carries():
    config, _words, _ops, weights, _metrics = read_folder(read_ensemble(BUNDLED)[0][0])  # the first member of the bundled ensemble
    assert config.model.history == ModelConfig().history == "gru"
    assert {name for name in weights if ".history." in name} == {f"controller.history.{p}" for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
