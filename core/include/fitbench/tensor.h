// Shape, DType, Device and Tensor: the value types every part of the core shares.
//
// A Tensor is a shape, a dtype and a view into reference-counted Storage.
// Copies of a Tensor share storage; copying data is always explicit
// (clone(), copy_from(), to()). Many tensors may view one Storage, which is how
// parameters, gradients and optimizer states live in one contiguous buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "fitbench/device.h"
#include "fitbench/error.h"

namespace fitbench {

// Values are MXNet's type flags, as stored in .params files.
enum class DType : int32_t {
  Float32 = 0,
  Float64 = 1,
  Float16 = 2,
  UInt8 = 3,
  Int32 = 4,
  Int8 = 5,
  Int64 = 6,
  BFloat16 = 12,
};

size_t dtype_size(DType t);
const char* dtype_name(DType t);
// True when `flag` is one of the DType values above.
bool is_known_dtype_flag(int32_t flag);

template <class T>
constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::Float32; }
template <> constexpr DType dtype_of<double>() { return DType::Float64; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::UInt8; }
template <> constexpr DType dtype_of<int32_t>() { return DType::Int32; }
template <> constexpr DType dtype_of<int8_t>() { return DType::Int8; }
template <> constexpr DType dtype_of<int64_t>() { return DType::Int64; }

// A list of dimensions. A Shape with ndim() == 0 means "not known yet" during
// shape inference; the core has no 0-d tensors.
class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  int ndim() const { return static_cast<int>(dims_.size()); }
  bool known() const { return !dims_.empty(); }
  int64_t operator[](int i) const { return dims_[static_cast<size_t>(i)]; }
  int64_t& operator[](int i) { return dims_[static_cast<size_t>(i)]; }
  // Product of the dimensions (0 for an unknown shape).
  int64_t size() const;
  const std::vector<int64_t>& dims() const { return dims_; }
  // "(128, 1, 28, 28)", as Python prints a tuple (a single dimension: "(10,)").
  std::string str() const;
  bool operator==(const Shape&) const = default;

 private:
  std::vector<int64_t> dims_;
};

// A block of memory on a device, uninitialized. CPU blocks are 64-byte
// aligned; GPU blocks come from the caching allocator (src/cuda/runtime.h).
class Storage {
 public:
  Storage(size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return ptr_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
  Device device_;
};

// Waits until the work queued on `device` is done (nothing to wait for on the CPU).
void synchronize(Device device);

// Floats one view takes in a buffer of packed views (parameters, gradients,
// optimizer states): rounded up so that every view starts on a 256-byte
// boundary, as cuDNN's kernels and vector loads want.
constexpr int64_t padded_view_floats(int64_t floats) { return (floats + 63) / 64 * 64; }

class Tensor {
 public:
  Tensor() = default;
  // Allocates fresh, uninitialized storage.
  explicit Tensor(Shape shape, DType dtype = DType::Float32, Device device = Device::cpu());
  // A view of `bytes_offset` into existing storage.
  Tensor(std::shared_ptr<Storage> storage, size_t bytes_offset, Shape shape, DType dtype);

  static Tensor zeros(Shape shape, DType dtype = DType::Float32, Device device = Device::cpu());
  static Tensor full(Shape shape, float value);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device() : Device::cpu(); }
  int64_t size() const { return shape_.size(); }
  size_t bytes() const { return static_cast<size_t>(size()) * dtype_size(dtype_); }
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  size_t offset() const { return offset_; }

  void* raw() const { return static_cast<char*>(storage_->data()) + offset_; }
  template <class T>
  T* data() const {
    FB_ASSERT(storage_ && dtype_ == dtype_of<T>());
    return static_cast<T*>(raw());
  }
  float* f32() const { return data<float>(); }

  // Same storage, new shape with the same number of elements.
  Tensor reshape(Shape shape) const;
  // A deep copy on the same device.
  Tensor clone() const;
  // Copies `src` (same shape and dtype) into this tensor's storage.
  void copy_from(const Tensor& src) const;
  // Sets every element (float tensors) to `value`.
  void fill(float value) const;
  // Sets every byte to zero.
  void zero() const;
  // A copy on `device` (a shared view when already there).
  Tensor to(Device device) const;

 private:
  std::shared_ptr<Storage> storage_;
  size_t offset_ = 0;
  Shape shape_;
  DType dtype_ = DType::Float32;
};

}  // namespace fitbench
