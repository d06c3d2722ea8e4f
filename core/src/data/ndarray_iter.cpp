// MXNet's NDArrayIter with last_batch_handle="pad": ceil(N / batch) batches
// per epoch; the last one is completed with rows from the start of the epoch's
// order and its `pad` says how many.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "data/batch_tensors.h"
#include "data/epoch_order.h"
#include "fitbench/data_iter.h"

namespace fitbench {
namespace {

constexpr const char* kStateTag = "ndarray_iter/1";

class NDArrayIter final : public DataIter {
 public:
  NDArrayIter(Tensor data, Tensor label, int batch_size, bool shuffle, uint64_t seed)
      : data_(std::move(data)),
        label_(std::move(label)),
        batch_size_(batch_size),
        shuffle_(shuffle),
        rng_(seed) {
    if (!data_.defined() || !label_.defined()) fail("NDArrayIter needs both data and labels");
    if (!data_.device().is_cpu() || !label_.device().is_cpu())
      fail("NDArrayIter reads from CPU memory, but the data is on ", data_.device().str(),
           " and the labels on ", label_.device().str());
    num_ = data_.shape()[0];
    if (label_.shape()[0] != num_)
      fail("NDArrayIter: the data has ", num_, " examples ", data_.shape().str(), " but the labels have ",
           label_.shape()[0], " ", label_.shape().str());
    if (num_ == 0) fail("NDArrayIter: the data set is empty");
    if (batch_size_ < 1) fail("NDArrayIter: the batch size must be at least 1, not ", batch_size_);
    order_.resize(static_cast<size_t>(num_));
    // Like MXNet's, a new iterator is ready for its first epoch (shuffled when asked).
    start_epoch();
  }

  void reset() override { start_epoch(); }

  bool next(DataBatch& batch) override {
    if (cursor_ >= num_) return false;
    reuse_or_allocate(batch.data, data_shape(), data_.dtype());
    reuse_or_allocate(batch.label, label_shape(), label_.dtype());
    copy_rows(data_, batch.data);
    copy_rows(label_, batch.label);
    batch.pad = static_cast<int>(std::max<int64_t>(0, cursor_ + batch_size_ - num_));
    cursor_ += batch_size_;
    return true;
  }

  Shape data_shape() const override { return with_batch_dim(data_.shape()); }
  Shape label_shape() const override { return with_batch_dim(label_.shape()); }
  int64_t num_examples() const override { return num_; }

  // The generator as it was before this epoch's shuffle: restoring it redraws
  // this epoch's order and leaves the generator where the next reset() expects it.
  std::string save_state() const override { return rng_state(kStateTag, epoch_rng_); }

  void load_state(const std::string& state) override {
    rng_ = parse_rng_state(state, kStateTag, "NDArrayIter");
    start_epoch();
  }

 private:
  void start_epoch() {
    epoch_rng_ = rng_;
    cursor_ = 0;
    // From the identity each time, so the order depends on the generator alone.
    std::iota(order_.begin(), order_.end(), int64_t{0});
    if (shuffle_) shuffle_portably(order_, rng_);
  }

  Shape with_batch_dim(const Shape& shape) const {
    std::vector<int64_t> dims = shape.dims();
    dims[0] = batch_size_;
    return Shape(std::move(dims));
  }

  // Rows cursor_, cursor_ + 1, ... of the epoch's order, wrapping to its start.
  void copy_rows(const Tensor& from, const Tensor& to) const {
    const size_t row_bytes = from.bytes() / static_cast<size_t>(num_);
    const char* src = static_cast<const char*>(from.raw());
    char* dst = static_cast<char*>(to.raw());
    for (int64_t r = 0; r < batch_size_; ++r) {
      const int64_t row = order_[static_cast<size_t>((cursor_ + r) % num_)];
      std::memcpy(dst + static_cast<size_t>(r) * row_bytes, src + static_cast<size_t>(row) * row_bytes,
                  row_bytes);
    }
  }

  Tensor data_;
  Tensor label_;
  int64_t num_ = 0;
  int batch_size_;
  bool shuffle_;
  std::mt19937_64 rng_;
  std::mt19937_64 epoch_rng_;
  std::vector<int64_t> order_;  // example indices of this epoch
  int64_t cursor_ = 0;
};

}  // namespace

std::unique_ptr<DataIter> make_ndarray_iter(Tensor data, Tensor label, int batch_size, bool shuffle,
                                            uint64_t seed) {
  return std::make_unique<NDArrayIter>(std::move(data), std::move(label), batch_size, shuffle, seed);
}

}  // namespace fitbench
