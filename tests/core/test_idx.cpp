// load_idx on small idx files written here, gzip-compressed and raw.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "file_test_util.h"
#include "fitbench/data_iter.h"

namespace fitbench {
namespace {

using ::testing::HasSubstr;

// An idx file: big-endian magic and dims, then the bytes.
std::string idx_file(uint32_t magic, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& body) {
  std::string out;
  const auto put_u32 = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
  };
  put_u32(magic);
  for (uint32_t d : dims) put_u32(d);
  out.append(body.begin(), body.end());
  return out;
}

void write_raw(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void write_gzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

// Three 2x2 images with pixels 0, 17, ..., and labels 7, 0, 9.
const std::vector<uint8_t> kPixels = {0, 17, 34, 51, 68, 85, 102, 119, 136, 153, 170, 255};
const std::vector<uint8_t> kLabels = {7, 0, 9};
const std::string kImages = idx_file(0x803, {3, 2, 2}, kPixels);
const std::string kLabelFile = idx_file(0x801, {3}, kLabels);

void expect_dataset(const IdxDataset& set) {
  EXPECT_EQ(set.images.shape(), (Shape{3, 1, 2, 2}));
  ASSERT_EQ(set.labels.shape(), (Shape{3}));
  for (size_t i = 0; i < kPixels.size(); ++i)
    EXPECT_FLOAT_EQ(set.images.f32()[i], static_cast<float>(kPixels[i]) / 255.0f);
  for (size_t i = 0; i < kLabels.size(); ++i) EXPECT_EQ(set.labels.f32()[i], kLabels[i]);
}

TEST(Idx, ReadsGzipAndRawFiles) {
  test::TempDir dir;
  write_gzip(dir.file("images.gz"), kImages);
  write_raw(dir.file("labels"), kLabelFile);
  expect_dataset(load_idx(dir.file("images.gz"), dir.file("labels")));

  write_raw(dir.file("images"), kImages);
  write_gzip(dir.file("labels.gz"), kLabelFile);
  expect_dataset(load_idx(dir.file("images"), dir.file("labels.gz")));
}

TEST(Idx, WrongMagicNamesFileAndBothMagics) {
  test::TempDir dir;
  write_gzip(dir.file("images.gz"), kImages);
  write_gzip(dir.file("labels.gz"), kLabelFile);
  const std::string swapped =
      test::error_message([&] { load_idx(dir.file("labels.gz"), dir.file("images.gz")); });
  EXPECT_THAT(swapped, HasSubstr(dir.file("labels.gz")));
  EXPECT_THAT(swapped, HasSubstr("0x00000801"));
  EXPECT_THAT(swapped, HasSubstr("0x00000803"));
  EXPECT_THAT(swapped, HasSubstr("swapped"));

  write_raw(dir.file("bogus"), idx_file(0x12345678, {3}, kLabels));
  const std::string bogus = test::error_message([&] { load_idx(dir.file("images.gz"), dir.file("bogus")); });
  EXPECT_THAT(bogus, HasSubstr(dir.file("bogus")));
  EXPECT_THAT(bogus, HasSubstr("0x12345678"));
}

TEST(Idx, TruncatedDataSaysExpectedAndFoundBytes) {
  test::TempDir dir;
  write_gzip(dir.file("labels.gz"), kLabelFile);
  write_gzip(dir.file("short.gz"), kImages.substr(0, kImages.size() - 3));
  const std::string message =
      test::error_message([&] { load_idx(dir.file("short.gz"), dir.file("labels.gz")); });
  EXPECT_THAT(message, HasSubstr(dir.file("short.gz")));
  EXPECT_THAT(message, HasSubstr("expected 28 bytes"));
  EXPECT_THAT(message, HasSubstr("found 25"));

  write_raw(dir.file("header-only"), kImages.substr(0, 10));
  EXPECT_THAT(test::error_message([&] { load_idx(dir.file("header-only"), dir.file("labels.gz")); }),
              HasSubstr(dir.file("header-only")));
}

TEST(Idx, CutGzipStreamIsAnError) {
  test::TempDir dir;
  write_gzip(dir.file("full.gz"), kImages);
  write_gzip(dir.file("labels.gz"), kLabelFile);
  std::string compressed;
  {
    std::ifstream in(dir.file("full.gz"), std::ios::binary);
    compressed.assign(std::istreambuf_iterator<char>(in), {});
  }
  write_raw(dir.file("cut.gz"), compressed.substr(0, compressed.size() / 2));
  EXPECT_THAT(test::error_message([&] { load_idx(dir.file("cut.gz"), dir.file("labels.gz")); }),
              HasSubstr(dir.file("cut.gz")));
}

TEST(Idx, MissingFileIsNamed) {
  test::TempDir dir;
  write_gzip(dir.file("images.gz"), kImages);
  const std::string message =
      test::error_message([&] { load_idx(dir.file("images.gz"), dir.file("no-such-labels.gz")); });
  EXPECT_THAT(message, HasSubstr(dir.file("no-such-labels.gz")));
  EXPECT_THAT(message, HasSubstr("No such file"));
}

TEST(Idx, CountMismatchNamesBothFiles) {
  test::TempDir dir;
  write_gzip(dir.file("images.gz"), kImages);
  write_gzip(dir.file("labels.gz"), idx_file(0x801, {2}, {1, 2}));
  const std::string message =
      test::error_message([&] { load_idx(dir.file("images.gz"), dir.file("labels.gz")); });
  EXPECT_THAT(message, HasSubstr(dir.file("images.gz")));
  EXPECT_THAT(message, HasSubstr(dir.file("labels.gz")));
  EXPECT_THAT(message, HasSubstr("3 images"));
  EXPECT_THAT(message, HasSubstr("2 labels"));
}

TEST(Idx, DefaultDirectoryCanBeOverridden) {
  ::unsetenv("FITBENCH_FASHION_MNIST_DIR");
  EXPECT_EQ(default_fashion_mnist_dir(), "/usr/share/datasets/fashion-mnist");
  ::setenv("FITBENCH_FASHION_MNIST_DIR", "/data/fmnist", 1);
  EXPECT_EQ(default_fashion_mnist_dir(), "/data/fmnist");
  ::unsetenv("FITBENCH_FASHION_MNIST_DIR");
}

// The real test split, where Debian's dataset-fashion-mnist is installed.
TEST(Idx, ReadsFashionMnistTestSplit) {
  const std::string dir = default_fashion_mnist_dir();
  const std::string images = dir + "/t10k-images-idx3-ubyte.gz";
  if (!std::filesystem::exists(images)) GTEST_SKIP() << "no Fashion-MNIST at " << dir;
  const IdxDataset set = load_idx(images, dir + "/t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(set.images.shape(), (Shape{10000, 1, 28, 28}));
  ASSERT_EQ(set.labels.shape(), (Shape{10000}));
  std::vector<int> per_class(10);
  for (int64_t i = 0; i < set.labels.size(); ++i) {
    const float label = set.labels.f32()[i];
    ASSERT_TRUE(label >= 0 && label <= 9) << label;
    ++per_class[static_cast<size_t>(label)];
  }
  for (int n : per_class) EXPECT_EQ(n, 1000);  // the test split is balanced
  float lo = 1, hi = 0;
  for (int64_t i = 0; i < set.images.size(); ++i) {
    lo = std::min(lo, set.images.f32()[i]);
    hi = std::max(hi, set.images.f32()[i]);
  }
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);
}

}  // namespace
}  // namespace fitbench
