#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/seeds/<target>/.

Run from anywhere: python3 fuzz/make_seeds.py. Small valid files of each
format (and a few near misses), so the fuzzer starts from inputs that reach
deep into each parser. The JPEG seed needs ImageMagick's `convert`; the rest
is written here byte by byte or copied from tests/data/mxnet.
"""
import gzip
import pathlib
import shutil
import struct
import subprocess
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fuzz" / "seeds"
MXNET = ROOT / "tests" / "data" / "mxnet"


def target(name):
    path = SEEDS / name
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def idx_images(count, rows, cols):
    pixels = bytes((i * 37) % 256 for i in range(count * rows * cols))
    return struct.pack(">IIII", 0x803, count, rows, cols) + pixels


def idx_labels(labels):
    return struct.pack(">II", 0x801, len(labels)) + bytes(labels)


def idx_seed(images, labels):
    return struct.pack("<H", len(images)) + images + labels


def ndarray(shape, flag, data):
    header = struct.pack("<Iii", 0xF993FAC9, 0, len(shape)) + b"".join(struct.pack("<q", d) for d in shape)
    return header + struct.pack("<iii", 1, 0, flag) + data


def ndarray_list(arrays, names):
    out = struct.pack("<QQQ", 0x112, 0, len(arrays)) + b"".join(arrays)
    out += struct.pack("<Q", len(names))
    for name in names:
        out += struct.pack("<Q", len(name)) + name.encode()
    return out


def string(text):
    return struct.pack("<Q", len(text)) + text.encode()


def states(optimizer, arrays, names):
    return (b"FBST" + struct.pack("<Iiqf", 1, 3, 180, 0.05) + string(optimizer)
            + ndarray_list(arrays, names) + string("1 2 3") + string("epoch 3 cursor 0"))


def record(data, cflag=0):
    out = struct.pack("<II", 0xCED7230A, (cflag << 29) | len(data)) + data
    return out + b"\0" * (-len(data) % 4)


def image_record(label, payload, labels=()):
    header = struct.pack("<IfQQ", len(labels), label, 7, 0) + b"".join(struct.pack("<f", x) for x in labels)
    return header + payload


def png(width, height, color_type, channels):
    rows = b"".join(b"\0" + bytes((x * 40 + y * 10) % 256 for x in range(width * channels)) for y in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def main():
    out = target("idx")
    images, labels = idx_images(2, 3, 3), idx_labels([1, 9])
    (out / "raw").write_bytes(idx_seed(images, labels))
    (out / "gzip").write_bytes(idx_seed(gzip.compress(images), gzip.compress(labels)))
    (out / "count-mismatch").write_bytes(idx_seed(idx_images(3, 2, 2), labels))

    out = target("params")
    for name in ["two-arrays.params", "mixed-dtypes.params", "gluon-export-f16.params", "legacy_ndarray.v0"]:
        shutil.copy(MXNET / name, out / name)

    out = target("states")
    momentum = ndarray([2, 2], 0, struct.pack("<4f", 0.5, -0.25, 1.0, 0.0))
    (out / "sgd.states").write_bytes(states("sgd", [momentum, momentum], ["fc1_weight", "fc1_bias"]))
    (out / "none.states").write_bytes(states("sgd", [], []))

    out = target("symbol_json")
    for name in ["lenet-symbol.json", "mlp-symbol.json", "gluon-export-symbol.json"]:
        shutil.copy(MXNET / name, out / name)

    out = target("recordio")
    shutil.copy(MXNET / "records.rec", out / "records.rec")
    # A record split into start / middle / end parts, then a multi-label one.
    split = record(image_record(2, b"\x89PNGabcd"), 1) + record(b"efgh", 2) + record(b"ijkl", 3)
    (out / "split.rec").write_bytes(split + record(image_record(0, b"data", labels=(1.0, 2.0))))

    out = target("image_header")
    # The first byte picks the channels asked for (see fuzz_image_header.cpp).
    (out / "gray.png").write_bytes(b"\1" + png(4, 3, 0, 1))
    (out / "rgb.png").write_bytes(b"\2" + png(3, 2, 2, 3))
    (out / "rgba.png").write_bytes(b"\0" + png(2, 2, 6, 4))
    jpeg = subprocess.run(["convert", "-size", "8x8", "gradient:", "-quality", "80", "jpeg:-"],
                          check=True, capture_output=True).stdout
    (out / "gray.jpg").write_bytes(b"\0" + jpeg)

    out = target("fit_args")
    lines = {
        "defaults": "",
        "lenet": "--network lenet --num-epochs 3 --lr 0.05 --lr-step-epochs 1,2 --batch-size 64",
        "resume": "--network mlp --load-epoch 2 --model-prefix 'runs/my mlp/m' --kv-store dist_sync",
        "image": "--network resnet --num-layers 20 --image-shape 3,28,28 --num-classes 10 --gpus 0,1",
        "power": "--lr-step-epochs pow2 --optimizer nag --mom 0.9 --wd 1e-4 --dtype float32",
    }
    for name, line in lines.items():
        (out / name).write_text(line)


if __name__ == "__main__":
    main()
