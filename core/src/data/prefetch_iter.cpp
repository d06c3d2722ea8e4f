// Runs an iterator on a background thread, so the next batches are ready
// while the current one trains (MXNet's PrefetchingIter).
//
// The producer fills a ring of `depth` batches it owns; each keeps its tensors
// from epoch to epoch, so the steady state allocates nothing. The ring slot at
// head_ belongs to the consumer while it copies out; the slot at
// (head_ + count_) belongs to the producer while the inner iterator fills it.
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "data/batch_tensors.h"
#include "fitbench/data_iter.h"

namespace fitbench {
namespace {

void copy_batch(const DataBatch& from, DataBatch& to) {
  reuse_or_allocate(to.data, from.data.shape(), from.data.dtype());
  reuse_or_allocate(to.label, from.label.shape(), from.label.dtype());
  to.data.copy_from(from.data);
  to.label.copy_from(from.label);
  to.pad = from.pad;
}

class PrefetchIter final : public DataIter {
 public:
  PrefetchIter(std::unique_ptr<DataIter> inner, int depth) : inner_(std::move(inner)) {
    FB_ASSERT(inner_ != nullptr);
    if (depth < 1) fail("the prefetch depth must be at least 1, not ", depth);
    // Cached, so these never call the inner iterator while the producer runs it.
    data_shape_ = inner_->data_shape();
    label_shape_ = inner_->label_shape();
    num_examples_ = inner_->num_examples();
    slots_.resize(static_cast<size_t>(depth));
    // The producer starts with the first epoch (reset() or next()): one
    // started here would read batches the trainer's reset() then drops, and
    // a short epoch would end, and report its skipped images, twice.
  }

  ~PrefetchIter() override { stop_producer(); }

  void reset() override {
    restart([&] { inner_->reset(); });
  }

  bool next(DataBatch& batch) override {
    if (!started_) start_producer();
    std::unique_lock lock(mu_);
    filled_.wait(lock, [&] { return count_ > 0 || finished_; });
    if (count_ == 0) {
      // Batches made before a failure are delivered first; then the failure.
      if (error_) std::rethrow_exception(error_);
      return false;
    }
    const DataBatch& slot = slots_[head_];
    lock.unlock();
    copy_batch(slot, batch);
    lock.lock();
    head_ = (head_ + 1) % slots_.size();
    --count_;
    lock.unlock();
    freed_.notify_one();
    return true;
  }

  Shape data_shape() const override { return data_shape_; }
  Shape label_shape() const override { return label_shape_; }
  int64_t num_examples() const override { return num_examples_; }

  // The inner iterator's state is only meaningful between epochs; the lock
  // merely keeps the producer out of it meanwhile.
  std::string save_state() const override {
    std::lock_guard lock(inner_mu_);
    return inner_->save_state();
  }

  void load_state(const std::string& state) override {
    restart([&] { inner_->load_state(state); });
  }

 private:
  // Stops the producer, drops the batches it made, lets `change` move the
  // inner iterator to a new epoch, and starts producing again. If `change`
  // throws, next() repeats its error instead of waiting for a producer.
  template <class Change>
  void restart(Change change) {
    stop_producer();
    head_ = 0;
    count_ = 0;
    try {
      change();
    } catch (...) {
      finished_ = true;
      started_ = true;  // next() repeats the error instead of starting a producer
      error_ = std::current_exception();
      throw;
    }
    finished_ = false;
    error_ = nullptr;
    start_producer();
  }

  void start_producer() {
    started_ = true;
    producer_ = std::thread([this] { produce(); });
  }

  void stop_producer() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    freed_.notify_all();
    if (producer_.joinable()) producer_.join();
    stop_ = false;
  }

  void produce() {
    try {
      for (;;) {
        size_t tail;
        {
          std::unique_lock lock(mu_);
          freed_.wait(lock, [&] { return count_ < slots_.size() || stop_; });
          if (stop_) return;
          tail = (head_ + count_) % slots_.size();
        }
        bool more;
        {
          std::lock_guard inner_lock(inner_mu_);
          more = inner_->next(slots_[tail]);
        }
        {
          std::lock_guard lock(mu_);
          if (more)
            ++count_;
          else
            finished_ = true;
        }
        filled_.notify_one();
        if (!more) return;
      }
    } catch (...) {
      {
        std::lock_guard lock(mu_);
        error_ = std::current_exception();
        finished_ = true;
      }
      filled_.notify_one();
    }
  }

  std::unique_ptr<DataIter> inner_;
  Shape data_shape_;
  Shape label_shape_;
  int64_t num_examples_ = 0;
  std::vector<DataBatch> slots_;
  std::thread producer_;
  bool started_ = false;  // a producer was started (by reset(), load_state() or next())
  mutable std::mutex inner_mu_;  // held while the inner iterator is in use

  std::mutex mu_;                   // guards the fields below
  std::condition_variable filled_;  // a batch became ready, or the epoch ended
  std::condition_variable freed_;   // a slot became free, or the producer must stop
  size_t head_ = 0;                 // the oldest ready batch
  size_t count_ = 0;                // ready batches
  bool finished_ = false;           // the producer has run out of batches or failed
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace

std::unique_ptr<DataIter> make_prefetch_iter(std::unique_ptr<DataIter> inner, int depth) {
  return std::make_unique<PrefetchIter>(std::move(inner), depth);
}

}  // namespace fitbench
