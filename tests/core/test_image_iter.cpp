// The image iterators: CIFAR-10 batches, image folders and .rec files give the
// pixels and labels they hold, pad the last batch, shuffle the same way with
// any thread count, shard, skip corrupt images with one warning and a count
// per epoch, and stop with an error naming the record on bad labels or files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "file_test_util.h"
#include "fitbench/image_iter.h"
#include "fitbench/recordio.h"

using namespace fitbench;
using fitbench::test::TempDir;

namespace {

// A 4x4 gray image whose pixels all equal `value`.
Image flat(uint8_t value, int channels = 1) {
  Image img(4, 4, channels);
  std::fill(img.pixels.begin(), img.pixels.end(), value);
  return img;
}

ImageIterOptions gray_options(int batch) {
  ImageIterOptions o;
  o.batch_size = batch;
  o.augment.channels = 1;
  o.augment.height = o.augment.width = 4;
  return o;
}

// Writes n PNG records whose pixels are 10 * i and labels i % 3; returns the .rec path.
std::string write_rec(const TempDir& dir, int n, bool with_index) {
  RecordWriter w(dir.file("d.rec"));
  std::vector<std::pair<uint64_t, uint64_t>> index;
  for (int i = 0; i < n; ++i) {
    ImageRecordHeader h;
    h.label = float(i % 3);
    h.id = uint64_t(i);
    index.emplace_back(i, w.write(pack_image_record(h, encode_png(flat(uint8_t(10 * i)), 6))));
  }
  w.close();
  if (with_index) write_record_index(dir.file("d.idx"), index);
  return dir.file("d.rec");
}

// Each batch's first pixel per row (the image's value) and its labels.
std::vector<float> epoch_values(DataIter& it, std::vector<int>* pads = nullptr) {
  std::vector<float> values;
  DataBatch b;
  while (it.next(b)) {
    const int64_t n = b.data.shape()[0], per = b.data.size() / n;
    for (int64_t r = 0; r < n; ++r) {
      values.push_back(b.data.data<float>()[r * per]);
      values.push_back(b.label.data<float>()[r]);
    }
    if (pads) pads->push_back(b.pad);
  }
  return values;
}

TEST(RecordIter, ReadsWithAndWithoutIndexAndPadsTheLastBatch) {
  TempDir dir;
  const std::string rec = write_rec(dir, 5, true);
  auto indexed = make_record_iter(rec, "", gray_options(2));
  std::vector<int> pads;
  const auto values = epoch_values(*indexed, &pads);
  EXPECT_EQ(values, (std::vector<float>{0, 0, 10, 1, 20, 2, 30, 0, 40, 1, 0, 0}));
  EXPECT_EQ(pads, (std::vector<int>{0, 0, 1}));
  std::filesystem::remove(dir.file("d.idx"));
  auto scanned = make_record_iter(rec, "", gray_options(2));
  EXPECT_EQ(epoch_values(*scanned), values);
}

TEST(RecordIter, ShufflesAlikeWithAnyThreadCountAndResumesAnEpoch) {
  TempDir dir;
  const std::string rec = write_rec(dir, 23, true);
  ImageIterOptions o = gray_options(4);
  o.shuffle = true;
  o.seed = 11;
  o.augment.rand_mirror = true;
  auto one = make_record_iter(rec, "", o);
  o.threads = 3;
  auto three = make_record_iter(rec, "", o);
  const auto first = epoch_values(*one);
  EXPECT_EQ(first, epoch_values(*three));
  one->reset();
  const std::string state = one->save_state();
  const auto second = epoch_values(*one);
  EXPECT_NE(first, second);
  three->load_state(state);
  EXPECT_EQ(epoch_values(*three), second);
}

// Later epochs take kept images instead of reading the file, and give the
// batches a fresh decode gives; a budget too small keeps what fits and reads
// the rest, and a destroyed iterator gives its memory back.
TEST(RecordIter, KeepsDecodedImagesForLaterEpochsWithinItsBudget) {
  TempDir dir;
  const std::string rec = write_rec(dir, 23, true);
  ImageIterOptions o = gray_options(4);
  o.shuffle = true;
  o.seed = 5;
  o.threads = 2;
  auto decoding = make_record_iter(rec, "", o);
  std::vector<std::vector<float>> epochs;
  for (int e = 0; e < 3; ++e, decoding->reset()) epochs.push_back(epoch_values(*decoding));
  ASSERT_NE(epochs[0], epochs[1]);

  const std::string copy = dir.file("copy.rec");
  const auto keeping_epochs = [&](int64_t budget_bytes, int64_t* used) {
    std::filesystem::copy_file(rec, copy, std::filesystem::copy_options::overwrite_existing);
    o.decoded_cache = std::make_shared<DecodedImageBudget>(budget_bytes);
    auto keeping = make_record_iter(copy, dir.file("d.idx"), o);
    EXPECT_EQ(epoch_values(*keeping), epochs[0]);
    *used = o.decoded_cache->used();
    std::filesystem::resize_file(copy, 0);  // from now on a read fails
    std::vector<std::vector<float>> later;
    for (int e = 1; e < 3; ++e) {
      keeping->reset();
      later.push_back(epoch_values(*keeping));
    }
    keeping.reset();
    EXPECT_EQ(o.decoded_cache->used(), 0);
    return later;
  };
  int64_t all = 0;
  EXPECT_EQ(keeping_epochs(1 << 20, &all), std::vector<std::vector<float>>(epochs.begin() + 1, epochs.end()));
  EXPECT_GT(all, 23 * 16);  // at least every image's pixels

  for (const int64_t budget : {all - 1, int64_t{1}}) {
    int64_t used = 0;
    const std::string message = test::error_message([&] { keeping_epochs(budget, &used); });
    EXPECT_NE(message.find("copy.rec"), std::string::npos) << message;
    EXPECT_LE(used, budget);
  }
}

TEST(RecordIter, ShardsByPart) {
  TempDir dir;
  const std::string rec = write_rec(dir, 10, true);
  ImageIterOptions o = gray_options(5);
  o.num_parts = 2;
  o.part_index = 1;
  auto it = make_record_iter(rec, "", o);
  EXPECT_EQ(it->num_examples(), 5);
  EXPECT_EQ(epoch_values(*it), (std::vector<float>{50, 2, 60, 0, 70, 1, 80, 2, 90, 0}));
}

TEST(RecordIter, LabelOutOfRangeNamesTheRecord) {
  TempDir dir;
  const std::string rec = write_rec(dir, 5, true);
  ImageIterOptions o = gray_options(5);
  o.num_classes = 2;
  auto it = make_record_iter(rec, "", o);
  DataBatch b;
  const std::string message = test::error_message([&] { it->next(b); });
  EXPECT_NE(message.find("record key 2 at byte offset"), std::string::npos) << message;
  EXPECT_NE(message.find("--num-classes 2"), std::string::npos) << message;
}

TEST(RecordIter, TruncatedFileNamesTheFileAndOffset) {
  TempDir dir;
  const std::string rec = write_rec(dir, 5, true);
  const auto index = read_record_index(dir.file("d.idx"));
  std::filesystem::resize_file(rec, index[4].second + 20);
  const std::string scan_message = test::error_message([&] { make_record_iter(rec, dir.file("missing.idx"), gray_options(5)); });
  EXPECT_NE(scan_message.find("missing.idx"), std::string::npos) << scan_message;
  auto it = make_record_iter(rec, "", gray_options(5));
  DataBatch b;
  const std::string message = test::error_message([&] { it->next(b); });
  EXPECT_NE(message.find("d.rec"), std::string::npos) << message;
  EXPECT_NE(message.find("byte offset " + std::to_string(index[4].second)), std::string::npos) << message;
  std::filesystem::remove(dir.file("d.idx"));
  const std::string scanned = test::error_message([&] { make_record_iter(rec, "", gray_options(5)); });
  EXPECT_NE(scanned.find("truncated"), std::string::npos) << scanned;
}

TEST(ImageFolder, LabelsBySortedFolderAndSkipsCorruptImagesWithOneWarning) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "cat");
  std::filesystem::create_directories(dir.path() / "dog" / "sub");
  std::ofstream(dir.file("cat/a.png"), std::ios::binary) << encode_png(flat(10, 3), 6);
  std::ofstream(dir.file("cat/bad.png"), std::ios::binary) << "not an image";
  std::ofstream(dir.file("dog/b.jpg"), std::ios::binary) << encode_jpeg(flat(200, 3), 95);
  std::ofstream(dir.file("dog/sub/c.png"), std::ios::binary) << encode_png(flat(30, 1), 6);
  std::ofstream(dir.file("dog/notes.txt")) << "ignored";
  ImageIterOptions o;
  o.batch_size = 3;
  o.augment.height = o.augment.width = 4;
  std::vector<std::string> warnings;
  o.warn = [&](const std::string& w) { warnings.push_back(w); };
  auto it = make_image_folder_iter(dir.path().string(), o);
  EXPECT_EQ(it->num_examples(), 4);
  std::vector<int> pads;
  const auto values = epoch_values(*it, &pads);
  ASSERT_EQ(values.size(), 6u);
  EXPECT_EQ(values[0], 10);
  EXPECT_EQ(values[1], 0);
  EXPECT_NEAR(values[2], 200, 2);
  EXPECT_EQ(values[3], 1);
  EXPECT_EQ(values[4], 30);  // a gray image given 3 channels
  EXPECT_EQ(values[5], 1);
  EXPECT_EQ(pads, (std::vector<int>{0}));
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("bad.png"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("1 unreadable image(s) skipped"), std::string::npos) << warnings[1];
  it->reset();
  epoch_values(*it);
  ASSERT_EQ(warnings.size(), 3u);  // the count again, not the image
  EXPECT_NE(warnings[2].find("1 unreadable image(s) skipped"), std::string::npos) << warnings[2];
}

TEST(Cifar10, ReadsPlanarRecordsAndRejectsTruncatedFiles) {
  TempDir dir;
  std::string batch;
  for (int r = 0; r < 3; ++r) {
    batch.push_back(char(r + 4));
    for (int c = 0; c < 3; ++c) batch.append(1024, char(r * 30 + c * 10));
  }
  std::ofstream(dir.file("data_batch_1.bin"), std::ios::binary) << batch;
  std::ofstream(dir.file("test_batch.bin"), std::ios::binary) << batch.substr(0, 3073);
  EXPECT_TRUE(is_cifar10_dir(dir.path().string()));
  ImageIterOptions o;
  o.batch_size = 2;
  o.augment.height = o.augment.width = 28;
  auto train = make_cifar10_iter(dir.path().string(), true, o);
  EXPECT_EQ(train->num_examples(), 3);
  DataBatch b;
  ASSERT_TRUE(train->next(b));
  const float* d = b.data.data<float>();
  EXPECT_EQ(d[0], 0);             // row 0, red
  EXPECT_EQ(d[28 * 28], 10);      // row 0, green
  EXPECT_EQ(d[3 * 28 * 28], 30);  // row 1, red
  EXPECT_EQ(b.label.data<float>()[1], 5);
  EXPECT_EQ(make_cifar10_iter(dir.path().string(), false, o)->num_examples(), 1);
  std::ofstream(dir.file("data_batch_2.bin"), std::ios::binary) << batch.substr(0, 4000);
  const std::string message = test::error_message([&] { make_cifar10_iter(dir.path().string(), true, o); });
  EXPECT_NE(message.find("data_batch_2.bin"), std::string::npos) << message;
}

}  // namespace
