// MXNet's ImageRecordIter: image records of a .rec file, located through its
// .idx when there is one, else by reading through the record headers.
#include <filesystem>

#include "data/image_source.h"
#include "fitbench/recordio.h"

namespace fitbench {
namespace {

class RecordSource final : public ImageSource {
 public:
  RecordSource(const std::string& rec_path, const std::string& idx_path) : reader_(rec_path) {
    std::string idx = idx_path;
    if (idx.empty()) {
      const std::string guess = std::filesystem::path(rec_path).replace_extension(".idx").string();
      if (std::filesystem::exists(guess)) idx = guess;
    }
    if (idx.empty()) {
      offsets_ = reader_.scan();
    } else {
      for (const auto& [key, offset] : read_record_index(idx)) {
        if (offset >= reader_.file_size())
          fail(idx, ": key ", key, " points at byte offset ", offset, ", beyond the end of ", rec_path, " (",
               reader_.file_size(), " bytes); the index does not belong to this file");
        keys_.push_back(key);
        offsets_.push_back(offset);
      }
    }
    if (offsets_.empty()) fail(rec_path, ": the record file holds no records");
  }

  int64_t size() const override { return static_cast<int64_t>(offsets_.size()); }
  std::string name() const override { return reader_.path(); }

  std::string describe(int64_t i) const override {
    const size_t k = static_cast<size_t>(i);
    return "record " + (keys_.empty() ? std::to_string(i) : "key " + std::to_string(keys_[k])) + " at byte offset " +
           std::to_string(offsets_[k]) + " of " + reader_.path();
  }

  Image load(int64_t i, int channels, int64_t max_pixels, float& label) const override {
    std::string record;
    reader_.read_at(offsets_[static_cast<size_t>(i)], record);
    std::string_view encoded;
    const std::string where = describe(i);
    label = unpack_image_record(record, encoded, where).first_label();
    return decode_image(encoded.data(), encoded.size(), channels, where, max_pixels);
  }

 private:
  RecordReader reader_;
  std::vector<uint64_t> keys_;  // empty without an index
  std::vector<uint64_t> offsets_;
};

}  // namespace

std::unique_ptr<DataIter> make_record_iter(const std::string& rec_path, const std::string& idx_path,
                                           const ImageIterOptions& options) {
  return make_image_iter(std::make_shared<RecordSource>(rec_path, idx_path), options);
}

}  // namespace fitbench
