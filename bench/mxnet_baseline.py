"""fitbench-cli against MXNet 1.9.1 training the same network as its fit.py does.

For each network and batch size, in the same run, one after the other:
  1. fitbench-cli --benchmark 1 (synthetic data) for --num-epochs epochs; it
     also saves the network's -symbol.json, byte for byte what MXNet's own
     symbol builders write;
  2. MXNet (this interpreter: mxnet==1.9.1 from PyPI, oneDNN) loads that
     symbol and trains it through its own Module.fit with fit.py's set-up:
     its SyntheticDataIter (num_examples / batch_size batches of uniform(-1, 1)
     data), the kvstore, Xavier(gaussian, in, 2), SGD with momentum 0.9,
     wd 0.0001 and a MultiFactorScheduler, the accuracy metric and the
     Speedometer.
For the resnets, whose 3x3 stride-1 layers take Winograd, fitbench-cli also
runs with FITBENCH_NO_WINOGRAD=1 right after, which measures that technique
on its own (direct convolution against Winograd, same run).
Both print fit.py's log; each side's fastest epoch after the first ("Time
cost") gives its img/s: this machine's own speed moves by a third within a
run, and a single epoch of a few seconds (lenet's) can land in a slow
stretch on either side, so both take the least disturbed of the same number
of epochs. GFLOP/s counts 3x the forward multiply-adds (x2) of Convolution and
FullyConnected layers (forward, and backward's two products). A float32 GEMM
(numpy's BLAS, the same threads), the faster of one before and one after the
training runs, gives the roofline those are compared with.
Where fitbench names OpenBLAS's kernels for this CPU itself, this script runs
with the same OPENBLAS_CORETYPE, for MXNet and numpy too
(bench/openblas_kernels.py).

Usage: python mxnet_baseline.py --fitbench-cli build/app/fitbench-cli
           [--nets mlp,lenet,resnet-20,resnet-56] [--batch-sizes 128,32] [--num-epochs 3]
Run it with OMP_NUM_THREADS / OPENBLAS_NUM_THREADS set (bench/run_cpu.sh does).
"""
import argparse
import json
import logging
import os
import pathlib
import re
import subprocess
import tempfile
import time

import openblas_kernels

openblas_kernels.run_again_with_kernels()  # before numpy and MXNet load their OpenBLAS

import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402

# name -> (fitbench-cli / fit.py network arguments, image shape, examples an epoch)
NETWORKS = {
    "mlp": (["--network", "mlp"], (1, 28, 28), 60000),
    "lenet": (["--network", "lenet"], (1, 28, 28), 20000),
    "resnet-20": (["--network", "resnet", "--num-layers", "20"], (3, 28, 28), 6400),
    "resnet-56": (["--network", "resnet", "--num-layers", "56"], (3, 28, 28), 2560),
}
TIME_COST = re.compile(r"Epoch\[(\d+)\] Time cost=([0-9.]+)")


class SyntheticDataIter(mx.io.DataIter):
    """fit.py's synthetic data: one random batch, while cur_iter <= num_examples / batch_size."""

    def __init__(self, num_classes, data_shape, max_iter):
        super().__init__(data_shape[0])
        self.cur_iter, self.max_iter = 0, max_iter
        self.data = mx.nd.array(np.random.uniform(-1, 1, data_shape), dtype=np.float32)
        self.label = mx.nd.array(np.random.randint(0, num_classes, [data_shape[0]]), dtype=np.float32)

    @property
    def provide_data(self):
        return [mx.io.DataDesc("data", self.data.shape, np.float32)]

    @property
    def provide_label(self):
        return [mx.io.DataDesc("softmax_label", (self.batch_size,), np.float32)]

    def next(self):
        self.cur_iter += 1
        if self.cur_iter <= self.max_iter:
            return mx.io.DataBatch(data=(self.data,), label=(self.label,), pad=0, index=None,
                                   provide_data=self.provide_data, provide_label=self.provide_label)
        raise StopIteration

    def reset(self):
        self.cur_iter = 0


class TimeCosts(logging.Handler):
    """Collects the "Epoch[N] Time cost=S" lines Module.fit logs."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def emit(self, record):
        m = TIME_COST.search(record.getMessage())
        if m:
            self.seconds.append(float(m[2]))


def forward_flops_per_sample(symbol, image_shape):
    internals = symbol.get_internals()
    arg_shapes, out_shapes, _ = internals.infer_shape(data=(1,) + image_shape)
    args = dict(zip(internals.list_arguments(), arg_shapes))
    outs = dict(zip(internals.list_outputs(), out_shapes))
    flops = 0
    for node in json.loads(symbol.tojson())["nodes"]:
        if node["op"] == "Convolution":  # weight (out, in / groups, kh, kw) at every output pixel
            out = outs[node["name"] + "_output"]
            flops += 2 * np.prod(args[node["name"] + "_weight"]) * out[2] * out[3]
        elif node["op"] == "FullyConnected":
            flops += 2 * np.prod(args[node["name"] + "_weight"])
    return float(flops)


def run_fitbench(cli, network_args, image_shape, batch_size, examples, epochs, prefix, env=None):
    out = subprocess.run([cli, *network_args, "--benchmark", "1", "--batch-size", str(batch_size),
                          "--num-examples", str(examples), "--num-epochs", str(epochs),
                          "--image-shape", ",".join(map(str, image_shape)), "--lr", "0.05",
                          "--model-prefix", str(prefix), "--tensorboard", "0"],
                         capture_output=True, text=True, check=True, env=env)
    return [float(m[2]) for m in TIME_COST.finditer(out.stdout + out.stderr)]


def run_mxnet(symbol, image_shape, batch_size, examples, epochs):
    costs = TimeCosts()
    logging.getLogger().addHandler(costs)
    try:
        train = SyntheticDataIter(10, (batch_size,) + image_shape, examples / batch_size)
        epoch_size = max(int(examples / batch_size), 1)  # fit.py's lr steps at --lr-step-epochs 10
        scheduler = mx.lr_scheduler.MultiFactorScheduler(step=[10 * epoch_size], factor=0.1, base_lr=0.05)
        mx.mod.Module(context=mx.cpu(), symbol=symbol).fit(
            train, num_epoch=epochs, eval_metric=["accuracy"], kvstore="device", optimizer="sgd",
            optimizer_params={"learning_rate": 0.05, "wd": 0.0001, "momentum": 0.9, "lr_scheduler": scheduler,
                              "multi_precision": True},
            initializer=mx.init.Xavier(rnd_type="gaussian", factor_type="in", magnitude=2),
            batch_end_callback=[mx.callback.Speedometer(batch_size, 100)])
    finally:
        logging.getLogger().removeHandler(costs)
    return costs.seconds


def sgemm_gflops(n=2048):
    a = np.random.rand(n, n).astype(np.float32)
    b = np.random.rand(n, n).astype(np.float32)
    a @ b  # wakes the BLAS threads
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fitbench-cli", required=True, type=pathlib.Path)
    p.add_argument("--nets", default=",".join(NETWORKS))
    p.add_argument("--batch-sizes", default="128,32")
    p.add_argument("--num-epochs", type=int, default=3, help="the fastest epoch after the first is timed")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s MXNet %(message)s")

    roofline = sgemm_gflops()
    timed = slice(1, None) if args.num_epochs > 1 else slice(None)  # the first epoch warms up
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.nets.split(","):
            network_args, image_shape, examples = NETWORKS[name]
            for batch_size in (int(b) for b in args.batch_sizes.split(",")):
                prefix = pathlib.Path(tmp) / f"{name}-{batch_size}" / name
                ours = run_fitbench(args.fitbench_cli, network_args, image_shape, batch_size, examples,
                                    args.num_epochs, prefix)
                direct = None
                if name.startswith("resnet"):
                    direct = run_fitbench(args.fitbench_cli, network_args, image_shape, batch_size, examples,
                                          args.num_epochs, prefix, {**os.environ, "FITBENCH_NO_WINOGRAD": "1"})
                symbol = mx.sym.load(f"{prefix}-symbol.json")
                theirs = run_mxnet(symbol, image_shape, batch_size, examples, args.num_epochs)
                samples = int(examples // batch_size) * batch_size
                flops = 3 * forward_flops_per_sample(symbol, image_shape)
                rows.append((name, batch_size, samples / min(ours[timed]), samples / min(theirs[timed]), flops,
                             direct and samples / min(direct[timed])))
    roofline = max(roofline, sgemm_gflops())

    which = f"the fastest of epochs 2-{args.num_epochs}" if args.num_epochs > 1 else "1 epoch"
    print(f"\nfitbench-cli against MXNet 1.9.1 Module.fit (fit.py's set-up), {which} of each; "
          f"sgemm 2048^3 roofline {roofline:.0f} GFLOP/s")
    print(f"{'network':<10} {'batch':>5} {'fitbench img/s':>15} {'MXNet img/s':>12} {'ratio':>7} "
          f"{'fitbench GFLOP/s':>17} {'of roofline':>12} {'MXNet GFLOP/s':>14} "
          f"{'without Winograd':>17} {'Winograd gain':>14}")
    for name, batch_size, ours, theirs, flops, direct in rows:
        without = f"{direct:>17.0f} {ours / direct:>13.2f}x" if direct else f"{'-':>17} {'-':>14}"
        print(f"{name:<10} {batch_size:>5} {ours:>15.0f} {theirs:>12.0f} {ours / theirs:>6.2f}x "
              f"{ours * flops / 1e9:>17.1f} {ours * flops / 1e9 / roofline:>11.0%} {theirs * flops / 1e9:>14.1f} "
              f"{without}")


if __name__ == "__main__":
    main()
