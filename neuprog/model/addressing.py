"""The read head over the memory of step results: content addressing by a key, then a gate, a shift and sharpening over slots.

Shapes: B questions, O ops, A reads per op (`Registry.read_arity`), H hidden,
N slots written so far, M = T slots in all. Slot 0 holds the values before any
step; slot j the newest values after step j (`neuprog.lang.memory`).
"""

from __future__ import annotations

import torch
from torch import nn

SHIFTS = (-1, 0, 1)
"""Slot offsets the location shift can move read weight by (circularly over the slots written so far)."""


class ReadHead(nn.Module):
    """For each op and each argument it reads from earlier steps, a distribution over the memory slots written so far.

    The addressing follows the Neural Turing Machine's read head, step by step:
    content weights are a softmax of ``strength`` times the cosine similarity
    between a key emitted for (step, op, argument) and each slot's key (written by
    the step that filled it, from what it chose); a gate interpolates them with a
    one-hot on the newest slot (where the NTM uses the previous read, since here
    the newest result is the natural default); a shift of -1, 0 or +1 slot moves
    the weights; sharpening raises them to a power of at least 1 and renormalises.
    ``offsets`` (O, A) are the slot offsets from the newest that the stack rule
    would read; the shift starts biased toward them.
    """

    def __init__(self, offsets: torch.Tensor, hidden: int) -> None:
        super().__init__()
        O, A = offsets.shape
        self.slot_key = nn.Linear(3 * hidden, hidden)  # a step's choices (op, column, constant vectors) -> its slot's key
        self.first_key = nn.Parameter(torch.empty(hidden).uniform_(-0.1, 0.1))  # (H,) key of slot 0
        self.query = nn.Linear(hidden, hidden)
        self.arguments = nn.Parameter(torch.empty(O, A, hidden).uniform_(-0.1, 0.1))  # (O, A, H) what each argument looks for
        self.shape = nn.Linear(hidden, 3 + len(SHIFTS))  # strength, gate, shift logits, sharpening
        bias = torch.zeros(O, A, 3 + len(SHIFTS))
        bias[..., 1] = -2.0  # the gate starts leaning on location
        bias[..., 2:-1] = 3.0 * torch.nn.functional.one_hot(offsets.clamp(-1, 1) + 1, len(SHIFTS))
        self.shape_bias = nn.Parameter(bias)  # (O, A, 6) each argument's own addressing habits

    def first(self, like: torch.Tensor) -> torch.Tensor:
        """(B, H) the key of slot 0, for a batch shaped like ``like``."""
        return self.first_key.unsqueeze(0).expand(like.shape[0], -1)

    def key(self, chosen: torch.Tensor) -> torch.Tensor:
        """(B, H) the key a step writes with its slot, from its chosen op, column and constant vectors (B, 3H)."""
        return torch.tanh(self.slot_key(chosen))

    def forward(self, control: torch.Tensor, keys: list[torch.Tensor], slots: int) -> torch.Tensor:
        """Read weights (B, O, A, M) over ``slots`` M slots, of which the N = len(``keys``) written so far can be read."""
        written = torch.nn.functional.normalize(torch.stack(keys, 1), dim=2)  # (B, N, H)
        N = written.shape[1]
        query = torch.tanh(self.query(control).unsqueeze(1).unsqueeze(2) + self.arguments)  # (B, O, A, H)
        similarity = torch.einsum("boah,bnh->boan", torch.nn.functional.normalize(query, dim=3), written)  # (B, O, A, N)
        shape = self.shape(control).unsqueeze(1).unsqueeze(2) + self.shape_bias  # (B, O, A, 6)
        strength = torch.nn.functional.softplus(shape[..., :1])  # (B, O, A, 1)
        gate = torch.sigmoid(shape[..., 1:2])  # (B, O, A, 1)
        shift = shape[..., 2:-1].softmax(-1)  # (B, O, A, 3)
        sharpen = 1 + torch.nn.functional.softplus(shape[..., -1:])  # (B, O, A, 1)
        content = (strength * similarity).softmax(-1)  # (B, O, A, N)
        newest = torch.nn.functional.one_hot(torch.tensor(N - 1, device=control.device), N).to(content.dtype)  # (N,)
        gated = gate * content + (1 - gate) * newest  # (B, O, A, N)
        shifted = sum(shift[..., i : i + 1] * torch.roll(gated, offset, dims=-1) for i, offset in enumerate(SHIFTS))  # (B, O, A, N)
        sharp = shifted.clamp(min=1e-12) ** sharpen
        weights = sharp / sharp.sum(-1, keepdim=True)  # (B, O, A, N)
        return torch.nn.functional.pad(weights, (0, slots - N))  # (B, O, A, M)


def stack_offsets(counts: list[int], arity: int) -> torch.Tensor:
    """(O, A) the offset from the newest slot that the stack rule reads for each op's a-th argument (oldest first).

    >>> stack_offsets([1, 2, 0], 2).tolist()
    [[0, 0], [-1, 0], [0, 0]]
    """
    return torch.tensor([[a - count + 1 if a < count else 0 for a in range(arity)] for count in counts])
