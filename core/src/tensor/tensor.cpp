#include "fitbench/tensor.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <string>

#include "fitbench/gpu_module.h"
#include "gpu/gpu_backend.h"
#include "tensor/memory.h"

namespace fitbench {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Float16: return 2;
    case DType::UInt8: return 1;
    case DType::Int32: return 4;
    case DType::Int8: return 1;
    case DType::Int64: return 8;
    case DType::BFloat16: return 2;
  }
  FB_ASSERT(false && "unknown dtype");
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Float16: return "float16";
    case DType::UInt8: return "uint8";
    case DType::Int32: return "int32";
    case DType::Int8: return "int8";
    case DType::Int64: return "int64";
    case DType::BFloat16: return "bfloat16";
  }
  return "unknown";
}

bool is_known_dtype_flag(int32_t flag) {
  return (flag >= 0 && flag <= 6) || flag == 12;
}

int64_t Shape::size() const {
  if (dims_.empty()) return 0;
  int64_t n = 1;
  for (int64_t d : dims_) n *= d;
  return n;
}

std::string Shape::str() const {
  std::ostringstream os;
  os << '(';
  for (size_t i = 0; i < dims_.size(); ++i) os << (i ? ", " : "") << dims_[i];
  if (dims_.size() == 1) os << ',';
  os << ')';
  return os.str();
}

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  if (!device.is_cpu()) {
    const GpuModuleStatus& module = gpu_module_status();
    if (!module.loaded) fail("device ", device.str(), " is not available: ", module.reason);
    const GpuBackend& gpu = gpu_backend();
    if (device.id >= gpu.device_count())
      fail("device ", device.str(), " is not available: this machine has ", gpu.device_count(),
           " usable GPU(s); pick another with --gpus");
    ptr_ = gpu.allocate(device.id, bytes);
    return;
  }
  const size_t rounded = (bytes + 63) / 64 * 64;
  ptr_ = rounded < bytes ? nullptr : std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
  if (!ptr_) throw std::bad_alloc();  // Tensor's constructor says what was asked for
}

Storage::~Storage() {
  if (!device_.is_cpu()) {
    gpu_backend().release(device_.id, ptr_, bytes_);
    return;
  }
  std::free(ptr_);
}

void synchronize(Device device) {
  if (!device.is_cpu()) gpu_backend().synchronize(device.id);
}

namespace {

// Storage for `shape`, or an Error that says what was asked for and what is
// free, instead of a bare std::bad_alloc (or an overflowed size).
std::shared_ptr<Storage> allocate(const Shape& shape, DType dtype, Device device) {
  uint64_t bytes = dtype_size(dtype);
  bool overflow = false;
  for (int64_t d : shape.dims()) overflow = overflow || __builtin_mul_overflow(bytes, uint64_t(d), &bytes);
  if (!overflow) {
    try {
      return std::make_shared<Storage>(static_cast<size_t>(bytes), device);
    } catch (const std::bad_alloc&) {
    }
  }
  const int64_t free = available_memory();
  fail("out of memory: an array of shape ", shape.str(), " (", dtype_name(dtype), ") needs ",
       overflow ? std::string("more bytes than can be counted") : human_bytes(double(bytes)), " of main memory",
       free >= 0 ? ", and " + human_bytes(double(free)) + " are available" : std::string(),
       "; use a smaller batch or smaller layers");
}

}  // namespace

Tensor::Tensor(Shape shape, DType dtype, Device device)
    : storage_(allocate(shape, dtype, device)), shape_(std::move(shape)), dtype_(dtype) {}

Tensor::Tensor(std::shared_ptr<Storage> storage, size_t bytes_offset, Shape shape, DType dtype)
    : storage_(std::move(storage)), offset_(bytes_offset), shape_(std::move(shape)), dtype_(dtype) {
  FB_ASSERT(storage_ && offset_ + bytes() <= storage_->bytes());
}

Tensor Tensor::zeros(Shape shape, DType dtype, Device device) {
  Tensor t(std::move(shape), dtype, device);
  t.zero();
  return t;
}

Tensor Tensor::full(Shape shape, float value) {
  Tensor t(std::move(shape));
  t.fill(value);
  return t;
}

Tensor Tensor::reshape(Shape shape) const {
  FB_ASSERT(shape.size() == shape_.size());
  return Tensor(storage_, offset_, std::move(shape), dtype_);
}

Tensor Tensor::clone() const {
  Tensor t(shape_, dtype_, device());
  t.copy_from(*this);
  return t;
}

void Tensor::copy_from(const Tensor& src) const {
  FB_ASSERT(src.size() == size() && src.dtype() == dtype_);
  if (src.raw() == raw()) return;
  if (!device().is_cpu() || !src.device().is_cpu())
    return gpu_backend().copy(raw(), device(), src.raw(), src.device(), bytes());
  std::memcpy(raw(), src.raw(), bytes());
}

void Tensor::zero() const {
  if (!device().is_cpu()) return gpu_backend().zero(raw(), device().id, bytes());
  std::memset(raw(), 0, bytes());
}

void Tensor::fill(float value) const {
  if (!device().is_cpu()) {
    FB_ASSERT(dtype_ == DType::Float32 && "fill on a GPU supports float32");
    return gpu_backend().fill(f32(), device().id, value, size());
  }
  if (dtype_ == DType::Float32) {
    float* p = f32();
    for (int64_t i = 0; i < size(); ++i) p[i] = value;
  } else if (dtype_ == DType::Float64) {
    double* p = data<double>();
    for (int64_t i = 0; i < size(); ++i) p[i] = value;
  } else {
    FB_ASSERT(false && "fill supports float32 and float64");
  }
}

Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  Tensor t(shape_, dtype_, device);
  t.copy_from(*this);
  return t;
}

}  // namespace fitbench
