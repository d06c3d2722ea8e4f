#!/usr/bin/python3
"""Data pipeline throughput: fitbench's RecordIO reader (decode + augment on
--data-nthreads threads) against a PyTorch DataLoader with torchvision
transforms doing the same work with as many workers, in the same run.

It writes N 224x224 JPEGs with PIL into a temporary directory, packs them with
fitbench-im2rec (--pass-through, so both read the same JPEG bytes), times one
epoch of `fitbench-cli --test-io 1` (the whole process, start-up included)
and one epoch of the DataLoader (worker start-up included), and prints the
images/s of each and their ratio. The work per image for both: JPEG decode,
pad 4 (fill 127), random 224x224 crop, random mirror, brightness / contrast /
saturation jitter 0.4, mean / std normalisation to float CHW, batch of 32.

Run with the system Python that has python3-torch and python3-torchvision:
    /usr/bin/python3 bench/data_pipeline.py --build-dir build [--count 1000] [--threads 2]
"""
import argparse
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


def time_fitbench(cli, rec, threads, batch, workdir):
    cmd = [cli, '--network', 'lenet', '--test-io', '1', '--data-train', rec, '--image-shape', '3,224,224',
           '--batch-size', str(batch), '--data-nthreads', str(threads), '--num-classes', '10',
           '--pad-size', '4', '--random-crop', '1', '--random-mirror', '1', '--brightness', '0.4',
           '--contrast', '0.4', '--saturation', '0.4', '--disp-batches', '1000000']
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


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--build-dir', default='build', help='the CMake build directory with app/fitbench-cli')
    p.add_argument('--count', type=int, default=1000, help='number of JPEGs')
    p.add_argument('--threads', type=int, default=2, help='decode threads / DataLoader workers')
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--repeat', type=int, default=2, help='runs of each; the fastest counts')
    args = p.parse_args()
    cli = os.path.abspath(os.path.join(args.build_dir, 'app', 'fitbench-cli'))
    im2rec = os.path.abspath(os.path.join(args.build_dir, 'app', 'fitbench-im2rec'))
    for tool in (cli, im2rec):
        if not os.path.exists(tool):
            sys.exit('data_pipeline.py: %s is missing; build fitbench-cli and fitbench-im2rec first' % tool)
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, 'img')
        make_images(root, args.count)
        prefix = os.path.join(tmp, 'data')
        subprocess.run([im2rec, prefix, root, '--list', '--recursive'], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([im2rec, prefix, root, '--pass-through', '--num-thread', str(args.threads)], check=True,
                       stdout=subprocess.DEVNULL)
        ours = min(time_fitbench(cli, prefix + '.rec', args.threads, args.batch, tmp) for _ in range(args.repeat))
        peer = min(time_torch(root, args.threads, args.batch) for _ in range(args.repeat))
    ours_rate, peer_rate = args.count / ours, args.count / peer
    print('images: %d JPEGs of 224x224, batch %d, %d threads / workers' % (args.count, args.batch, args.threads))
    print('fitbench RecordIO (--test-io):   %8.1f images/s' % ours_rate)
    print('PyTorch DataLoader+torchvision:  %8.1f images/s' % peer_rate)
    print('ratio fitbench / PyTorch:        %8.2fx' % (ours_rate / peer_rate))


if __name__ == '__main__':
    main()
