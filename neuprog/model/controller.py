"""The controller: a question encoder and a history RNN whose heads choose op, column and constant per step."""

from __future__ import annotations

import torch
from torch import nn

from neuprog.lang.choices import Choices, uses
from neuprog.lang.registry import Registry
from neuprog.lang.values import Column
from neuprog.model.addressing import ReadHead, stack_offsets
from neuprog.model.config import ModelConfig
from neuprog.model.features import SPECIALS, Batch
from neuprog.model.halting import halting_distribution, initial_bias
from neuprog.model.history import history_cell
from neuprog.model.steering import Steering
from neuprog.tables.constant import Constant

NEG = -1e9


def masked_softmax(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return torch.softmax(logits.masked_fill(~mask, NEG), dim=-1)


class Controller(nn.Module):
    """Produces T steps of distributions over the registry's ops and, for each op, over columns and question constants.

    The config adds, on request, a halting probability per step (adaptive
    computation time) and, per op, read weights over a memory of step results.
    """

    def __init__(self, registry: Registry, vocab_size: int, config: ModelConfig) -> None:
        super().__init__()
        H, E = config.hidden, config.embedding
        self.config = config
        self.register_buffer("needs_constant", uses(registry, Constant), persistent=False)  # (O,)
        self.register_buffer("takes_column", uses(registry, Column), persistent=False)  # (O,)
        self.register_buffer("answers", torch.tensor([op.answers for op in registry]), persistent=False)  # (O,)
        self.words = nn.Embedding(vocab_size, E, padding_idx=0)
        self.token_kinds = nn.Embedding(4, E)
        rnn = nn.GRU if config.encoder == "gru" else nn.LSTM
        directions = 2 if config.bidirectional else 1
        self.encoder = rnn(E, H // directions, batch_first=True, bidirectional=config.bidirectional)
        self.header = nn.Linear(E, H)
        stems = config.linking == "stems"
        self.column_features = nn.Linear(4 if stems else 3, H)
        self.constant_kinds = nn.Embedding(4, H)
        self.ops = nn.Parameter(torch.empty(len(registry), H).uniform_(-0.1, 0.1))  # (O, H) op embeddings
        self.control = nn.Linear(3 * H, H)
        self.op_head = nn.Linear(H, H)
        self.column_control = nn.Linear(H, H)  # with column_op: the column query of each op, ReLU(W [control; op])
        self.column_op = nn.Linear(H, H, bias=False)
        self.constant_control = nn.Linear(H, H)  # with constant_op and constant_column: each op's constant query
        self.constant_op = nn.Linear(H, H, bias=False)
        self.constant_column = nn.Linear(H, H, bias=False)
        self.column_match = nn.Parameter(torch.tensor([2.0, 2.0, 1.0, 2.0][: 4 if stems else 3]))  # weights of the column features in the column logit
        self.column_pointer = nn.Parameter(torch.tensor(4.0))  # weight of "the words this op attends to name the column"
        self.constant_fit = nn.Parameter(torch.tensor(2.0))  # weight of constant/column compatibility
        self.reuse = nn.Parameter(torch.tensor(-2.0))  # logit shift for a constant an earlier step already used
        self.history = history_cell(config, 3 * H)
        self.step_embedding = nn.Parameter(torch.zeros(config.steps, H))  # (T, H) lets a step know where it is
        self.dropout = nn.Dropout(config.dropout)
        self.halt = self.reader = None  # the options come last, so the default model draws its initial weights as before
        if config.halting == "act":
            self.halt = nn.Linear(H, 1)
            nn.init.constant_(self.halt.bias, initial_bias(config.steps))
        if config.step_memory == "read_head":
            self.reader = ReadHead(stack_offsets([len(op.step_params) for op in registry], registry.read_arity()), H)
        self.column_words = nn.Embedding(2, E) if stems else None  # whether a question word names a column
        self.column_profile = nn.Linear(6, H) if config.column_profile else None
        self.subwords = nn.Embedding(config.subword_buckets + 1, E, padding_idx=0) if config.subword_buckets else None
        self.spans_number = self.span_fit = None
        if config.number_ranges:
            self.spans_number = nn.Linear(1, H)  # whether some question number or date lies in the column's range
            self.span_fit = nn.Parameter(torch.tensor(1.0))  # weight of "the constant lies in the op's column's range"

    def linked(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """The column features (B, C, F) and word-names-column links (B, Q, C) the config's ``linking`` reads."""
        if self.column_words is None:
            return batch.column_features[..., :3], batch.token_columns
        return batch.column_features, batch.token_stems

    def _drop_words(self, ids: torch.Tensor) -> torch.Tensor:
        """Word ids with a ``word_dropout`` share of the words (not padding, <num> or <date>) read as <unk>, while training."""
        if not self.training or self.config.word_dropout == 0.0:
            return ids
        dropped = (torch.rand(ids.shape, device=ids.device) < self.config.word_dropout) & (ids >= len(SPECIALS))
        return ids.masked_fill(dropped, SPECIALS.index("<unk>"))

    def embed(self, ids: torch.Tensor, grams: torch.Tensor) -> torch.Tensor:
        """(..., E) vectors of word ids (...) with their trigram ids (..., G); a dropped word keeps its trigrams, like an unseen word."""
        vectors = self.words(self._drop_words(ids))
        if self.subwords is not None:
            vectors = vectors + self.subwords(grams).sum(-2) / (grams > 0).sum(-1, keepdim=True).clamp(min=1)
        return vectors

    def encode(self, batch: Batch):
        features, links = self.linked(batch)
        words = self.embed(batch.tokens, batch.token_grams) + self.token_kinds(batch.token_kinds)  # (B, Q, E)
        if self.column_words is not None:
            words = words + self.column_words((links.amax(2) > 0).long())
        words = self.dropout(words)
        lengths = batch.question_mask.sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(words, lengths, batch_first=True, enforce_sorted=False)
        states, last = self.encoder(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(states, batch_first=True, total_length=words.shape[1])  # (B, Q, H)
        last = last[0] if isinstance(last, tuple) else last  # LSTM returns (h, c)
        summary = last.transpose(0, 1).reshape(words.shape[0], -1)  # (B, H) final state of each direction
        header = (self.embed(batch.header_tokens, batch.header_grams) * batch.header_mask.unsqueeze(3)).sum(2)  # (B, C, E)
        header = header / batch.header_mask.sum(2, keepdim=True).clamp(min=1)
        columns = self.header(header) + self.column_features(features)  # (B, C, H)
        if self.column_profile is not None:
            columns = columns + self.column_profile(batch.column_profile)
        if self.spans_number is not None:
            columns = columns + self.spans_number(batch.spanned.amax(1).unsqueeze(2))  # (B, C, H)
        columns = torch.tanh(columns)
        spans = batch.constant_spans  # (B, K, 2)
        positions = torch.arange(states.shape[1], device=states.device)  # (Q,)
        inside = (positions >= spans[..., :1]) & (positions < spans[..., 1:])  # (B, K, Q)
        constants = torch.einsum("bkq,bqh->bkh", inside.float(), states) / inside.sum(2, keepdim=True).clamp(min=1)  # (B, K, H)
        constants = constants + self.constant_kinds(batch.constant_kinds)
        return states, summary, columns, constants

    def forward(self, batch: Batch, steering: Steering | None = None, encoded: tuple | None = None) -> Choices:
        """T steps of distributions; with ``history: chosen`` the history reads what ``steering`` picks (greedy by default).

        ``encoded`` reuses what `encode` gave for this batch. With steering, row i
        of the result belongs to question ``steering.rows(B)[i]``.
        """
        if steering is None and self.config.history_input == "chosen":
            steering = Steering()
        states, summary, columns, constants = encoded if encoded is not None else self.encode(batch)
        T = self.config.steps
        features, links = self.linked(batch)
        question_mask, column_mask, compatible = batch.question_mask, batch.tables.columns, batch.compatible
        spanned = batch.spanned if self.span_fit is not None else None  # (B, K, C), computed only for number_ranges
        constant_mask = batch.tables.constants.clone()  # (B, K)
        if steering is not None:
            rows = steering.rows(len(summary)).to(summary.device)  # (N,) the question of each row
            states, summary, columns, constants, features, links = (x[rows] for x in (states, summary, columns, constants, features, links))
            question_mask, column_mask, compatible, constant_mask = (x[rows] for x in (question_mask, column_mask, compatible, constant_mask))
            spanned = spanned[rows] if spanned is not None else None
        has_constant = constant_mask.any(dim=1)  # (B,)
        constant_mask[:, 0] |= ~has_constant  # a placeholder choice where the question has none
        op_mask = ~(self.needs_constant.unsqueeze(0) & ~has_constant.unsqueeze(1))  # (B, O)
        column_bias = (features * self.column_match).sum(2)  # (B, C)
        state = self.history.begin(summary)
        hidden = self.history.output(state)  # (B, H)
        units, reads = [], []  # per step: (B,) halting unit, (B, O, A, M) read weights
        keys = [self.reader.first(summary)] if self.reader is not None else []  # (B, H) key of each memory slot written
        used = summary.new_zeros(constant_mask.shape)  # (B, K) how much each constant was used by earlier steps
        ops_out, columns_out, constants_out = [], [], []
        for t in range(T):
            scores = torch.einsum("bqh,bh->bq", states, hidden).masked_fill(~question_mask, NEG)  # (B, Q)
            attended = torch.einsum("bq,bqh->bh", scores.softmax(1), states)  # (B, H)
            control = self.dropout(torch.relu(self.control(torch.cat([summary, attended, hidden], 1)) + self.step_embedding[t]))  # (B, H)
            allowed = op_mask & self.answers.unsqueeze(0) if t == T - 1 else op_mask
            op_p = masked_softmax(self.op_head(control) @ self.ops.T, allowed)  # (B, O)
            column_query = torch.relu(self.column_control(control).unsqueeze(1) + self.column_op(self.ops))  # (B, O, H)
            reading = torch.einsum("boh,bqh->boq", column_query, states).masked_fill(~question_mask.unsqueeze(1), NEG).softmax(2)  # (B, O, Q)
            named = torch.einsum("boq,bqc->boc", reading, links)  # (B, O, C) how much the read words name each column
            column_logits = torch.einsum("bch,boh->boc", columns, column_query) + column_bias.unsqueeze(1) + self.column_pointer * named  # (B, O, C)
            column_p = masked_softmax(column_logits, column_mask.unsqueeze(1))  # (B, O, C)
            column_vecs = torch.einsum("boc,bch->boh", column_p, columns)  # (B, O, H) the column each op would read
            constant_query = torch.relu(
                self.constant_control(control).unsqueeze(1) + self.constant_op(self.ops) + self.constant_column(column_vecs)
            )  # (B, O, H)
            fit = torch.einsum("bkc,boc->bok", compatible, column_p)  # (B, O, K)
            constant_logits = torch.einsum("bkh,boh->bok", constants, constant_query) + self.constant_fit * fit + self.reuse * used.unsqueeze(1)  # (B, O, K)
            if spanned is not None:
                constant_logits = constant_logits + self.span_fit * torch.einsum("bkc,boc->bok", spanned, column_p)  # (B, O, K)
            constant_p = masked_softmax(constant_logits, constant_mask.unsqueeze(1))  # (B, O, K)
            if steering is None:  # the history reads the expected op, column and constant
                op_vec = op_p @ self.ops  # (B, H)
                column_vec = torch.einsum("bo,boh->bh", op_p, column_vecs)  # (B, H)
                constant_vec = torch.einsum("bo,bok,bkh->bh", op_p * self.needs_constant, constant_p, constants)  # (B, H)
                used = used + torch.einsum("bo,bok->bk", op_p * self.needs_constant, constant_p)
            else:  # the history reads the op, column and constant picked, not their expectations
                op, column, constant = steering(t, op_p, column_p, constant_p)  # (B,) each
                row = torch.arange(len(op), device=op.device)
                op_vec = self.ops[op]  # (B, H)
                column_vec = columns[row, column] * self.takes_column[op].unsqueeze(1)  # (B, H)
                takes_constant = self.needs_constant[op].unsqueeze(1)  # (B, 1)
                constant_vec = constants[row, constant] * takes_constant  # (B, H)
                used = used + nn.functional.one_hot(constant, used.shape[1]) * takes_constant
            if self.halt is not None:
                units.append(torch.sigmoid(self.halt(control)).squeeze(1))
            if self.reader is not None:
                reads.append(self.reader(control, keys, T))
            chosen = torch.cat([op_vec, column_vec, constant_vec], 1)  # (B, 3H)
            if self.reader is not None:
                keys.append(self.reader.key(chosen))
            state = self.history(self.dropout(chosen), state)
            hidden = self.history.output(state)
            ops_out.append(op_p)
            columns_out.append(column_p)
            constants_out.append(constant_p)
        choices = Choices(torch.stack(ops_out, 1), torch.stack(columns_out, 1), torch.stack(constants_out, 1))
        if units:
            choices.halting, choices.ponder = halting_distribution(torch.stack(units, 1))  # (B, T), (B,)
        if reads:
            choices.reads = torch.stack(reads, 1)  # (B, T, O, A, M)
        return choices
