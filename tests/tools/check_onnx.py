"""Checks fitbench-export's ONNX files with onnxruntime.

1. Every network of --network (and small networks using the operators those
   leave out), with random weights: onnxruntime's outputs on a random batch
   must match fitbench's forward pass within --tolerance, relative. Exported
   with a dynamic batch, fed a batch of 2; lenet also with a fixed batch of 1,
   and lenet and the operator zoo at the newest opset ONNX's checker here
   knows and at the newest fitbench writes (21), which only onnxruntime checks.
2. A Gluon export written by MXNet 1.9.1 (tests/data/mxnet): onnxruntime's
   scores must match MXNet's own within --tolerance.
3. Networks trained for one epoch on Fashion-MNIST with fitbench-cli, exported
   with --include-preprocessing 1: onnxruntime on the raw test pixels must
   classify exactly as many test images correctly as fitbench-score says.

Usage: python check_onnx.py --bin-dir BUILD/app --reference fitbench_onnx_reference
                            --mxnet-data tests/data/mxnet
                            [--accuracy-networks lenet,resnet-20] [--train-examples N]
Prints a table per part; exit code 0 when everything matches.
"""
import argparse
import gzip
import json
import pathlib
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime

FASHION_MNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")
# --accuracy-networks name -> fitbench-cli arguments.
TRAINED = {"lenet": ["--network", "lenet"], "resnet-20": ["--network", "resnet", "--num-layers", "20"]}


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def max_relative_difference(actual, expected):
    """max |a - e| / |e|, with |e| below 1e-6 counted as 1e-6 so that
    near-zero probabilities do not turn rounding into large ratios."""
    return float(np.max(np.abs(actual - expected) / np.maximum(np.abs(expected), 1e-6)))


def onnx_outputs(path, feed):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, feed)[0]


def export(bin_dir, out, *args):
    run([bin_dir / "fitbench-export", "--onnx", out, *map(str, args)])


def image_shape(shape):
    return ",".join(str(d) for d in shape[1:])


def check_random_weights(args, work):
    run([args.reference, work])
    rows, ok = [], True
    for case in json.loads((work / "cases.json").read_text()):
        prefix = pathlib.Path(case["prefix"])
        x = np.fromfile(f"{prefix}-input.f32", dtype=np.float32).reshape(case["input_shape"])
        expected = np.fromfile(f"{prefix}-output.f32", dtype=np.float32).reshape(case["output_shape"])
        variants = [("opset 13, dynamic batch", ["--dynamic-batch", 1], x, expected)]
        if case["name"] == "lenet":
            variants.append(("opset 13, batch 1", [], x[:1], expected[:1]))
        if case["name"] in ("lenet", "operator-zoo"):
            for opset in sorted({args.checked_opset, args.newest_opset}):
                variants.append((f"opset {opset}, dynamic batch", ["--dynamic-batch", 1, "--opset", opset], x, expected))
        for variant, extra, feed, want in variants:
            model = work / f"{case['name']}-{len(rows)}.onnx"
            export(args.bin_dir, model, "--model-prefix", prefix, "--load-epoch", 0,
                   "--image-shape", image_shape(case["input_shape"]), *extra)
            got = onnx_outputs(model, {"data": feed})
            difference = max_relative_difference(got, want) if got.shape == want.shape else float("inf")
            good = difference <= args.tolerance
            ok &= good
            rows.append((case["name"], variant, "x".join(map(str, feed.shape)), difference, good))
    print("\nonnxruntime against fitbench's forward pass, random weights (max relative difference):")
    print(f"| {'network':<22} | {'export':<24} | {'input':<14} | max rel. diff | ok |")
    for name, variant, shape, difference, good in rows:
        print(f"| {name:<22} | {variant:<24} | {shape:<14} | {difference:13.2e} | {'yes' if good else 'NO'} |")
    return ok


def check_gluon_export(args, work):
    io = json.loads((args.mxnet_data / "gluon-export-io.json").read_text())
    x = np.array(io["input"], dtype=np.float32).reshape(io["input_shape"])
    scores = np.array(io["scores"], dtype=np.float32).reshape(x.shape[0], -1)
    model = work / "gluon-export.onnx"
    export(args.bin_dir, model, "--symbol", args.mxnet_data / "gluon-export-symbol.json",
           "--params", args.mxnet_data / "gluon-export-0000.params",
           "--image-shape", image_shape(x.shape), "--dynamic-batch", 1)
    difference = max_relative_difference(onnx_outputs(model, {"data": x}), scores)
    good = difference <= args.tolerance
    print(f"\nMXNet 1.9.1 Gluon export: onnxruntime against MXNet's scores, max relative difference "
          f"{difference:.2e} ({'ok' if good else 'NOT within ' + str(args.tolerance)})")
    return good


def read_idx(path, offset):
    with gzip.open(path) as f:
        return np.frombuffer(f.read()[offset:], dtype=np.uint8)


def check_trained_accuracy(args, work):
    pixels = read_idx(FASHION_MNIST / "t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32)
    labels = read_idx(FASHION_MNIST / "t10k-labels-idx1-ubyte.gz", 8)
    ok = True
    print(f"\nTrained 1 epoch on {args.train_examples} Fashion-MNIST images; test-set accuracy (10000 images):")
    print("| network   | fitbench-score | onnxruntime | equal |")
    for name in args.accuracy_networks.split(","):
        prefix = work / "trained" / name
        run([args.bin_dir / "fitbench-cli", *TRAINED[name], "--num-epochs", "1",
             "--num-examples", str(args.train_examples), "--model-prefix", prefix, "--tensorboard", "0"])
        score = json.loads(run([args.bin_dir / "fitbench-score", "--model-prefix", prefix, "--load-epoch", "1",
                                "--output", "json", "--metrics", "acc"]))
        model = work / f"{name}-trained.onnx"
        export(args.bin_dir, model, "--model-prefix", prefix, "--load-epoch", 1,
               "--include-preprocessing", 1, "--dynamic-batch", 1)
        predicted = onnx_outputs(model, {"pixels": pixels}).argmax(axis=1)
        onnx_accuracy = float(np.count_nonzero(predicted == labels)) / len(labels)
        fitbench_accuracy = score["metrics"]["accuracy"]
        good = score["num_samples"] == len(labels) and onnx_accuracy == fitbench_accuracy
        ok &= good
        print(f"| {name:<9} | {fitbench_accuracy:<14.4f} | {onnx_accuracy:<11.4f} | {'yes' if good else 'NO'} |")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", type=pathlib.Path, required=True)
    parser.add_argument("--reference", type=pathlib.Path, required=True)
    parser.add_argument("--mxnet-data", type=pathlib.Path, required=True)
    parser.add_argument("--accuracy-networks", default="lenet")
    parser.add_argument("--train-examples", type=int, default=6000)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    # The newest opset fitbench-export writes and the newest its checker reads, from its --help.
    usage = run([args.bin_dir / "fitbench-export", "--help"])
    args.newest_opset = int(re.search(r"from 13 to (\d+)", usage)[1])
    args.checked_opset = int(re.search(r"up to opset (\d+)", usage)[1])
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        results = [check_random_weights(args, work), check_gluon_export(args, work),
                   check_trained_accuracy(args, work)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
