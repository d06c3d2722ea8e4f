// MXNet's binary NDArray list (.params), written to a temporary name and
// renamed into place.
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

}  // namespace fitbench
