// Little-endian byte buffers for the binary files (.params, .states), and the
// NDArray list serializer that both of those files share.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <iomanip>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "fitbench/error.h"
#include "fitbench/ndarray_file.h"

namespace fitbench::io {

// The formats are little-endian and numbers are copied as they lie in memory.
static_assert(std::endian::native == std::endian::little,
              "fitbench's file formats assume a little-endian host");

// "0xF993FAC9": magic numbers in error messages, as the format documents print them.
inline std::string hex(uint64_t value, int digits) {
  std::ostringstream os;
  os << "0x" << std::uppercase << std::hex << std::setw(digits) << std::setfill('0') << value;
  return os.str();
}

class ByteWriter {
 public:
  template <class T>
  void put(T value) {
    static_assert(std::is_arithmetic_v<T>);
    put_bytes(&value, sizeof value);
  }
  void put_bytes(const void* data, size_t n) { bytes_.append(static_cast<const char*>(data), n); }
  // u64 length, then the bytes (dmlc's std::string serialization).
  void put_string(std::string_view s) {
    put<uint64_t>(s.size());
    put_bytes(s.data(), s.size());
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// Reads a whole file held in memory. Running past the end throws Error naming
// the file, the byte offset and what was being read.
class ByteReader {
 public:
  ByteReader(std::string_view bytes, std::string path) : bytes_(bytes), path_(std::move(path)) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }
  const std::string& path() const { return path_; }

  // The next `n` bytes; `what` names them in the truncation error.
  const char* take(size_t n, std::string_view what) {
    if (n > remaining())
      fail(path_, ": the file ends early: ", what, " at byte offset ", offset_, " needs ", n,
           " bytes but only ", remaining(), " remain (truncated or damaged file)");
    const char* p = bytes_.data() + offset_;
    offset_ += n;
    return p;
  }
  template <class T>
  T get(std::string_view what) {
    static_assert(std::is_arithmetic_v<T>);
    T value;
    std::memcpy(&value, take(sizeof value, what), sizeof value);
    return value;
  }
  std::string get_string(std::string_view what) {
    const auto n = get<uint64_t>(what);
    return std::string(take(n, what), n);
  }
  // Throws Error naming the file and `offset` (where the bad value starts).
  template <class... Parts>
  [[noreturn]] void fail_at(size_t offset, Parts&&... parts) const {
    fail(path_, ": ", std::forward<Parts>(parts)..., " (byte offset ", offset, ")");
  }

 private:
  std::string_view bytes_;
  std::string path_;
  size_t offset_ = 0;
};

// MXNet's NDArray list: u64 0x112, u64 0, the arrays, then the names.
void write_ndarray_list(ByteWriter& out, const NamedArrays& list);
NamedArrays read_ndarray_list(ByteReader& in);

}  // namespace fitbench::io
