// TFRecord framing, as TensorBoard's event files use it. Each record is
//   u64 length, u32 masked_crc32c(length bytes), length bytes of data,
//   u32 masked_crc32c(data)                                    (little-endian)
// where masked_crc32c(x) = rotate_right(crc32c(x), 15) + 0xa282ead8.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace fitbench::io {

// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78): crc32c("123456789") == 0xe3069283.
uint32_t crc32c(std::string_view bytes);
uint32_t masked_crc32c(std::string_view bytes);

// Appends records to a file, flushed after each so a reader sees whole records.
class TfRecordWriter {
 public:
  // Creates (or truncates) `path`; Error naming it when it cannot.
  explicit TfRecordWriter(const std::string& path);
  void write(std::string_view record);
  const std::string& path() const { return path_; }

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::string path_;
  std::unique_ptr<std::FILE, Closer> file_;
};

}  // namespace fitbench::io
