// MXNet's NDArray list files (.params), as written by mx.nd.save and read by
// mx.nd.load (src/ndarray/ndarray.cc, v1.x). Per array, by its first u32:
//   0xF993FAC9 (V2) / 0xF993FACA (V3, NumPy shapes): i32 stype, i32 ndim, ndim x i64 dims,
//       i32 dev_type, i32 dev_id, i32 type_flag, data
//   0xF993FAC8 (V1): u32 ndim, ndim x i64 dims, then as V2 from dev_type
//   anything else (legacy): that word is ndim, ndim x u32 dims, then as V2 from dev_type
// An array without a shape (ndim 0; -1 in V3) stops after its dims.
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fitbench/file_util.h"
#include "fitbench/ndarray_file.h"
#include "io/binary_io.h"

namespace fitbench {
namespace io {
namespace {

constexpr uint64_t kListMagic = 0x112;
constexpr uint32_t kV1Magic = 0xF993FAC8;
constexpr uint32_t kV2Magic = 0xF993FAC9;
constexpr uint32_t kV3Magic = 0xF993FACA;
// More dimensions than any framework allows: a legacy "ndim" this large means
// the bytes are not an NDArray at all.
constexpr uint32_t kMaxNdim = 32;

const char* stype_name(int32_t stype) {
  switch (stype) {
    case 1:
      return "row_sparse";
    case 2:
      return "csr";
    default:
      return "an unknown storage type";
  }
}

void write_ndarray(ByteWriter& out, const Tensor& array) {
  out.put<uint32_t>(kV2Magic);
  out.put<int32_t>(0);  // dense
  if (!array.defined()) {
    out.put<int32_t>(0);  // MXNet's "none" array: no shape, nothing follows
    return;
  }
  const Tensor host = array.to(Device::cpu());
  out.put<int32_t>(host.shape().ndim());
  for (int64_t d : host.shape().dims()) out.put<int64_t>(d);
  out.put<int32_t>(static_cast<int32_t>(Device::Kind::CPU));
  out.put<int32_t>(0);
  out.put<int32_t>(static_cast<int32_t>(host.dtype()));
  out.put_bytes(host.raw(), host.bytes());
}

// Reads ndim dims stored as `Dim`, each checked to be a real extent.
template <class Dim>
std::vector<int64_t> read_dims(ByteReader& in, uint32_t ndim, uint64_t index) {
  std::vector<int64_t> dims;
  for (uint32_t i = 0; i < ndim; ++i) {
    const size_t at = in.offset();
    const int64_t d = static_cast<int64_t>(in.get<Dim>("a dimension"));
    if (d < 0) in.fail_at(at, "array ", index, " has an unknown dimension (", d, "); cannot load it");
    dims.push_back(d);
  }
  return dims;
}

// Undefined for MXNet's "none" arrays.
Tensor read_ndarray(ByteReader& in, uint64_t index) {
  const size_t start = in.offset();
  const auto magic = in.get<uint32_t>("an array header");
  size_t ndim_at = in.offset();
  int64_t ndim;
  bool legacy = false;  // u32 dims instead of i64
  if (magic == kV2Magic || magic == kV3Magic) {
    const auto stype = in.get<int32_t>("a storage type");
    if (stype != 0)
      in.fail_at(start, "array ", index, " is stored as ", stype_name(stype), " (stype ", stype,
                 "); fitbench reads dense arrays only");
    ndim_at = in.offset();
    ndim = in.get<int32_t>("a dimension count");
    // V2 keeps MXNet's legacy shapes (ndim 0 = none); V3 NumPy's (-1 = none, 0 = a scalar).
    if (ndim == (magic == kV2Magic ? 0 : -1)) return {};
  } else if (magic == kV1Magic) {
    ndim = in.get<uint32_t>("a dimension count");
    if (ndim == 0) return {};
  } else {
    if (magic > kMaxNdim)
      in.fail_at(start, "array ", index, " starts with ", hex(magic, 8),
                 ", which is neither an NDArray magic (", hex(kV1Magic, 8), ", ", hex(kV2Magic, 8), ", ",
                 hex(kV3Magic, 8),
                 ") nor a legacy dimension count: not an MXNet NDArray file, or an "
                 "unsupported version of one");
    if (magic == 0) return {};
    ndim = magic;
    legacy = true;
  }
  if (ndim < 1 || ndim > kMaxNdim)
    in.fail_at(ndim_at, "array ", index, " has ", ndim, " dimensions, which fitbench cannot load");
  std::vector<int64_t> dims = legacy ? read_dims<uint32_t>(in, static_cast<uint32_t>(ndim), index)
                                     : read_dims<int64_t>(in, static_cast<uint32_t>(ndim), index);
  in.get<int32_t>("a device type");  // arrays always load onto the CPU
  in.get<int32_t>("a device id");
  const size_t flag_at = in.offset();
  const auto flag = in.get<int32_t>("a type flag");
  if (!is_known_dtype_flag(flag))
    in.fail_at(flag_at, "array ", index, " has the unknown type flag ", flag,
               " (known: 0 float32, 1 float64, 2 float16, 3 uint8, 4 int32, 5 int8, 6 int64, 12 bfloat16)");
  const auto dtype = static_cast<DType>(flag);

  // The element count of every leading part of the shape must fit int64_t
  // (Shape and the kernels count in it), even when a later 0 makes the array
  // empty, and the byte count must fit the file.
  int64_t elements = 1;
  uint64_t bytes = dtype_size(dtype);
  for (int64_t d : dims)
    if ((d != 0 && __builtin_mul_overflow(elements, d, &elements)) ||
        __builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes))
      in.fail_at(start, "array ", index, " has the impossible shape ", Shape(dims).str());
  // take() checks the size against the file before anything is allocated, so
  // a damaged shape cannot ask for an absurd amount of memory.
  const char* data = in.take(bytes, "the data of array " + std::to_string(index) + " " + Shape(dims).str());
  Tensor array(Shape(std::move(dims)), dtype);
  std::memcpy(array.raw(), data, array.bytes());
  return array;
}

}  // namespace

void write_ndarray_list(ByteWriter& out, const NamedArrays& list) {
  FB_ASSERT(list.names.empty() || list.names.size() == list.arrays.size());
  out.put<uint64_t>(kListMagic);
  out.put<uint64_t>(0);  // reserved
  out.put<uint64_t>(list.arrays.size());
  for (const Tensor& array : list.arrays) write_ndarray(out, array);
  out.put<uint64_t>(list.names.size());
  for (const std::string& name : list.names) out.put_string(name);
}

NamedArrays read_ndarray_list(ByteReader& in) {
  const size_t start = in.offset();
  const auto header = in.get<uint64_t>("the NDArray list header");
  if (header != kListMagic)
    in.fail_at(start, "not an MXNet NDArray file: it starts with ", hex(header, 16), ", expected ",
               hex(kListMagic, 16));
  in.get<uint64_t>("the reserved word");
  const auto count = in.get<uint64_t>("the array count");
  NamedArrays list;
  for (uint64_t i = 0; i < count; ++i) list.arrays.push_back(read_ndarray(in, i));
  const size_t names_at = in.offset();
  const auto name_count = in.get<uint64_t>("the name count");
  if (name_count != 0 && name_count != count)
    in.fail_at(names_at, "the file holds ", count, " arrays but ", name_count, " names");
  for (uint64_t i = 0; i < name_count; ++i) list.names.push_back(in.get_string("a name"));
  return list;
}

}  // namespace io

void save_ndarray_list(const std::string& path, const NamedArrays& list) {
  io::ByteWriter out;
  io::write_ndarray_list(out, list);
  write_file_atomically(path, out.bytes());
}

NamedArrays load_ndarray_list(const std::string& path) {
  const std::string bytes = read_file(path);
  io::ByteReader in(bytes, path);
  return io::read_ndarray_list(in);
}

namespace {

// IEEE 754 binary16, subnormals, infinities and NaNs included.
float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu;
  const uint32_t mantissa = h & 0x3FFu;
  if (exponent == 0) {  // zero or subnormal: mantissa x 2^-24, exact in float
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  // Rebias the exponent from 15 to 127.
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

float bfloat16_to_float(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

template <class T, class Convert>
Tensor converted(const Tensor& in, Convert convert) {
  Tensor out(in.shape());
  const T* src = static_cast<const T*>(in.raw());
  float* dst = out.f32();
  for (int64_t i = 0; i < in.size(); ++i) dst[i] = convert(src[i]);
  return out;
}

}  // namespace

Tensor to_float32(const Tensor& t) {
  FB_ASSERT(t.device().is_cpu());
  const auto cast = [](auto v) { return static_cast<float>(v); };
  switch (t.dtype()) {
    case DType::Float32:
      return t;
    case DType::Float64:
      return converted<double>(t, cast);
    case DType::Float16:
      return converted<uint16_t>(t, half_to_float);
    case DType::BFloat16:
      return converted<uint16_t>(t, bfloat16_to_float);
    case DType::UInt8:
      return converted<uint8_t>(t, cast);
    case DType::Int8:
      return converted<int8_t>(t, cast);
    case DType::Int32:
      return converted<int32_t>(t, cast);
    case DType::Int64:
      return converted<int64_t>(t, cast);
  }
  FB_ASSERT(false && "unknown dtype");
}

}  // namespace fitbench
