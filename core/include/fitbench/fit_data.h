// The training and validation iterators fit.py's data arguments describe
// (--data-train, --data-val, --num-examples, --benchmark, ...), and the
// augmentation and input format they imply: the translation of a FitConfig
// into the data layer's terms.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fitbench/augment.h"
#include "fitbench/data_iter.h"
#include "fitbench/fit_config.h"
#include "fitbench/image_input.h"

namespace fitbench {

struct FitData {
  std::unique_ptr<DataIter> train;
  std::unique_ptr<DataIter> val;  // null without validation data
};

// Which share of the training data this worker reads (distributed kvstores).
// Image sources split their samples into num_parts contiguous parts. idx data
// (Fashion-MNIST, MNIST) is interleaved so that n workers with batch b read
// what one process with batch n*b reads: every worker draws the same sample
// order (same seed), and worker r's batch i is rows [r*b, (r+1)*b) of that
// order's batch i of n*b rows.
struct DataPartition {
  int num_parts = 1;
  int part_index = 0;
};

// --data-train / --data-val pick the source: a .rec file (RecordIO, with
// --data-train-idx or its .idx), a directory of CIFAR-10 binary batches, a
// directory of idx files, or a directory of class sub-folders. Image sources
// augment training data as data.py's arguments say and give validation data
// a center crop; both normalise with --rgb-mean / --rgb-std.
// Throws Error naming the argument and the file when the data cannot be read
// or does not match --image-shape. `warn` receives the image sources'
// warnings (an image skipped, and each epoch's count), from their reading
// threads; without it they go to stderr.
FitData make_fit_data(const FitConfig& config, uint64_t seed, const DataPartition& partition = {},
                      const std::function<void(const std::string&)>& warn = {});

// Main memory the data of make_fit_data takes, from the arguments and the
// files' headers, before anything is read: the data sets held whole, and how
// many batches are in memory at once while fit() trains and validates (the
// iterators' prefetched ones and those fit() is given).
struct DataFootprint {
  int64_t fixed_bytes = 0;
  int batches = 0;
};
// Throws Error as make_fit_data would for data that is missing.
DataFootprint fit_data_footprint(const FitConfig& config, const DataPartition& partition = {});

// fit.py's ResizeIter: exactly `batches` batches per epoch, starting the
// inner iterator's next epoch when it runs out first. The dist_sync workers
// all take the same number of steps, or one would wait for the others forever.
std::unique_ptr<DataIter> make_resize_iter(std::unique_ptr<DataIter> inner, int64_t batches);

// Why the default data (Debian's Fashion-MNIST, used without --data-train)
// cannot be read, and what to do; "" when it is installed.
std::string default_data_missing();

// True when `path` is read as images: a .rec file, or a directory without idx
// files (CIFAR-10 batches or class sub-folders); idx files otherwise.
bool is_image_data(const std::string& path);

// The validation iterator alone (no shuffle, no augmentation), as
// make_fit_data builds it: what scoring a saved model reads. Null when there
// is no validation data (--data-train given without --data-val).
std::unique_ptr<DataIter> make_val_data(const FitConfig& config);

// data.py's training iterator: every augmentation argument applies.
AugmentParams train_augment_params(const FitConfig& config);
// data.py's validation iterator: center crop and mean / std only.
AugmentParams val_augment_params(const FitConfig& config);

// The format of the run's data: idx files (MNIST, Fashion-MNIST: the default
// when no --data-train is given) scale pixels to [0, 1]; image sources (.rec,
// CIFAR-10 batches, folders of images) subtract --rgb-mean and divide by
// --rgb-std. --data-val decides, else --data-train. Throws Error naming the
// argument for a bad --image-shape, --rgb-mean or --rgb-std.
InputFormat input_format(const FitConfig& config);

}  // namespace fitbench
