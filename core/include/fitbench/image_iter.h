// Data iterators over encoded or raw images: RecordIO files (MXNet's
// ImageRecordIter), CIFAR-10 binary batches and folders of class sub-folders.
// Decoding and augmentation run on --data-nthreads threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "fitbench/augment.h"
#include "fitbench/data_iter.h"
#include "fitbench/image_codec.h"

namespace fitbench {

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
