// NDArrayIter (pad, shuffle, state), the prefetching wrapper and the synthetic iterator.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "fitbench/data_iter.h"

namespace fitbench {
namespace {

// Example i has label i and data row (10 i, 10 i + 1, 10 i + 2).
std::unique_ptr<DataIter> counting_iter(int n, int batch, bool shuffle, uint64_t seed) {
  Tensor data(Shape{n, 3});
  Tensor label(Shape{n});
  for (int i = 0; i < n; ++i) {
    label.f32()[i] = static_cast<float>(i);
    for (int k = 0; k < 3; ++k) data.f32()[i * 3 + k] = static_cast<float>(10 * i + k);
  }
  return make_ndarray_iter(data, label, batch, shuffle, seed);
}

// Everything one epoch yields, batch after batch.
struct Epoch {
  std::vector<float> data;
  std::vector<float> labels;
  std::vector<int> pads;
  bool operator==(const Epoch&) const = default;
};

Epoch run_epoch(DataIter& iter) {
  Epoch epoch;
  DataBatch batch;
  while (iter.next(batch)) {
    EXPECT_EQ(batch.data.shape(), iter.data_shape());
    EXPECT_EQ(batch.label.shape(), iter.label_shape());
    epoch.data.insert(epoch.data.end(), batch.data.f32(), batch.data.f32() + batch.data.size());
    epoch.labels.insert(epoch.labels.end(), batch.label.f32(), batch.label.f32() + batch.label.size());
    epoch.pads.push_back(batch.pad);
  }
  return epoch;
}

bool is_permutation_of_range(std::vector<float> labels, int n) {
  std::sort(labels.begin(), labels.end());
  std::vector<float> range(static_cast<size_t>(n));
  std::iota(range.begin(), range.end(), 0.0f);
  return labels == range;
}

TEST(NDArrayIter, PadsTheLastBatchFromTheStart) {
  auto iter = counting_iter(5, 2, false, 0);
  EXPECT_EQ(iter->data_shape(), (Shape{2, 3}));
  EXPECT_EQ(iter->label_shape(), (Shape{2}));
  EXPECT_EQ(iter->num_examples(), 5);
  const Epoch epoch = run_epoch(*iter);
  EXPECT_EQ(epoch.labels, (std::vector<float>{0, 1, 2, 3, 4, 0}));
  EXPECT_EQ(epoch.pads, (std::vector<int>{0, 0, 1}));  // ceil(5 / 2) batches
  EXPECT_EQ(epoch.data[15], 0.0f);                     // the padded row is example 0's data
  EXPECT_EQ(epoch.data[12], 40.0f);
  iter->reset();
  EXPECT_EQ(run_epoch(*iter), epoch);
}

TEST(NDArrayIter, BatchLargerThanDataWrapsRepeatedly) {
  auto iter = counting_iter(3, 7, false, 0);
  const Epoch epoch = run_epoch(*iter);
  EXPECT_EQ(epoch.labels, (std::vector<float>{0, 1, 2, 0, 1, 2, 0}));
  EXPECT_EQ(epoch.pads, (std::vector<int>{4}));
}

TEST(NDArrayIter, ReusesTheBatchTensors) {
  auto iter = counting_iter(6, 2, true, 1);
  DataBatch batch;
  ASSERT_TRUE(iter->next(batch));
  const void* data = batch.data.raw();
  const void* label = batch.label.raw();
  while (iter->next(batch)) {
    EXPECT_EQ(batch.data.raw(), data);
    EXPECT_EQ(batch.label.raw(), label);
  }
}

TEST(NDArrayIter, ShufflesToANewPermutationEachEpoch) {
  auto iter = counting_iter(100, 10, true, 42);
  std::vector<Epoch> epochs;
  for (int e = 0; e < 3; ++e) {
    iter->reset();
    epochs.push_back(run_epoch(*iter));
    const Epoch& epoch = epochs.back();
    EXPECT_TRUE(is_permutation_of_range(epoch.labels, 100));
    EXPECT_FALSE(std::is_sorted(epoch.labels.begin(), epoch.labels.end()));
    for (size_t i = 0; i < epoch.labels.size(); ++i)  // rows travel with their labels
      EXPECT_EQ(epoch.data[i * 3 + 2], epoch.labels[i] * 10 + 2);
  }
  EXPECT_NE(epochs[0].labels, epochs[1].labels);
  EXPECT_NE(epochs[1].labels, epochs[2].labels);
}

TEST(NDArrayIter, TheSeedDecidesTheOrder) {
  auto a = counting_iter(50, 8, true, 7);
  auto b = counting_iter(50, 8, true, 7);
  auto c = counting_iter(50, 8, true, 8);
  for (int e = 0; e < 2; ++e) {
    const Epoch ea = run_epoch(*a);
    EXPECT_EQ(ea, run_epoch(*b));
    EXPECT_NE(ea.labels, run_epoch(*c).labels);
    a->reset();
    b->reset();
    c->reset();
  }
}

TEST(NDArrayIter, SavedStateReproducesTheOrder) {
  auto original = counting_iter(30, 4, true, 3);
  run_epoch(*original);
  original->reset();
  const Epoch second = run_epoch(*original);
  const std::string state = original->save_state();
  original->reset();
  const Epoch third = run_epoch(*original);

  // Another seed, so only the state can explain the order.
  auto resumed = counting_iter(30, 4, true, 99);
  resumed->load_state(state);
  EXPECT_EQ(run_epoch(*resumed), second);  // the epoch the state was taken in
  resumed->reset();
  EXPECT_EQ(run_epoch(*resumed), third);  // and the one after it
}

TEST(NDArrayIter, RejectsBadInputAndState) {
  EXPECT_THROW(make_ndarray_iter(Tensor(Shape{4, 2}), Tensor(Shape{3}), 2, false, 0), Error);
  EXPECT_THROW(make_ndarray_iter(Tensor(Shape{4, 2}), Tensor(Shape{4}), 0, false, 0), Error);
  EXPECT_THROW(counting_iter(4, 2, true, 0)->load_state("not a state"), Error);
}

TEST(PrefetchIter, YieldsWhatTheInnerIteratorYields) {
  for (int depth : {1, 2, 5}) {
    auto plain = counting_iter(23, 4, true, 5);
    auto prefetched = make_prefetch_iter(counting_iter(23, 4, true, 5), depth);
    EXPECT_EQ(prefetched->data_shape(), plain->data_shape());
    EXPECT_EQ(prefetched->label_shape(), plain->label_shape());
    EXPECT_EQ(prefetched->num_examples(), 23);
    for (int e = 0; e < 2; ++e) {
      EXPECT_EQ(run_epoch(*prefetched), run_epoch(*plain)) << "depth " << depth << ", epoch " << e;
      EXPECT_EQ(prefetched->save_state(), plain->save_state());
      plain->reset();
      prefetched->reset();
    }
  }
}

TEST(PrefetchIter, LoadStateRestartsFromTheRestoredEpoch) {
  auto original = counting_iter(17, 3, true, 11);
  original->reset();
  const Epoch second = run_epoch(*original);
  const std::string state = original->save_state();

  auto prefetched = make_prefetch_iter(counting_iter(17, 3, true, 12));
  DataBatch batch;
  ASSERT_TRUE(prefetched->next(batch));  // mid-epoch: the restore drops what was prefetched
  prefetched->load_state(state);
  EXPECT_EQ(run_epoch(*prefetched), second);
}

TEST(PrefetchIter, ResetMidEpochStartsAFreshEpoch) {
  auto plain = counting_iter(40, 4, true, 2);
  auto prefetched = make_prefetch_iter(counting_iter(40, 4, true, 2), 3);
  DataBatch batch;
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(prefetched->next(batch));
  plain->reset();
  prefetched->reset();
  EXPECT_EQ(run_epoch(*prefetched), run_epoch(*plain));
}

// Yields `good` batches, then throws.
class FailingIter : public DataIter {
 public:
  explicit FailingIter(int good) : good_(good) {}
  void reset() override { served_ = 0; }
  bool next(DataBatch& batch) override {
    if (served_ == good_) fail("disk on fire");
    batch.data = Tensor::full(Shape{1, 1}, static_cast<float>(served_++));
    batch.label = Tensor::full(Shape{1}, 0.0f);
    return true;
  }
  Shape data_shape() const override { return {1, 1}; }
  Shape label_shape() const override { return {1}; }
  int64_t num_examples() const override { return 1; }

 private:
  int good_;
  int served_ = 0;
};

TEST(PrefetchIter, RethrowsTheProducersErrorAfterItsBatches) {
  auto iter = make_prefetch_iter(std::make_unique<FailingIter>(2), 4);
  for (int round = 0; round < 2; ++round) {
    DataBatch batch;
    ASSERT_TRUE(iter->next(batch));
    EXPECT_EQ(batch.data.f32()[0], 0.0f);
    ASSERT_TRUE(iter->next(batch));
    EXPECT_EQ(batch.data.f32()[0], 1.0f);
    try {
      iter->next(batch);
      ADD_FAILURE() << "expected the producer's error";
    } catch (const Error& e) {
      EXPECT_STREQ(e.what(), "disk on fire");
    }
    iter->reset();  // a new epoch runs again
  }
}

// Counts the batches asked of an iterator.
class CountingReads : public DataIter {
 public:
  explicit CountingReads(std::unique_ptr<DataIter> inner, int& reads) : inner_(std::move(inner)), reads_(reads) {}
  void reset() override { inner_->reset(); }
  bool next(DataBatch& batch) override {
    ++reads_;
    return inner_->next(batch);
  }
  Shape data_shape() const override { return inner_->data_shape(); }
  Shape label_shape() const override { return inner_->label_shape(); }
  int64_t num_examples() const override { return inner_->num_examples(); }

 private:
  std::unique_ptr<DataIter> inner_;
  int& reads_;
};

// The trainer resets before each epoch: a producer started with the iterator
// read batches that reset dropped (a short epoch whole, reporting its skipped
// images twice).
TEST(PrefetchIter, ReadsNothingBeforeTheFirstEpochStarts) {
  int reads = 0;
  auto iter = make_prefetch_iter(std::make_unique<CountingReads>(counting_iter(8, 4, false, 0), reads), 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(reads, 0);
  iter->reset();
  EXPECT_EQ(run_epoch(*iter).pads.size(), 2u);
  EXPECT_EQ(reads, 3);  // two batches and the end
}

TEST(PrefetchIter, DestroysWhileTheProducerWaitsForRoom) {
  auto iter = make_prefetch_iter(counting_iter(1000, 1, false, 0), 2);
  DataBatch batch;
  ASSERT_TRUE(iter->next(batch));
  iter.reset();  // must join, not hang
}

TEST(SyntheticIter, ServesOneFixedRandomBatch) {
  auto iter = make_synthetic_iter(Shape{8, 3, 4, 4}, 10, 5, 123);
  EXPECT_EQ(iter->data_shape(), (Shape{8, 3, 4, 4}));
  EXPECT_EQ(iter->label_shape(), (Shape{8}));
  EXPECT_EQ(iter->num_examples(), 40);
  DataBatch first;
  ASSERT_TRUE(iter->next(first));
  const std::vector<float> data(first.data.f32(), first.data.f32() + first.data.size());
  const std::vector<float> labels(first.label.f32(), first.label.f32() + first.label.size());
  for (float v : data) {
    EXPECT_GE(v, -1.0f);
    EXPECT_LT(v, 1.0f);
  }
  EXPECT_NE(*std::min_element(data.begin(), data.end()), *std::max_element(data.begin(), data.end()));
  for (float l : labels) {
    EXPECT_EQ(l, std::floor(l));
    EXPECT_GE(l, 0.0f);
    EXPECT_LT(l, 10.0f);
  }
  for (int round = 0; round < 2; ++round) {
    const Epoch epoch = run_epoch(*iter);
    EXPECT_EQ(epoch.pads.size(), round == 0 ? 4u : 5u);  // the first batch was taken above
    for (size_t b = 0; b < epoch.pads.size(); ++b) {
      EXPECT_EQ(epoch.pads[b], 0);
      EXPECT_TRUE(
          std::equal(data.begin(), data.end(), epoch.data.begin() + static_cast<long>(b * data.size())));
      EXPECT_TRUE(std::equal(labels.begin(), labels.end(),
                             epoch.labels.begin() + static_cast<long>(b * labels.size())));
    }
    iter->reset();
  }
  EXPECT_EQ(run_epoch(*make_synthetic_iter(Shape{8, 3, 4, 4}, 10, 1, 123)).data,
            data);  // same seed, same batch
  EXPECT_THROW(make_synthetic_iter(Shape{8, 3}, 0, 1, 0), Error);
}

}  // namespace
}  // namespace fitbench
