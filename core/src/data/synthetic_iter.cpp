// fit.py's SyntheticDataIter (data.py, --benchmark 1): one batch of
// uniform(-1, 1) data and uniform random labels, drawn once and served
// `batches_per_epoch` times, so training speed is measured without any I/O.
#include <cstdint>
#include <random>
#include <utility>

#include "fitbench/data_iter.h"

namespace fitbench {
namespace {

class SyntheticIter final : public DataIter {
 public:
  SyntheticIter(Shape data_shape, int num_classes, int batches_per_epoch, uint64_t seed)
      : batches_per_epoch_(batches_per_epoch) {
    if (data_shape.ndim() < 2 || data_shape.size() <= 0)
      fail("synthetic data needs a shape (batch, ...) with no empty dimension, not ", data_shape.str());
    if (num_classes < 1) fail("synthetic data needs at least one class, not ", num_classes);
    if (batches_per_epoch < 1)
      fail("synthetic data needs at least one batch per epoch, not ", batches_per_epoch);
    std::mt19937_64 rng(seed);
    data_ = Tensor(std::move(data_shape));
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    float* data = data_.f32();
    for (int64_t i = 0; i < data_.size(); ++i) data[i] = value(rng);
    label_ = Tensor(Shape{data_.shape()[0]});
    std::uniform_int_distribution<int> klass(0, num_classes - 1);
    float* label = label_.f32();
    for (int64_t i = 0; i < label_.size(); ++i) label[i] = static_cast<float>(klass(rng));
  }

  void reset() override { served_ = 0; }

  // Hands out the fixed tensors themselves, as MXNet does: no copy per batch.
  bool next(DataBatch& batch) override {
    if (served_ >= batches_per_epoch_) return false;
    ++served_;
    batch.data = data_;
    batch.label = label_;
    batch.pad = 0;
    return true;
  }

  Shape data_shape() const override { return data_.shape(); }
  Shape label_shape() const override { return label_.shape(); }
  int64_t num_examples() const override { return data_.shape()[0] * batches_per_epoch_; }

 private:
  Tensor data_;
  Tensor label_;
  int batches_per_epoch_;
  int served_ = 0;
};

}  // namespace

std::unique_ptr<DataIter> make_synthetic_iter(Shape data_shape, int num_classes, int batches_per_epoch,
                                              uint64_t seed) {
  return std::make_unique<SyntheticIter>(std::move(data_shape), num_classes, batches_per_epoch, seed);
}

}  // namespace fitbench
