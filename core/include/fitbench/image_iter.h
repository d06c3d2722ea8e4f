// Data iterators over encoded or raw images: RecordIO files (MXNet's
// ImageRecordIter), CIFAR-10 binary batches and folders of class sub-folders.
// Decoding and augmentation run on --data-nthreads threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "fitbench/augment.h"
#include "fitbench/data_iter.h"
#include "fitbench/image_codec.h"

namespace fitbench {

// Main memory that decoded images may keep from one epoch to the next,
// shared by the iterators of a run (--image-cache-mb). Each image of a .rec
// or a folder is decoded in the first epoch that reads it, and its pixels are
// kept while the budget lasts: later epochs only augment them. For small
// images (28x28 PNGs) decoding costs more than the network's own step.
class DecodedImageBudget {
 public:
  explicit DecodedImageBudget(int64_t bytes) : left_(bytes), total_(bytes) {}
  // Takes `bytes`; false, taking nothing, when fewer are left.
  bool take(int64_t bytes) {
    for (int64_t left = left_.load(); left >= bytes;)
      if (left_.compare_exchange_weak(left, left - bytes)) return true;
    return false;
  }
  // Returns what take() took, when its images are freed.
  void give_back(int64_t bytes) { left_ += bytes; }
  int64_t used() const { return total_ - left_.load(); }

 private:
  std::atomic<int64_t> left_;
  const int64_t total_;
};

struct ImageIterOptions {
  int batch_size = 128;
  AugmentParams augment;
  bool shuffle = false;
  int threads = 1;            // decode + augment threads, the caller's included
  uint64_t seed = 0;
  int num_classes = 0;        // > 0: a label outside [0, num_classes) is an error naming the sample
  int64_t max_examples = -1;  // > 0: only the first max_examples samples (of this part)
  int num_parts = 1;          // sharding for distributed training: this worker reads
  int part_index = 0;         // samples [n * index / parts, n * (index + 1) / parts)
  int64_t max_image_pixels = kDefaultMaxImagePixels;  // larger images are skipped as corrupt ones are
  // Where decoded images are kept for later epochs; null decodes every epoch.
  std::shared_ptr<DecodedImageBudget> decoded_cache;
  // What the data is for, in the per-epoch count ("the training data"), so
  // one file read for training and validation tells its two counts apart.
  std::string role;
  // Receives the warning for each corrupt image skipped and the per-epoch
  // count; null writes them to stderr.
  std::function<void(const std::string&)> warn;
};

// A .rec file; its index is `idx_path`, or <rec without extension>.idx when
// that exists, else the records are found by reading through the file.
std::unique_ptr<DataIter> make_record_iter(const std::string& rec_path, const std::string& idx_path,
                                           const ImageIterOptions& options);
// A directory with CIFAR-10's data_batch_*.bin (train) or test_batch.bin.
std::unique_ptr<DataIter> make_cifar10_iter(const std::string& dir, bool train, const ImageIterOptions& options);
bool is_cifar10_dir(const std::string& dir);
// Bytes make_cifar10_iter holds in memory: its batch files, whole.
int64_t cifar10_bytes(const std::string& dir, bool train);
// A directory with one sub-folder per class (labels in sorted name order)
// holding .jpg / .jpeg / .png files, at any depth below it.
std::unique_ptr<DataIter> make_image_folder_iter(const std::string& dir, const ImageIterOptions& options);

}  // namespace fitbench
