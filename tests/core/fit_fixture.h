// Small idx data sets written by tests: N images of 28x28 whose class is
// drawn as a bright bar, so a network can learn them in a few batches.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "fitbench/fit.h"

namespace fitbench::testing {

inline void write_be32(std::ofstream& f, uint32_t v) {
  const unsigned char b[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                              static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
  f.write(reinterpret_cast<const char*>(b), 4);
}

// Writes <dir>/<stem>-images-idx3-ubyte and <dir>/<stem>-labels-idx1-ubyte.
inline void write_idx_pair(const std::filesystem::path& dir, const std::string& stem, int count, uint64_t seed) {
  std::filesystem::create_directories(dir);
  std::mt19937_64 rng(seed);
  std::ofstream images(dir / (stem + "-images-idx3-ubyte"), std::ios::binary);
  std::ofstream labels(dir / (stem + "-labels-idx1-ubyte"), std::ios::binary);
  write_be32(images, 0x803);
  write_be32(images, static_cast<uint32_t>(count));
  write_be32(images, 28);
  write_be32(images, 28);
  write_be32(labels, 0x801);
  write_be32(labels, static_cast<uint32_t>(count));
  for (int i = 0; i < count; ++i) {
    const int label = static_cast<int>(rng() % 10);
    std::vector<unsigned char> pixels(28 * 28);
    for (auto& p : pixels) p = static_cast<unsigned char>(rng() % 64);
    for (int r = 2 + label * 2; r < 4 + label * 2; ++r)
      for (int c = 4; c < 24; ++c) pixels[static_cast<size_t>(r * 28 + c)] = 255;
    images.write(reinterpret_cast<const char*>(pixels.data()), static_cast<std::streamsize>(pixels.size()));
    const char l = static_cast<char>(label);
    labels.write(&l, 1);
  }
}

// train_mnist.py's defaults for `network` on the idx pairs write_idx_pair
// put in <dir>/data ("train" to train on, "t10k" to validate on).
inline FitArgs idx_fit_args(const std::filesystem::path& dir, const std::string& network) {
  FitArgs a = train_mnist_defaults();
  a.set("network", network);
  a.set("data-train", (dir / "data").string());
  a.set("data-val", (dir / "data").string());
  a.unset("num-examples");
  return a;
}

}  // namespace fitbench::testing
