// Data iterators with MXNet's NDArrayIter behaviour: a shuffle per epoch
// (when asked), the last batch padded by wrapping around to the start, and
// `pad` telling how many rows of a batch are padding.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fitbench/tensor.h"

namespace fitbench {

struct DataBatch {
  Tensor data;   // (batch, C, H, W) float32
  Tensor label;  // (batch,) float32 class indices
  int pad = 0;   // trailing rows that repeat earlier samples
};

class DataIter {
 public:
  virtual ~DataIter() = default;
  // Starts a new epoch (reshuffles when shuffling).
  virtual void reset() = 0;
  // Fills `batch` (its tensors may be reused between calls); false at the end of the epoch.
  virtual bool next(DataBatch& batch) = 0;
  virtual Shape data_shape() const = 0;   // with the batch dimension
  virtual Shape label_shape() const = 0;
  virtual int64_t num_examples() const = 0;
  // An opaque snapshot taken between epochs (RNG state and sample order) and
  // its restore, so a resumed run sees the same batches.
  virtual std::string save_state() const { return {}; }
  virtual void load_state(const std::string&) {}
};

// Images and labels of an idx file pair (MNIST / Fashion-MNIST, gzip or raw).
struct IdxDataset {
  Tensor images;  // (N, 1, rows, cols) float32, pixels / 255
  Tensor labels;  // (N,) float32
};
// Throws Error naming the file on a missing file, bad magic, count mismatch
// or truncation.
IdxDataset load_idx(const std::string& images_path, const std::string& labels_path);
// (count, rows, cols) of an idx images file, from its header alone.
std::vector<int64_t> idx_image_dims(const std::string& images_path);

// Where Debian's dataset-fashion-mnist package puts the files.
std::string default_fashion_mnist_dir();
// Fashion-MNIST's ten classes, by label: "T-shirt/top", "Trouser", ... "Ankle boot".
const std::vector<std::string>& fashion_mnist_class_names();

// NDArrayIter over in-memory arrays (last_batch_handle="pad"). Like MXNet's,
// it is ready for its first epoch when made (shuffled when asked), and every
// reset() draws a new order. load_state() redraws the order of the epoch the
// state was saved in; the reset() after it draws the order the saving run drew next.
std::unique_ptr<DataIter> make_ndarray_iter(Tensor data, Tensor label, int batch_size, bool shuffle,
                                            uint64_t seed);
// fit.py's SyntheticDataIter: one fixed batch of uniform(-1, 1) data and
// random labels, repeated `batches_per_epoch` times. As in MXNet, each batch
// is the iterator's own tensors, not a copy: do not write into them.
std::unique_ptr<DataIter> make_synthetic_iter(Shape data_shape, int num_classes, int batches_per_epoch,
                                              uint64_t seed);
// Runs `inner` on a background thread, keeping up to `depth` batches ready.
// An error in `inner` is rethrown by next() after the batches made before it.
std::unique_ptr<DataIter> make_prefetch_iter(std::unique_ptr<DataIter> inner, int depth = 2);

}  // namespace fitbench
