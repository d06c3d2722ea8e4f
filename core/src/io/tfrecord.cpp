#include "io/tfrecord.h"

#include <array>
#include <cerrno>
#include <cstring>

#include "fitbench/error.h"

namespace fitbench::io {
namespace {

// Byte-at-a-time table of the reflected Castagnoli polynomial.
constexpr std::array<uint32_t, 256> make_crc32c_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrc32cTable = make_crc32c_table();

void put_le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

}  // namespace

uint32_t crc32c(std::string_view bytes) {
  uint32_t c = 0xffffffffu;
  for (const char byte : bytes) c = kCrc32cTable[(c ^ static_cast<uint8_t>(byte)) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

uint32_t masked_crc32c(std::string_view bytes) {
  const uint32_t c = crc32c(bytes);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

TfRecordWriter::TfRecordWriter(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "wb")) {
  if (!file_) fail("cannot create ", path, ": ", std::strerror(errno));
}

void TfRecordWriter::write(std::string_view record) {
  std::string length;
  put_le(length, record.size(), 8);
  std::string framed = length;
  put_le(framed, masked_crc32c(length), 4);
  framed.append(record);
  put_le(framed, masked_crc32c(record), 4);
  if (std::fwrite(framed.data(), 1, framed.size(), file_.get()) != framed.size() || std::fflush(file_.get()) != 0)
    fail("cannot write to ", path_, ": ", std::strerror(errno));
}

}  // namespace fitbench::io
