// dmlc-core RecordIO: writing with magic-word splitting, reading by offset
// with pread (so decode workers share one descriptor), and the .idx index.
#include "fitbench/recordio.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "fitbench/error.h"

namespace fitbench {
namespace {

constexpr uint32_t kLengthMask = (1u << 29) - 1;

uint32_t load_u32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

void append_u32(std::string& s, uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); }
void append_u64(std::string& s, uint64_t v) { s.append(reinterpret_cast<const char*>(&v), 8); }

constexpr uint64_t padded(uint64_t n) { return (n + 3) & ~uint64_t{3}; }

}  // namespace

RecordWriter::RecordWriter(const std::string& path) : path_(path), out_(path, std::ios::binary | std::ios::trunc) {
  if (!out_) fail("cannot create the record file ", path, ": check the directory exists and is writable");
}

void RecordWriter::write_part(uint32_t cflag, std::string_view part) {
  if (part.size() > kLengthMask) fail(path_, ": a record part of ", part.size(), " bytes exceeds RecordIO's 512 MiB limit");
  std::string head;
  append_u32(head, kRecordIOMagic);
  append_u32(head, (cflag << 29) | static_cast<uint32_t>(part.size()));
  out_.write(head.data(), 8);
  out_.write(part.data(), static_cast<std::streamsize>(part.size()));
  pos_ += 8 + part.size();
}

uint64_t RecordWriter::write(std::string_view data) {
  const uint64_t start = pos_;
  // Only aligned words are checked, as dmlc-core does: the reader re-inserts
  // the magic word between parts, so the parts stay 4-byte multiples.
  const size_t aligned_end = data.size() & ~size_t{3};
  size_t part_start = 0;
  for (size_t i = 0; i < aligned_end; i += 4) {
    if (load_u32(data.data() + i) != kRecordIOMagic) continue;
    write_part(part_start == 0 ? 1u : 2u, data.substr(part_start, i - part_start));
    part_start = i + 4;
  }
  write_part(part_start == 0 ? 0u : 3u, data.substr(part_start));
  const uint64_t pad = padded(data.size()) - data.size();
  static const char zeros[4] = {0, 0, 0, 0};
  out_.write(zeros, static_cast<std::streamsize>(pad));
  pos_ += pad;
  if (!out_) fail("writing the record file ", path_, " failed (disk full?)");
  return start;
}

void RecordWriter::close() {
  out_.close();
  if (out_.fail()) fail("writing the record file ", path_, " failed (disk full?)");
}

RecordReader::RecordReader(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail("cannot open the record file ", path, ": ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    ::close(fd_);
    fail("cannot read the size of the record file ", path, ": ", std::strerror(errno));
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

RecordReader::~RecordReader() {
  if (fd_ >= 0) ::close(fd_);
}

void RecordReader::read_exact(uint64_t offset, void* dst, size_t n, uint64_t record_offset) const {
  if (offset + n > size_)
    fail(path_, ": the record at byte offset ", record_offset, " is truncated (it runs past the end of the file at ",
         size_, " bytes); rebuild the file with fitbench-im2rec");
  char* p = static_cast<char*>(dst);
  while (n > 0) {
    const ssize_t got = ::pread(fd_, p, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) fail("reading ", path_, " at byte offset ", offset, " failed: ", std::strerror(errno));
    p += got;
    offset += static_cast<uint64_t>(got);
    n -= static_cast<size_t>(got);
  }
}

uint64_t RecordReader::read_at(uint64_t offset, std::string& out) const {
  out.clear();
  const uint64_t record_offset = offset;
  for (bool first = true;; first = false) {
    char head[8];
    read_exact(offset, head, 8, record_offset);
    if (load_u32(head) != kRecordIOMagic)
      fail(path_, ": no RecordIO magic word at byte offset ", offset,
           " (the file is corrupt, or the .idx does not belong to it)");
    const uint32_t lrec = load_u32(head + 4);
    const uint32_t cflag = lrec >> 29, length = lrec & kLengthMask;
    if (first ? (cflag == 2 || cflag == 3) : (cflag == 0 || cflag == 1))
      fail(path_, ": bad record part sequence at byte offset ", offset, " (part flag ", cflag,
           "); the file is corrupt");
    if (!first) append_u32(out, kRecordIOMagic);
    const size_t at = out.size();
    out.resize(at + length);
    read_exact(offset + 8, out.data() + at, length, record_offset);
    offset += 8 + padded(length);
    if (cflag == 0 || cflag == 3) return offset;
  }
}

std::vector<uint64_t> RecordReader::scan() const {
  std::vector<uint64_t> starts;
  uint64_t offset = 0;
  bool inside = false;  // between a start part and its end part
  while (offset < size_) {
    char head[8];
    read_exact(offset, head, 8, offset);
    if (load_u32(head) != kRecordIOMagic)
      fail(path_, ": no RecordIO magic word at byte offset ", offset, "; the file is corrupt");
    const uint32_t lrec = load_u32(head + 4);
    const uint32_t cflag = lrec >> 29, length = lrec & kLengthMask;
    if (inside != (cflag == 2 || cflag == 3))
      fail(path_, ": bad record part sequence at byte offset ", offset, " (part flag ", cflag,
           "); the file is corrupt");
    if (!inside) starts.push_back(offset);
    inside = cflag == 1 || cflag == 2;
    if (offset + 8 + length > size_)
      fail(path_, ": the record at byte offset ", starts.back(), " is truncated (it runs past the end of the file at ",
           size_, " bytes); rebuild the file with fitbench-im2rec");
    offset += 8 + padded(length);
  }
  if (inside) fail(path_, ": the record at byte offset ", starts.back(), " is truncated (its end part is missing)");
  return starts;
}

std::vector<std::pair<uint64_t, uint64_t>> read_record_index(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("cannot open the record index ", path);
  std::vector<std::pair<uint64_t, uint64_t>> entries;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    uint64_t key = 0, offset = 0;
    if (!(fields >> key >> offset))
      fail(path, " line ", number, ": expected \"key<TAB>offset\", got \"", line, "\"");
    entries.emplace_back(key, offset);
  }
  return entries;
}

void write_record_index(const std::string& path, const std::vector<std::pair<uint64_t, uint64_t>>& entries) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& [key, offset] : entries) out << key << '\t' << offset << '\n';
  out.close();
  if (!out) fail("writing the record index ", path, " failed");
}

std::string pack_image_record(const ImageRecordHeader& header, std::string_view encoded) {
  std::string s;
  s.reserve(24 + header.labels.size() * 4 + encoded.size());
  append_u32(s, header.labels.empty() ? header.flag : static_cast<uint32_t>(header.labels.size()));
  const float label = header.labels.empty() ? header.label : 0.f;
  s.append(reinterpret_cast<const char*>(&label), 4);
  append_u64(s, header.id);
  append_u64(s, header.id2);
  s.append(reinterpret_cast<const char*>(header.labels.data()), header.labels.size() * 4);
  s.append(encoded);
  return s;
}

ImageRecordHeader unpack_image_record(std::string_view record, std::string_view& encoded, const std::string& source) {
  if (record.size() < 24) fail(source, ": the record has ", record.size(), " bytes, too few for an image header");
  ImageRecordHeader h;
  std::memcpy(&h.flag, record.data(), 4);
  std::memcpy(&h.label, record.data() + 4, 4);
  std::memcpy(&h.id, record.data() + 8, 8);
  std::memcpy(&h.id2, record.data() + 16, 8);
  const uint64_t label_bytes = uint64_t{h.flag} * 4;
  if (record.size() - 24 < label_bytes)
    fail(source, ": the header announces ", h.flag, " labels but the record has only ", record.size(), " bytes");
  h.labels.resize(h.flag);
  // flag 0 (one label, in the header) leaves labels empty, and memcpy must not get its null data().
  if (label_bytes > 0) std::memcpy(h.labels.data(), record.data() + 24, label_bytes);
  encoded = record.substr(24 + label_bytes);
  return h;
}

}  // namespace fitbench
