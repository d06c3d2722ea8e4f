"""Trains a small run with fitbench-cli and reads its TensorBoard event file
back with the tensorboard package's EventAccumulator: every scalar must equal
the value of metrics.jsonl it came from (as the float32 TensorBoard keeps), the
monitored weights must have histograms, and the hparams plugin's session must
hold the run's arguments and how it ended.

Usage: python check_tensorboard.py FITBENCH_CLI
Exit code 0 when everything matches; the mismatches are printed otherwise.
"""
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2


def expected_scalars(records):
    """(tag, step) -> value, as fitbench's TensorBoardLog names them."""
    expected = {}
    for r in records:
        if r["type"] == "batch":
            step = r["num_update"]
            for key in ("loss", "lr", "samples_per_sec"):
                expected[("batch/" + key, step)] = r[key]
            for name, value in r.get("metrics", {}).items():
                if value is not None:  # NaN (no sample since the Speedometer line) is left out
                    expected[("batch/" + name, step)] = value
        elif r["type"] == "epoch":
            step = r["num_update"]
            for name, value in r["train"].items():
                expected[("epoch/train-" + name, step)] = value
            for name, value in r.get("validation", {}).items():
                expected[("epoch/validation-" + name, step)] = value
            expected[("epoch/time_cost", step)] = r["time_cost"]
            expected[("epoch/lr", step)] = r["lr"]
    return expected


def main():
    cli = sys.argv[1]
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        run = pathlib.Path(tmp) / "run"
        subprocess.run([cli, "--network", "lenet", "--num-examples", "640", "--num-epochs", "2", "--monitor", "4",
                        "--disp-batches", "3", "--lr", "0.07", "--run-dir", str(run)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        config = json.loads((run / "config.json").read_text())
        events = list((run / "tb").glob("events.out.tfevents.*"))
        if len(events) != 1:
            print(f"expected one event file in {run / 'tb'}, found {len(events)}")
            return 1
        acc = EventAccumulator(str(run / "tb"), size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
        acc.Reload()
        tags = acc.Tags()

        expected = expected_scalars(records)
        found = {(tag, e.step): e.value for tag in tags["scalars"] for e in acc.Scalars(tag)}
        for key in sorted(set(expected) | set(found)):
            if key not in found:
                problems.append(f"{key}: in metrics.jsonl, not in the event file")
            elif key not in expected:
                problems.append(f"{key}: in the event file, not in metrics.jsonl")
            elif np.float32(expected[key]) != np.float32(found[key]):
                problems.append(f"{key}: {found[key]} in the event file, {expected[key]} in metrics.jsonl")
        print(f"{len(found)} scalars under {len(tags['scalars'])} tags checked against metrics.jsonl")

        for weight in ("convolution0_weight", "fullyconnected1_weight"):
            tag = "weights/" + weight
            if tag not in tags["histograms"]:
                problems.append(f"no histogram {tag}")
                continue
            histograms = acc.Histograms(tag)
            counts = {h.histogram_value.num for h in histograms}
            if len(histograms) < 2 or counts == {0}:
                problems.append(f"{tag}: {len(histograms)} histograms, counts {counts}")

        table = acc.Tensors("arguments")[0].tensor_proto.string_val[0].decode()
        if "| --lr | 0.07 |" not in table or "| --network | lenet |" not in table:
            problems.append("the arguments text lacks --lr 0.07 or --network lenet:\n" + table[:400])

        start = plugin_data_pb2.HParamsPluginData.FromString(
            acc.SummaryMetadata("_hparams_/session_start_info").plugin_data.content).session_start_info
        for name, value in config.items():
            if value is None:
                continue
            hparam = start.hparams.get(name)
            got = None if hparam is None else (
                hparam.number_value if hparam.HasField("number_value") else hparam.string_value)
            if got != value:
                problems.append(f"hparam {name}: {got!r}, config.json {value!r}")
        end = plugin_data_pb2.HParamsPluginData.FromString(
            acc.SummaryMetadata("_hparams_/session_end_info").plugin_data.content).session_end_info
        if end.status != api_pb2.STATUS_SUCCESS:
            problems.append(f"session end status {end.status}, not STATUS_SUCCESS")

    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
