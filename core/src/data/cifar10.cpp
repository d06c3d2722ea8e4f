// CIFAR-10's binary batches: records of one label byte and 3072 pixel bytes
// (the red, green and blue 32x32 planes), held in memory.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "data/image_source.h"

namespace fitbench {
namespace {

constexpr size_t kSide = 32, kPlane = kSide * kSide, kRecord = 1 + 3 * kPlane;

std::vector<std::string> batch_files(const std::string& dir, bool train) {
  std::vector<std::string> files;
  if (!std::filesystem::is_directory(dir)) return files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const bool wanted = train ? (name.starts_with("data_batch_") && name.ends_with(".bin")) : name == "test_batch.bin";
    if (wanted && e.is_regular_file()) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class Cifar10Source final : public ImageSource {
 public:
  Cifar10Source(const std::string& dir, bool train) : dir_(dir) {
    files_ = batch_files(dir, train);
    if (files_.empty())
      fail(dir, ": no CIFAR-10 ", train ? "data_batch_*.bin" : "test_batch.bin",
           " here; give the cifar-10-batches-bin directory of the binary version");
    for (const auto& f : files_) {
      std::ifstream in(f, std::ios::binary);
      if (!in) fail("cannot open the CIFAR-10 batch ", f);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (bytes.empty() || bytes.size() % kRecord != 0)
        fail(f, ": ", bytes.size(), " bytes is not a whole number of CIFAR-10 records (", kRecord,
             " bytes each); the file is truncated or not the binary version");
      for (size_t r = 0; r < bytes.size() / kRecord; ++r)
        if (static_cast<unsigned char>(bytes[r * kRecord]) > 9)
          fail(f, ": record ", r, " has label ", int(static_cast<unsigned char>(bytes[r * kRecord])),
               "; CIFAR-10 labels are 0..9, so the file is corrupt");
      first_record_.push_back(size());
      data_ += bytes;
      ends_.push_back(static_cast<int64_t>(data_.size() / kRecord));
    }
  }

  int64_t size() const override { return static_cast<int64_t>(data_.size() / kRecord); }
  std::string name() const override { return dir_; }

  std::string describe(int64_t i) const override {
    const size_t f = static_cast<size_t>(std::upper_bound(ends_.begin(), ends_.end(), i) - ends_.begin());
    return "record " + std::to_string(i - first_record_[f]) + " of " + files_[f];
  }

  // Always 32x32: no pixel limit to check.
  Image load(int64_t i, int channels, int64_t, float& label) const override {
    const auto* rec = reinterpret_cast<const uint8_t*>(data_.data()) + static_cast<size_t>(i) * kRecord;
    label = rec[0];
    Image img(kSide, kSide, 3);
    for (size_t p = 0; p < kPlane; ++p)
      for (size_t c = 0; c < 3; ++c) img.pixels[p * 3 + c] = rec[1 + c * kPlane + p];
    return channels == 1 ? to_gray(img) : img;
  }
  bool decodes() const override { return false; }

 private:
  std::string dir_;
  std::vector<std::string> files_;
  std::vector<int64_t> first_record_, ends_;  // per file: its first record and the end
  std::string data_;
};

}  // namespace

bool is_cifar10_dir(const std::string& dir) { return !batch_files(dir, true).empty() || !batch_files(dir, false).empty(); }

int64_t cifar10_bytes(const std::string& dir, bool train) {
  int64_t bytes = 0;
  for (const auto& f : batch_files(dir, train)) bytes += static_cast<int64_t>(std::filesystem::file_size(f));
  return bytes;
}

std::unique_ptr<DataIter> make_cifar10_iter(const std::string& dir, bool train, const ImageIterOptions& options) {
  return make_image_iter(std::make_shared<Cifar10Source>(dir, train), options);
}

}  // namespace fitbench
