#!/usr/bin/python3
"""Data pipeline throughput against a peer reading the same files, in the same run.

Two workloads (--workload):

jpeg224 (default): fitbench's RecordIO reader (decode + augment on
--data-nthreads threads) against a PyTorch DataLoader with torchvision
transforms doing the same work with as many workers. It writes N 224x224
JPEGs with PIL into a temporary directory, packs them with fitbench-im2rec
(--pass-through, so both read the same JPEG bytes), times one epoch of
`fitbench-cli --test-io 1` (the whole process, start-up included) and one
epoch of the DataLoader (worker start-up included). The work per image for
both: JPEG decode, pad 4 (fill 127), random 224x224 crop, random mirror,
brightness / contrast / saturation jitter 0.4, mean / std normalisation to
float CHW, batch of 32. Run with the system Python that has python3-torch and
python3-torchvision:
    /usr/bin/python3 bench/data_pipeline.py --build-dir build [--count 1000] [--threads 2]

fashion28: small images. The first N Fashion-MNIST training images (Debian's
dataset-fashion-mnist) as 28x28 grayscale PNGs, packed by fitbench-im2rec
--pass-through. `fitbench-cli --test-io 1` (the whole process) against one
epoch of MXNet 1.9.1's ImageRecordIter on the same .rec (iterator creation
included), batch 128 and the same decode threads; then lenet trained three
epochs by fitbench-cli from that .rec and from the idx files with the same N
images, and the samples/s of each ("Time cost" of an epoch): of the first
epoch, which decodes every PNG, and of the fastest later one, which reuses
the decoded images (--image-cache-mb). Run with a
Python that has mxnet==1.9.1, numpy<1.24 and pillow (bench/run_cpu.sh makes
build/mxnet-venv):
    build/mxnet-venv/bin/python bench/data_pipeline.py --workload fashion28 [--count 12000]
"""
import argparse
import gzip
import re
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image


def make_images(root, count, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:224, 0:224].astype(np.float32)
    for i in range(count):
        # Smooth colour fields plus noise: compresses like a photo, not like flat colour.
        a, b, c = rng.uniform(0.01, 0.08, 3)
        base = np.stack([np.sin(xx * a + i), np.cos(yy * b), np.sin((xx + yy) * c)], axis=-1)
        pixels = np.clip(127 + 100 * base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
        folder = os.path.join(root, 'class%d' % (i % 10))
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(pixels).save(os.path.join(folder, '%05d.jpg' % i), quality=90)


def pack_records(im2rec, root, prefix, threads):
    """prefix.rec of the image files under root (a folder per class), their bytes copied as they are."""
    subprocess.run([im2rec, prefix, root, '--list', '--recursive'], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([im2rec, prefix, root, '--pass-through', '--num-thread', str(threads)], check=True,
                   stdout=subprocess.DEVNULL)
    return prefix + '.rec'


# The augmentation both sides of jpeg224 apply.
JPEG224_ARGS = ['--image-shape', '3,224,224', '--num-classes', '10', '--pad-size', '4', '--random-crop', '1',
                '--random-mirror', '1', '--brightness', '0.4', '--contrast', '0.4', '--saturation', '0.4']


def time_fitbench_test_io(cli, rec, threads, batch, workdir, data_args):
    """Seconds of `fitbench-cli --test-io 1` over rec, the whole process."""
    cmd = [cli, '--network', 'lenet', '--test-io', '1', '--data-train', rec, '--batch-size', str(batch),
           '--data-nthreads', str(threads), '--disp-batches', '1000000'] + data_args
    tic = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - tic


def time_torch(root, threads, batch):
    import torch
    from torchvision import datasets, transforms
    tf = transforms.Compose([
        transforms.Pad(4, fill=127),
        transforms.RandomCrop(224),
        transforms.RandomHorizontalFlip(),
        transforms.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    loader = torch.utils.data.DataLoader(datasets.ImageFolder(root, tf), batch_size=batch, shuffle=True,
                                         num_workers=threads)
    tic = time.perf_counter()
    for _ in loader:
        pass
    return time.perf_counter() - tic

FASHION_DIR = '/usr/share/datasets/fashion-mnist'


def make_fashion_pngs(root, count):
    images = np.frombuffer(gzip.open(os.path.join(FASHION_DIR, 'train-images-idx3-ubyte.gz')).read(), np.uint8,
                           offset=16).reshape(-1, 28, 28)
    labels = np.frombuffer(gzip.open(os.path.join(FASHION_DIR, 'train-labels-idx1-ubyte.gz')).read(), np.uint8,
                           offset=8)
    if count > len(images):
        sys.exit('data_pipeline.py: --count %d: Fashion-MNIST has %d training images' % (count, len(images)))
    for i in range(count):
        folder = os.path.join(root, 'class%d' % labels[i])
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(images[i]).save(os.path.join(folder, '%05d.png' % i))


def time_mxnet_record_iter(rec, threads, batch):
    import mxnet as mx
    tic = time.perf_counter()
    it = mx.io.ImageRecordIter(path_imgrec=rec, data_shape=(1, 28, 28), batch_size=batch,
                               preprocess_threads=threads, shuffle=True)
    for _ in it:
        pass
    return time.perf_counter() - tic


LENET_EPOCHS = 3


def lenet_epoch_seconds(cli, data_args, count, workdir, tag):
    """fitbench-cli trains lenet LENET_EPOCHS epochs on `count` images; each epoch's "Time cost"."""
    cmd = [cli, '--network', 'lenet', '--batch-size', '128', '--num-epochs', str(LENET_EPOCHS),
           '--num-examples', str(count), '--disp-batches', '1000000',
           '--model-prefix', os.path.join(workdir, tag, 'lenet')] + data_args
    log = subprocess.run(cmd, check=True, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True).stdout
    seconds = [float(t) for t in re.findall(r'Epoch\[\d+\] Time cost=([0-9.]+)', log)]
    if len(seconds) != LENET_EPOCHS:
        sys.exit('data_pipeline.py: expected %d "Time cost" lines in:\n%s' % (LENET_EPOCHS, log))
    return seconds


def print_throughput(workload, peer_name, count, ours, peer):
    print('images: ' + workload)
    print('%-32s %8.1f images/s' % ('fitbench RecordIO (--test-io):', count / ours))
    print('%-32s %8.1f images/s' % (peer_name + ':', count / peer))
    print('%-32s %8.2fx' % ('ratio fitbench / peer:', peer / ours))


def run_fashion28(args, cli, im2rec):
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, 'png')
        make_fashion_pngs(root, args.count)
        rec = pack_records(im2rec, root, os.path.join(tmp, 'fashion'), args.threads)
        ours = min(time_fitbench_test_io(cli, rec, args.threads, args.batch, tmp, ['--image-shape', '1,28,28'])
                   for _ in range(args.repeat))
        peer = min(time_mxnet_record_iter(rec, args.threads, args.batch) for _ in range(args.repeat))
        rec_runs, idx_runs = [], []
        for _ in range(args.repeat):  # alternated, so a slow spell of the machine hits both
            rec_runs.append(lenet_epoch_seconds(cli, ['--data-train', rec, '--image-shape', '1,28,28',
                                                      '--data-nthreads', str(args.threads)], args.count, tmp, 'rec'))
            idx_runs.append(lenet_epoch_seconds(cli, [], args.count, tmp, 'idx'))
    print_throughput('%d Fashion-MNIST PNGs of 28x28, batch %d, %d decode threads' % (args.count, args.batch,
                                                                                     args.threads),
                     'MXNet 1.9.1 ImageRecordIter', args.count, ours, peer)
    for name, pick in (('first', lambda run: run[0]), ('later', lambda run: min(run[1:]))):
        from_rec = min(pick(run) for run in rec_runs)
        from_idx = min(pick(run) for run in idx_runs)
        print('%-32s %8.1f samples/s' % ('lenet %s epoch from the .rec:' % name, args.count / from_rec))
        print('%-32s %8.1f samples/s' % ('lenet %s epoch from the idx:' % name, args.count / from_idx))
        print('%-32s %8.2fx' % ('ratio RecordIO / idx, %s:' % name, from_idx / from_rec))


def run_jpeg224(args, cli, im2rec):
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, 'img')
        make_images(root, args.count)
        rec = pack_records(im2rec, root, os.path.join(tmp, 'data'), args.threads)
        ours = min(time_fitbench_test_io(cli, rec, args.threads, args.batch, tmp, JPEG224_ARGS)
                   for _ in range(args.repeat))
        peer = min(time_torch(root, args.threads, args.batch) for _ in range(args.repeat))
    print_throughput('%d JPEGs of 224x224, batch %d, %d threads / workers' % (args.count, args.batch, args.threads),
                     'PyTorch DataLoader+torchvision', args.count, ours, peer)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--workload', choices=('jpeg224', 'fashion28'), default='jpeg224',
                   help='224 px JPEGs against PyTorch, or 28 px Fashion-MNIST PNGs against MXNet')
    p.add_argument('--build-dir', default='build', help='the CMake build directory with app/fitbench-cli')
    p.add_argument('--count', type=int, help='number of images (default 1000 JPEGs, 12000 PNGs)')
    p.add_argument('--threads', type=int, default=2, help='decode threads / DataLoader workers')
    p.add_argument('--batch', type=int, help='batch size (default 32 for jpeg224, 128 for fashion28)')
    p.add_argument('--repeat', type=int, default=2, help='runs of each; the fastest counts')
    args = p.parse_args()
    small = args.workload == 'fashion28'
    if args.count is None:
        args.count = 12000 if small else 1000
    if args.batch is None:
        args.batch = 128 if small else 32
    cli = os.path.abspath(os.path.join(args.build_dir, 'app', 'fitbench-cli'))
    im2rec = os.path.abspath(os.path.join(args.build_dir, 'app', 'fitbench-im2rec'))
    for tool in (cli, im2rec):
        if not os.path.exists(tool):
            sys.exit('data_pipeline.py: %s is missing; build fitbench-cli and fitbench-im2rec first' % tool)
    (run_fashion28 if small else run_jpeg224)(args, cli, im2rec)


if __name__ == '__main__':
    main()
