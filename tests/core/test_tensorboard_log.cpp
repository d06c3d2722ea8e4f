// TensorBoard's event files: CRC-32C and the TFRecord framing of each record,
// one file per run under <run dir>/tb, none with --tensorboard 0. What the
// records hold is read back by the tensorboard package itself in
// tests/tools/check_tensorboard.py (CTest: TensorBoard.EventsMatchMetricsJsonl).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "file_test_util.h"
#include "fit_fixture.h"
#include "fitbench/fit.h"
#include "io/tfrecord.h"

using namespace fitbench;
using fitbench::test::TempDir;

namespace {

TEST(Crc32c, KnownValues) {
  EXPECT_EQ(io::crc32c(""), 0u);
  EXPECT_EQ(io::crc32c("123456789"), 0xe3069283u);  // the check value of CRC-32C
  EXPECT_EQ(io::crc32c(std::string(32, '\0')), 0x8a9136aau);  // RFC 3720, B.4: 32 bytes of zeros
  const uint32_t c = io::crc32c("123456789");
  EXPECT_EQ(io::masked_crc32c("123456789"), ((c >> 15) | (c << 17)) + 0xa282ead8u);
}

uint64_t read_le(const std::string& bytes, size_t at, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(bytes[at + static_cast<size_t>(i)]);
  return v;
}

// Each record: u64 length, masked CRC of those 8 bytes, the data, masked CRC of the data.
std::vector<std::string> read_records(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::vector<std::string> records;
  size_t at = 0;
  while (at < bytes.size()) {
    EXPECT_LE(at + 12, bytes.size());
    const uint64_t length = read_le(bytes, at, 8);
    EXPECT_EQ(read_le(bytes, at + 8, 4), io::masked_crc32c(std::string_view(bytes).substr(at, 8)));
    const std::string data = bytes.substr(at + 12, length);
    EXPECT_EQ(read_le(bytes, at + 12 + length, 4), io::masked_crc32c(data));
    records.push_back(data);
    at += 12 + length + 4;
  }
  return records;
}

TEST(TfRecordWriter, FramesEachRecord) {
  TempDir dir;
  {
    io::TfRecordWriter writer(dir.file("x.tfrecord"));
    writer.write("first");
    writer.write("");
    writer.write(std::string(300, 'z'));
  }
  EXPECT_EQ(read_records(dir.file("x.tfrecord")), (std::vector<std::string>{"first", "", std::string(300, 'z')}));
  EXPECT_THROW(io::TfRecordWriter(dir.file("no/such/dir/x.tfrecord")), Error);
}

std::vector<std::filesystem::path> event_files(const std::string& run_dir) {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::exists(run_dir + "/tb")) return files;
  for (const auto& e : std::filesystem::directory_iterator(run_dir + "/tb")) files.push_back(e.path());
  return files;
}

TEST(TensorBoardLog, OneEventFileARunUnlessTurnedOff) {
  TempDir dir;
  fitbench::testing::write_idx_pair(dir.path() / "data", "train", 128, 1);
  fitbench::testing::write_idx_pair(dir.path() / "data", "t10k", 64, 2);
  FitArgs a = fitbench::testing::idx_fit_args(dir.path(), "mlp");
  a.set("batch-size", "32");
  a.set("num-epochs", "1");
  a.set("run-dir", dir.file("on"));
  fit(a, {nullptr, nullptr, false, {}});
  const auto files = event_files(dir.file("on"));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_TRUE(files[0].filename().string().starts_with("events.out.tfevents."));
  // The file version, the arguments, 4 batches, the epoch, the end.
  const auto records = read_records(files[0].string());
  EXPECT_EQ(records.size(), 8u);
  EXPECT_NE(records[0].find("brain.Event:2"), std::string::npos);

  a.set("tensorboard", "0");
  a.set("run-dir", dir.file("off"));
  fit(a, {nullptr, nullptr, false, {}});
  EXPECT_TRUE(std::filesystem::exists(dir.file("off/metrics.jsonl")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("off/tb")));
}

}  // namespace
