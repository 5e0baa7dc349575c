"""The `neuprog` commands that train, score, calibrate and export models and make or search datasets."""

from __future__ import annotations

import json
import os
import re
from contextlib import nullcontext
from pathlib import Path

from neuprog.errors import ConfigError, DataError
from neuprog.lang.ops import BUILTINS
from neuprog.lang.program import render
from neuprog.learn.calibrate import calibrate, calibrate_checkpoints, calibrate_folder, check_unseen
from neuprog.learn.runfolder import holding
from neuprog.learn.runner import held_out, load_model, open_model, placement, train_from_config, training_samples
from neuprog.learn.train import SNAPSHOTS
from neuprog.model.config import load_config, parse_config, validate
from neuprog.model.ensemble import Ensemble
from neuprog.model.features import collate
from neuprog.model.folder import check_target
from neuprog.outputs import check_output_file, check_output_folder, writing
from neuprog.wtq import probes
from neuprog.wtq.evaluate import breakdown, evaluate, markdown
from neuprog.wtq.files import format_prediction_line
from neuprog.wtq.oracle import coverage_report
from neuprog.wtq.samples import load_samples
from neuprog.wtq.synth import SynthConfig, generate, test_config, write_dataset


def export_command(args) -> None:
    check_target(args.out)
    model, config, metrics = open_model(args.checkpoint)
    folder = model.save_pretrained(args.out, metrics, config)
    print(f"wrote {folder}")


def ensemble_command(args) -> None:
    check_target(args.out)
    opened = [open_model(path) for path in args.models]
    for path, (model, _, _) in zip(args.models, opened):
        if isinstance(model, Ensemble):
            raise ConfigError(f"{path}: an ensemble cannot be a member of another; name its members instead")
    names = member_names(args.models)
    configs = [config if not args.data else config.model_copy(update={"data": args.data}) for _, config, _ in opened]
    check_shared_holdout(configs, names)
    ensemble = Ensemble([model for model, _, _ in opened], args.programs, names, configs)
    try:
        held = held_out(training_samples(configs[0], progress=not args.quiet), configs[0])[1] if configs[0].calibration_holdout else []
    except DataError as error:
        raise DataError(f"{error}; the members' held-out questions are read from their training data: name its root with --data") from None
    report = calibrate(ensemble, held) if held else {"calibration_questions": 0}
    metrics = {"calibration": report, "members": {name: metrics for name, (_, _, metrics) in zip(names, opened)}}
    folder = ensemble.save_pretrained(args.out, metrics)
    print(json.dumps({"model": str(folder), "members": names, **report}))


def member_names(paths: list[str]) -> list[str]:
    """A plain, distinct folder name for each member: a model folder's name, or a checkpoint's run folder (and its file, unless last.pt).

    >>> member_names(["runs/a/last.pt", "runs/a/best.pt", "runs/a/snapshots/at-0.5.pt", "models/b c", "models/b c"])
    ['a', 'a-best', 'a-at-0.5', 'b-c', 'b-c-2']
    """
    names: list[str] = []
    for path in map(Path, paths):
        run = path.parent.parent if path.parent.name == SNAPSHOTS else path.parent
        name = path.name if path.is_dir() or not path.suffix else run.name + ("" if path.stem == "last" else f"-{path.stem}")
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip(".-")[:56] or "member"
        unique, count = name, 1
        while unique in names:
            count += 1
            unique = f"{name}-{count}"
        names.append(unique)
    return names


def check_shared_holdout(configs: list, names: list[str]) -> None:
    """Refuse members whose configs hold out other calibration questions: the ensemble is calibrated on the first member's."""
    fields = ("data", "train_split", "extra_train_splits", "train_limit", "dev_split", "held_out_by", "calibration_holdout", "calibration_by_table")
    for name, config in zip(names[1:], configs[1:]):
        differ = [field for field in fields if getattr(config, field) != getattr(configs[0], field)]
        if differ:
            what = "holdout seed (holdout_seed, or seed when that is unset)" if differ[0] == "held_out_by" else differ[0]
            raise ConfigError(f"{name}: its {what} differs from {names[0]}'s; ensemble members must hold out the same calibration questions")


def train_command(args) -> None:
    overrides = {}
    if args.data:
        overrides["data"] = args.data
    config = load_config(args.config, overrides) if args.config else parse_config(overrides, "command line")
    metrics = train_from_config(config, args.out, resume=args.resume, progress=not args.quiet, device=args.device, overwrite=args.overwrite)
    if os.environ.get("RANK", "0") == "0":  # under torchrun, rank 0 reports
        print(json.dumps(metrics))


def eval_command(args) -> None:
    if args.predictions:
        check_output_file(args.predictions, "predictions file")
    model, config, _ = open_model(args.checkpoint)
    model.to(placement(args.device))
    samples = load_samples(args.data, args.split, max_constants=config.model.max_constants, progress=not args.quiet)
    if not samples:
        raise DataError(f"{args.data}: the split {args.split!r} holds no questions")
    result = evaluate(model, samples, lambda chunk: collate(chunk, model.vocab), batch_size=args.batch_size, typed_gold=not args.raw_gold)
    if args.predictions:
        _write_lines(args.predictions, [format_prediction_line(s.id, p.texts) for s, p in zip(samples, result["predictions"])])
    print(json.dumps({"split": args.split, "accuracy": round(result["accuracy"], 4), "correct": result["correct"], "total": result["total"]}))
    if args.report:
        print(markdown(breakdown(samples, result)))
        print(probes.markdown(probes.probe(model, samples, result["is_correct"], lambda chunk: collate(chunk, model.vocab), args.batch_size)))


def _write_lines(path: str, lines: list[str]) -> None:
    with writing(path) as target:
        target.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def calibrate_command(args) -> None:
    if args.split:
        _calibrate_on_split(args)
        return
    if not Path(args.model).is_file():
        raise ConfigError(f"{args.model}: a model folder is calibrated on a named split: add --data and --split")
    check_output_file(args.model, "checkpoint")
    with holding(Path(args.model).parent):  # no training may write the checkpoint meanwhile
        model, config = load_model(args.model)
        if args.data:
            config = config.model_copy(update={"data": args.data})
        if not config.calibration_holdout:
            raise ConfigError(f"{args.model}: its config holds out no questions for calibration (calibration_holdout is 0); use --split")
        report = calibrate_checkpoints(model, held_out(training_samples(config, progress=not args.quiet), config)[1], [args.model])
    print(json.dumps({"checkpoint": args.model, **report}))


def _calibrate_on_split(args) -> None:
    if not args.data:
        raise ConfigError("--split needs --data, the dataset root that holds it")
    checkpoint = Path(args.model).is_file()
    if checkpoint and args.out:
        raise ConfigError(f"{args.model}: a checkpoint is calibrated in place; --out is for model folders")
    target = check_output_file(args.model, "checkpoint") if checkpoint else check_target(args.out or args.model)
    model, config, metrics = open_model(args.model)
    samples = load_samples(args.data, args.split, max_constants=config.model.max_constants, progress=not args.quiet)
    check_unseen(samples, args.data, config)
    lock = target.parent if checkpoint else target
    with holding(lock) if lock.is_dir() else nullcontext():  # no training or other calibration may write it meanwhile
        if checkpoint:
            report = calibrate_checkpoints(model, samples, [target])
        else:
            report = calibrate_folder(model, config, metrics, samples, target)
    print(json.dumps({"model": str(target), "split": args.split, **report}))


def oracle_command(args) -> None:
    if args.programs:
        check_output_file(args.programs, "programs file")
    registry = BUILTINS.subset(args.ops.split(",")) if args.ops else BUILTINS
    samples = load_samples(args.data, args.split, limit=args.limit, progress=not args.quiet)
    report = coverage_report(registry, samples, args.steps, args.max_states, progress=not args.quiet)
    programs = report.pop("programs")
    if args.programs:
        _write_lines(args.programs, [f"{s.id}\t{render(programs[s.id])}" for s in samples if s.id in programs])
    print(json.dumps({"split": args.split, "steps": args.steps, **report}))


def synth_command(args) -> None:
    options = {"max_columns": args.columns, "text_columns": args.text_columns, "variation": not args.no_variation, "seed": args.seed}
    config = validate(SynthConfig, options, "synth options")
    check_output_folder(args.out, "data folder")
    write_dataset(args.out, generate(config, args.train, "train"), "train")
    write_dataset(args.out, generate(test_config(config).model_copy(update={"seed": args.seed + 1}), args.test, "test"), "test")
    print(f"wrote {args.train} training and {args.test} test questions to {args.out}")
