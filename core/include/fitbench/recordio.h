// RecordIO, dmlc-core's record file format (.rec), its text index (.idx) and
// the image record payload MXNet's im2rec and ImageRecordIter use.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fitbench {

// Each record part starts with this word, then (cflag << 29) | length.
constexpr uint32_t kRecordIOMagic = 0xced7230a;

// Appends records to a new file. A record whose data holds the magic word at a
// 4-byte aligned position is split there into start / middle / end parts, as
// dmlc-core does, so a reader can resynchronise on the magic word.
class RecordWriter {
 public:
  explicit RecordWriter(const std::string& path);  // truncates
  // Writes one record and returns the byte offset it starts at.
  uint64_t write(std::string_view data);
  // Flushes; throws Error naming the file when writing failed.
  void close();
  uint64_t tell() const { return pos_; }

 private:
  void write_part(uint32_t cflag, std::string_view part);

  std::string path_;
  std::ofstream out_;
  uint64_t pos_ = 0;
};

// Reads records of a .rec file. read_at() may be called from several threads.
class RecordReader {
 public:
  explicit RecordReader(const std::string& path);
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // Reads the whole record starting at `offset` (joining split parts) into
  // `out` and returns the offset after it. A bad magic word, a bad part
  // sequence or a record running past the end of the file throws Error naming
  // the file and the byte offset.
  uint64_t read_at(uint64_t offset, std::string& out) const;
  // The start offsets of every record, read through the file's part headers.
  std::vector<uint64_t> scan() const;
  uint64_t file_size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  void read_exact(uint64_t offset, void* dst, size_t n, uint64_t record_offset) const;

  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// .idx lines "key\toffset". Throws Error naming the file and line when malformed.
std::vector<std::pair<uint64_t, uint64_t>> read_record_index(const std::string& path);
void write_record_index(const std::string& path, const std::vector<std::pair<uint64_t, uint64_t>>& entries);

// The image record header (MXNet's IRHeader): with flag > 0, `labels` holds
// that many labels stored after the fixed header and `label` is unused.
struct ImageRecordHeader {
  uint32_t flag = 0;
  float label = 0.f;
  uint64_t id = 0;
  uint64_t id2 = 0;
  std::vector<float> labels;

  // The first label: `labels[0]` for multi-label headers, else `label`.
  float first_label() const { return flag > 0 ? labels[0] : label; }
};

// MXNet's recordio.pack: the header (flag set from `labels` when it is not
// empty), the labels, then the encoded image.
std::string pack_image_record(const ImageRecordHeader& header, std::string_view encoded);
// Splits a record into its header and the encoded image that follows it.
// Throws Error naming `source` when the record is too short for its header.
ImageRecordHeader unpack_image_record(std::string_view record, std::string_view& encoded,
                                      const std::string& source);

}  // namespace fitbench
