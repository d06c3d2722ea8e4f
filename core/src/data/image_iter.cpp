// The image iterator behind the RecordIO, CIFAR-10 and image folder sources:
// NDArrayIter's epoch semantics (shuffle per epoch, last batch padded by
// wrapping to the epoch's start) with each batch decoded and augmented on a
// pool of threads. An image that is corrupt or larger than --max-image-pixels
// is skipped with one warning, and the number skipped is reported when the
// epoch ends. Decoded images are kept for later epochs while the run's
// DecodedImageBudget lasts; augmentation still runs on every read, drawing
// the same numbers, so a kept image gives the batch a fresh decode would.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <functional>
#include <iostream>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "data/batch_tensors.h"
#include "data/epoch_order.h"
#include "data/image_source.h"

namespace fitbench {
namespace {

constexpr const char* kStateTag = "image_iter/1";

// Runs task(0..n-1) on `threads` threads, the caller being one of them.
class WorkerPool {
 public:
  explicit WorkerPool(int threads) {
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { serve(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mu_);
      quit_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }

  // Returns when every task has run; rethrows the first exception one threw.
  void run(int n, const std::function<void(int)>& task) {
    {
      std::lock_guard lock(mu_);
      task_ = &task;
      count_ = n;
      next_ = 0;
      busy_ = static_cast<int>(workers_.size());
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    work();
    std::unique_lock lock(mu_);
    done_.wait(lock, [&] { return busy_ == 0; });
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void work() {
    for (int i; (i = next_.fetch_add(1)) < count_;) {
      try {
        (*task_)(i);
      } catch (...) {
        std::lock_guard lock(mu_);
        if (!error_) error_ = std::current_exception();
      }
    }
  }

  void serve() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [&] { return quit_ || generation_ != seen; });
        if (quit_) return;
        seen = generation_;
      }
      work();
      std::lock_guard lock(mu_);
      if (--busy_ == 0) done_.notify_all();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* task_ = nullptr;
  int count_ = 0;
  std::atomic<int> next_{0};
  int busy_ = 0;
  uint64_t generation_ = 0;
  bool quit_ = false;
  std::exception_ptr error_;
};

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

class ImageIter final : public DataIter {
 public:
  ImageIter(std::shared_ptr<const ImageSource> source, const ImageIterOptions& o)
      : source_(std::move(source)), o_(o), pool_(o.threads), rng_(o.seed) {
    if (o_.batch_size < 1) fail("the batch size must be at least 1, not ", o_.batch_size);
    if (o_.threads < 1) fail("--data-nthreads must be at least 1, not ", o_.threads);
    if (o_.num_parts < 1 || o_.part_index < 0 || o_.part_index >= o_.num_parts)
      fail("data part ", o_.part_index, " of ", o_.num_parts, " does not exist");
    const int64_t n = source_->size();
    const int64_t begin = n * o_.part_index / o_.num_parts;
    int64_t end = n * (o_.part_index + 1) / o_.num_parts;
    if (o_.max_examples > 0) end = std::min(end, begin + o_.max_examples);
    if (end <= begin) fail(source_->name(), ": no samples to read (part ", o_.part_index, " of ", o_.num_parts, ")");
    order_.resize(static_cast<size_t>(end - begin));
    first_ = begin;
    bad_.assign(static_cast<size_t>(end - begin), 0);
    sample_size_ = size_t(o_.augment.channels) * size_t(o_.augment.height) * size_t(o_.augment.width);
    if (o_.decoded_cache && source_->decodes()) {
      const int64_t slots_bytes = (end - begin) * static_cast<int64_t>(sizeof(Decoded));
      if (o_.decoded_cache->take(slots_bytes)) {
        kept_bytes_ = slots_bytes;
        decoded_.resize(static_cast<size_t>(end - begin));
        keeping_ = true;
      }
    }
    start_epoch();
  }

  ~ImageIter() override {
    if (kept_bytes_ > 0) o_.decoded_cache->give_back(kept_bytes_);
  }

  void reset() override { start_epoch(); }

  bool next(DataBatch& batch) override {
    const int64_t count = static_cast<int64_t>(order_.size());
    if (pos_ >= count) {
      report_skipped();
      return false;
    }
    reuse_or_allocate(batch.data, data_shape(), DType::Float32);
    reuse_or_allocate(batch.label, label_shape(), DType::Float32);
    float* data = batch.data.data<float>();
    float* labels = batch.label.data<float>();
    const int b = o_.batch_size;
    int filled = 0, pad = 0;
    std::vector<int64_t> positions;
    std::vector<std::string> errors;
    while (filled < b) {
      positions.clear();
      int64_t known_bad_run = 0;
      while (static_cast<int>(positions.size()) < b - filled) {
        const size_t sample = offset_at(pos_);
        if (bad_[sample]) {
          if (pos_ < count) ++skipped_;
          if (++known_bad_run >= count) fail(source_->name(), ": none of its images can be decoded");
          ++pos_;
          continue;
        }
        known_bad_run = 0;
        positions.push_back(pos_++);
      }
      errors.assign(positions.size(), {});
      if (keeping_) fresh_.assign(positions.size(), {});
      pool_.run(static_cast<int>(positions.size()), [&](int j) {
        const int64_t p = positions[size_t(j)];
        const size_t offset = offset_at(p);
        const Image* img = nullptr;
        Image loaded;
        float label = 0;
        if (!decoded_.empty() && decoded_[offset].image.height > 0) {
          img = &decoded_[offset].image;
          label = decoded_[offset].label;
        } else {
          const int64_t sample = first_ + static_cast<int64_t>(offset);
          try {
            loaded = source_->load(sample, o_.augment.channels, o_.max_image_pixels, label);
          } catch (const ImageDecodeError& e) {
            errors[size_t(j)] = e.what();
            return;
          }
          check_label(label, sample);
          img = &loaded;
        }
        std::mt19937_64 rng(splitmix64(epoch_seed_ ^ splitmix64(static_cast<uint64_t>(p))));
        augment_image(*img, o_.augment, rng, data + size_t(filled + j) * sample_size_);
        labels[filled + j] = label;
        if (keeping_ && img == &loaded) fresh_[size_t(j)] = {std::move(loaded), label};
      });
      if (keeping_) keep_decoded(positions);
      // Keep the rows that decoded, in order, and note the rest.
      size_t write = static_cast<size_t>(filled);
      for (size_t j = 0; j < positions.size(); ++j) {
        const int64_t p = positions[j];
        if (!errors[j].empty()) {
          bad_[offset_at(p)] = 1;
          if (p < count) ++skipped_;
          warn("skipping an unreadable image: " + errors[j]);
          continue;
        }
        const size_t read = static_cast<size_t>(filled) + j;
        if (write != read) {
          std::memmove(data + write * sample_size_, data + read * sample_size_, sample_size_ * sizeof(float));
          labels[write] = labels[read];
        }
        ++write;
        if (p >= count) ++pad;
      }
      filled = static_cast<int>(write);
    }
    batch.pad = pad;
    return true;
  }

  Shape data_shape() const override {
    return Shape({o_.batch_size, o_.augment.channels, o_.augment.height, o_.augment.width});
  }
  Shape label_shape() const override { return Shape({o_.batch_size}); }
  int64_t num_examples() const override { return static_cast<int64_t>(order_.size()); }

  std::string save_state() const override { return rng_state(kStateTag, epoch_rng_); }

  void load_state(const std::string& state) override {
    rng_ = parse_rng_state(state, kStateTag, "of " + source_->name());
    start_epoch();
  }

 private:
  void start_epoch() {
    epoch_rng_ = rng_;
    pos_ = 0;
    skipped_ = 0;
    reported_ = false;
    std::iota(order_.begin(), order_.end(), int64_t{0});
    if (o_.shuffle) shuffle_portably(order_, rng_);
    epoch_seed_ = rng_();
  }

  // The sample at epoch position p, as an offset from first_; positions past
  // the epoch's end wrap to its start (the last batch's padding).
  size_t offset_at(int64_t p) const {
    return static_cast<size_t>(order_[static_cast<size_t>(p % static_cast<int64_t>(order_.size()))]);
  }

  // Moves this batch's newly decoded images into decoded_ while the budget
  // lasts; once it is spent, later images are decoded on every read.
  void keep_decoded(const std::vector<int64_t>& positions) {
    for (size_t j = 0; j < positions.size() && keeping_; ++j) {
      Decoded& fresh = fresh_[j];
      Decoded& slot = decoded_[offset_at(positions[j])];
      // Unread (a skipped image), or the same sample twice in a batch smaller than the data.
      if (fresh.image.height == 0 || slot.image.height > 0) continue;
      const int64_t bytes = static_cast<int64_t>(fresh.image.pixels.capacity());
      if (!o_.decoded_cache->take(bytes)) {
        keeping_ = false;
        break;
      }
      kept_bytes_ += bytes;
      slot = std::move(fresh);
      if (++kept_count_ == decoded_.size()) keeping_ = false;
    }
    fresh_.clear();
  }

  void check_label(float label, int64_t sample) const {
    if (o_.num_classes > 0 && !(label >= 0 && label < float(o_.num_classes) && label == std::floor(label)))
      fail(source_->describe(sample), ": label ", label, " is out of range for --num-classes ", o_.num_classes,
           " (labels must be 0 .. ", o_.num_classes - 1, ")");
  }

  void report_skipped() {
    if (reported_ || skipped_ == 0) return;
    reported_ = true;
    warn(std::to_string(skipped_) + " unreadable image(s) skipped in this epoch of " +
         (o_.role.empty() ? "" : o_.role + " ") + source_->name());
  }

  void warn(const std::string& message) const {
    if (o_.warn)
      o_.warn(message);
    else
      std::cerr << "WARNING: " << message << std::endl;
  }

  std::shared_ptr<const ImageSource> source_;
  ImageIterOptions o_;
  WorkerPool pool_;
  std::mt19937_64 rng_, epoch_rng_;
  uint64_t epoch_seed_ = 0;
  std::vector<int64_t> order_;  // sample offsets from first_, in this epoch's order
  int64_t first_ = 0;
  std::vector<char> bad_;  // by offset from first_: found corrupt, skipped from now on
  // By offset from first_: the decoded image and its label, kept for later
  // epochs; height 0 where none is kept. Empty when nothing is kept.
  struct Decoded {
    Image image;
    float label = 0;
  };
  std::vector<Decoded> decoded_;
  std::vector<Decoded> fresh_;  // by batch row: images decoded in this batch
  bool keeping_ = false;        // new images are kept: the budget lasts and some are not kept yet
  size_t kept_count_ = 0;       // images in decoded_
  int64_t kept_bytes_ = 0;      // taken from o_.decoded_cache
  size_t sample_size_ = 0;
  int64_t pos_ = 0;        // next position in the epoch; positions >= order_.size() are padding
  int64_t skipped_ = 0;
  bool reported_ = false;
};

}  // namespace

std::unique_ptr<DataIter> make_image_iter(std::shared_ptr<const ImageSource> source, const ImageIterOptions& options) {
  return std::make_unique<ImageIter>(std::move(source), options);
}

}  // namespace fitbench
