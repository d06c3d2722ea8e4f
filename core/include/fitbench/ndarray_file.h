// MXNet's binary NDArray list (.params) and fitbench's training-state file
// (.states), both written to a temporary name and renamed into place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fitbench/tensor.h"

namespace fitbench {

struct NamedArrays {
  std::vector<std::string> names;  // may be empty (unnamed lists)
  std::vector<Tensor> arrays;
};

// Writes the V2 layout (0x112 header, 0xF993FAC9 per array), float32 as is.
void save_ndarray_list(const std::string& path, const NamedArrays& list);
// Reads V2, V3 (0xF993FACA, NumPy shapes), V1 (0xF993FAC8, no stype) and the
// legacy layout (no per-array magic, u32 dims). Arrays keep their stored dtype
// and load onto the CPU; MXNet's shapeless "none" arrays load as undefined
// tensors. Throws Error naming the file and the byte offset on truncation, a
// sparse array, an unknown type flag or an unsupported layout.
NamedArrays load_ndarray_list(const std::string& path);
// float16 / bfloat16 / float64 / integer arrays converted to float32 (CPU);
// a float32 array is returned as is, sharing its storage.
Tensor to_float32(const Tensor& t);

// Writes `bytes` to `path` through a temporary file in the same directory,
// flushed and renamed, so a crash never leaves a half-written `path`.
void write_file_atomically(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);

// Everything besides the weights that a resumed run needs to continue exactly.
struct TrainingState {
  int32_t epoch = 0;              // epochs completed
  int64_t num_update = 0;         // optimizer update count
  float learning_rate = 0.0f;     // the learning rate the next update would use
  std::string optimizer;          // name, to refuse a mismatched resume
  NamedArrays optimizer_states;   // momentum, adam moments, ...
  std::string rng_state;          // std::mt19937_64 text state (dropout, init)
  std::string data_state;         // DataIter::save_state()
};

// "FBST" magic, u32 version, then the fields above.
void save_training_state(const std::string& path, const TrainingState& state);
TrainingState load_training_state(const std::string& path);

}  // namespace fitbench
