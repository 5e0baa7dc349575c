"""The read head: its weights are a distribution over the slots written so far, and content and location each steer it."""

from __future__ import annotations

import pytest
import torch

from neuprog.lang.ops import BUILTINS
from neuprog.model.addressing import ReadHead, stack_offsets


def _head(hidden: int = 8) -> ReadHead:
    torch.manual_seed(0)
    return ReadHead(stack_offsets([len(op.step_params) for op in BUILTINS], BUILTINS.read_arity()), hidden)


@pytest.mark.parametrize("written", [1, 2, 4])
def test_read_weights_are_a_distribution_over_the_slots_written_so_far(written):
    head = _head()
    keys = [torch.randn(3, 8) for _ in range(written)]
    weights = head(torch.randn(3, 8), keys, slots=5)  # (B, O, A, M)
    assert weights.shape == (3, len(BUILTINS), BUILTINS.read_arity(), 5)
    assert torch.allclose(weights.sum(-1), torch.ones(weights.shape[:-1]))
    assert (weights >= 0).all() and (weights[..., written:] == 0).all(), "no weight on slots not yet written"


def _steer(head: ReadHead, strength: float, gate: float, shift: int, sharpen: float = 0.0) -> None:
    """Fix every argument's addressing: strength, gate and sharpening logits, and the shift it takes."""
    with torch.no_grad():
        head.shape.weight.zero_()
        head.shape.bias.zero_()
        head.shape_bias.zero_()
        head.shape_bias[..., 0] = strength
        head.shape_bias[..., 1] = gate
        head.shape_bias[..., 2 + shift + 1] = 30.0
        head.shape_bias[..., -1] = sharpen


def test_content_addressing_reads_the_slot_whose_key_matches():
    head = _head()
    _steer(head, strength=60.0, gate=30.0, shift=0, sharpen=3.0)
    control = torch.randn(1, 8)
    looked_for = torch.tanh(head.query(control) + head.arguments[0, 0])  # (1, H) the key op 0's first argument emits
    keys = [torch.randn(1, 8), looked_for, -looked_for]
    weights = head(control, keys, slots=3)
    assert weights[0, 0, 0].argmax() == 1 and weights[0, 0, 0, 1] > 0.99


@pytest.mark.parametrize("shift, slot", [(0, 3), (-1, 2), (1, 0)])
def test_location_addressing_reads_the_newest_slot_moved_by_the_shift(shift, slot):
    head = _head()
    _steer(head, strength=0.0, gate=-30.0, shift=shift, sharpen=3.0)
    weights = head(torch.randn(2, 8), [torch.randn(2, 8) for _ in range(4)], slots=6)
    assert (weights.argmax(-1) == slot).all()
    assert (weights.amax(-1) > 0.99).all()


def test_the_shift_starts_biased_toward_the_slot_the_stack_rule_reads():
    head = _head()
    both, count = BUILTINS.names.index("both"), BUILTINS.names.index("count")
    bias = head.shape_bias[..., 2:-1].argmax(-1) - 1  # (O, A) preferred shift
    assert bias[both].tolist() == [-1, 0], "the older of two selections, then the newest"
    assert bias[count, 0] == 0
