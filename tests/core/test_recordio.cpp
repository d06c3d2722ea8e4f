// RecordIO: byte-exact with the file MXNet writes (magic-word splitting
// included), reading with and without the .idx, and errors that name the file
// and the byte offset of a corrupt or truncated record.
#include <gtest/gtest.h>

#include <fstream>

#include "file_test_util.h"
#include "fitbench/file_util.h"
#include "fitbench/recordio.h"

using namespace fitbench;
using fitbench::test::TempDir;

namespace {

const std::string kMxnetDir = std::string(FITBENCH_SOURCE_DIR) + "/tests/data/mxnet/";

std::string magic() {
  const uint32_t m = kRecordIOMagic;
  return std::string(reinterpret_cast<const char*>(&m), 4);
}

// The records make_reference.py's recordio() packs with MXNet.
std::vector<std::pair<ImageRecordHeader, std::string>> mxnet_records() {
  ImageRecordHeader a, b, c;
  a.label = 3.f;
  a.id = 7;
  b.labels = {1.f, 2.5f};
  b.id = 8;
  c.label = 9.f;
  c.id = 9;
  return {{a, "\x89PNG fake image 0"}, {b, "ab" + magic() + magic() + "cd" + magic()}, {c, "xyz"}};
}

TEST(RecordIO, WritesTheBytesMxnetWrites) {
  TempDir dir;
  RecordWriter w(dir.file("r.rec"));
  std::vector<std::pair<uint64_t, uint64_t>> index;
  for (const auto& [header, payload] : mxnet_records()) index.emplace_back(header.id, w.write(pack_image_record(header, payload)));
  w.close();
  write_record_index(dir.file("r.idx"), index);
  EXPECT_EQ(fitbench::read_file(dir.file("r.rec")), fitbench::read_file(kMxnetDir + "records.rec"));
  EXPECT_EQ(fitbench::read_file(dir.file("r.idx")), fitbench::read_file(kMxnetDir + "records.idx"));
}

TEST(RecordIO, ReadsMxnetsRecordsThroughTheIndexAndByScanning) {
  RecordReader r(kMxnetDir + "records.rec");
  const auto index = read_record_index(kMxnetDir + "records.idx");
  const auto scanned = r.scan();
  ASSERT_EQ(scanned.size(), 3u);
  const auto expected = mxnet_records();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(index[i].second, scanned[i]);
    std::string record;
    r.read_at(scanned[i], record);
    std::string_view payload;
    const ImageRecordHeader h = unpack_image_record(record, payload, "test");
    EXPECT_EQ(payload, expected[i].second);
    EXPECT_EQ(h.id, expected[i].first.id);
    EXPECT_EQ(h.first_label(), i == 1 ? 1.f : expected[i].first.label);
  }
  std::string record;
  r.read_at(scanned[1], record);
  std::string_view payload;
  EXPECT_EQ(unpack_image_record(record, payload, "test").labels, (std::vector<float>{1.f, 2.5f}));
}

TEST(RecordIO, RoundTripsPayloadsFullOfMagicWords) {
  TempDir dir;
  const std::vector<std::string> payloads = {magic(), magic() + magic(), "", "x" + magic() + "yyy" + magic() + "z",
                                             std::string(1000, 'q') + magic()};
  RecordWriter w(dir.file("m.rec"));
  std::vector<uint64_t> offsets;
  for (const auto& p : payloads) offsets.push_back(w.write(p));
  w.close();
  RecordReader r(dir.file("m.rec"));
  EXPECT_EQ(r.scan(), offsets);
  for (size_t i = 0; i < payloads.size(); ++i) {
    std::string out;
    r.read_at(offsets[i], out);
    EXPECT_EQ(out, payloads[i]) << i;
  }
}

TEST(RecordIO, TruncatedOrCorruptFilesNameTheFileAndOffset) {
  TempDir dir;
  std::string bytes = fitbench::read_file(kMxnetDir + "records.rec");
  std::ofstream(dir.file("cut.rec"), std::ios::binary) << bytes.substr(0, 120);
  RecordReader cut(dir.file("cut.rec"));
  std::string message = test::error_message([&] { cut.scan(); });
  EXPECT_NE(message.find("cut.rec"), std::string::npos) << message;
  EXPECT_NE(message.find("byte offset 112"), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;

  bytes[52] = 'X';  // the second record's magic word
  std::ofstream(dir.file("bad.rec"), std::ios::binary) << bytes;
  RecordReader bad(dir.file("bad.rec"));
  message = test::error_message([&] { bad.scan(); });
  EXPECT_NE(message.find("bad.rec: no RecordIO magic word at byte offset 52"), std::string::npos) << message;
  std::string out;
  message = test::error_message([&] { bad.read_at(52, out); });
  EXPECT_NE(message.find("byte offset 52"), std::string::npos) << message;
}

}  // namespace
