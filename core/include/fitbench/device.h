// Device: where a tensor lives and a kernel runs, as MXNet names contexts.
// Its own header, so the CUDA module (which does not link the core) can name
// devices without the rest of tensor.h.
#pragma once

#include <cstdint>
#include <string>

namespace fitbench {

struct Device {
  // Values are MXNet's dev_type codes.
  enum class Kind : int32_t { CPU = 1, GPU = 2 };
  Kind kind = Kind::CPU;
  int id = 0;

  static Device cpu() { return {}; }
  static Device gpu(int id) { return {Kind::GPU, id}; }
  bool is_cpu() const { return kind == Kind::CPU; }
  // "cpu(0)", "gpu(1)" as MXNet prints contexts.
  std::string str() const { return (kind == Kind::CPU ? "cpu(" : "gpu(") + std::to_string(id) + ")"; }
  bool operator==(const Device&) const = default;
};

}  // namespace fitbench
