// How a host (the CLI, the Qt application, a test) watches and steers a
// training run. Observer calls come from the training thread with value
// snapshots; TrainingControl is thread-safe and is checked at batch boundaries.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fitbench/metric.h"

namespace fitbench {

struct RunInfo {
  std::string network;
  std::string run_dir;          // where config.json, log.txt, metrics.jsonl go
  int begin_epoch = 0;
  int num_epochs = 0;
  int64_t batches_per_epoch = 0;
  int batch_size = 0;
  std::vector<std::string> param_names;
};

struct BatchStats {
  int epoch = 0;
  int64_t batch = 0;            // 0-based batch index within the epoch
  int64_t batches_per_epoch = 0;
  int64_t num_update = 0;       // optimizer updates so far
  double learning_rate = 0.0;   // the rate this batch's update used
  double loss = 0.0;            // mean cross-entropy of this batch
  double samples_per_sec = 0.0; // recent throughput
  NameValues metrics;           // local values since the last Speedometer line
};

struct EpochStats {
  int epoch = 0;
  double time_cost = 0.0;
  double learning_rate = 0.0;
  NameValues train;
  NameValues validation;        // empty without validation data
};

// Histogram bins of every MonitorStat, and the bound on the weights a stat
// copies for the filter grid: the first kMonitorMaxFilters filters and, of each,
// the first kMonitorMaxChannels input channels (at most 64*16 kernels, e.g.
// 9216 floats for 3x3 kernels), so a snapshot stays small however wide the net.
inline constexpr int kMonitorHistogramBins = 32;
inline constexpr int64_t kMonitorMaxFilters = 64;
inline constexpr int64_t kMonitorMaxChannels = 16;

struct MonitorStat {
  std::string name;             // "fc1_weight", "fc1_weight_grad", "fc1_output", ...
  double rms = 0.0;             // norm(x) / sqrt(size), MXNet's default stat
  double min = 0.0, max = 0.0;  // over the finite values (0 when there are none)
  double sum = 0.0;             // of the finite values
  bool finite = true;           // no NaN or Inf
  // Learnable parameters only (negative for outputs, gradients, inputs and aux
  // states): norm(w_after - w_before) / norm(w_after) of this step's optimizer
  // update, w_after being the weight that `rms` describes; 0 when both are 0.
  double update_ratio = -1.0;
  // kMonitorHistogramBins counts of the finite values over [min, max] (equal
  // widths, the last bin closed); they sum to the number of finite values.
  std::vector<int64_t> histogram;
  // 4-D learnable parameters (convolution weights) only: a bounded copy of the
  // first filters, shape (filters, channels, kh, kw) row-major; empty otherwise.
  std::vector<int64_t> values_shape;
  std::vector<float> values;
};

struct MonitorSnapshot {
  int epoch = 0;
  int64_t step = 0;             // 1-based batch count, as MXNet's Monitor
  std::vector<MonitorStat> stats;
};

struct CheckpointInfo {
  int epoch = 0;                // the epoch number in the file names
  std::string params_path;
  std::string states_path;
};

// A batch whose loss or gradient was NaN or infinite (--on-nonfinite), with
// the first layer, in graph order, whose weight, output or gradient was.
struct NonFiniteEvent {
  int epoch = 0;
  int64_t batch = 0;            // 0-based within the epoch
  std::string quantity;         // what the per-batch check saw: "loss" or "gradient"
  std::string layer;            // empty when every layer's values were finite
  std::string kind;             // "weight", "output" or "gradient"
  std::string entry;            // "fc1_weight", "fc1_output", "fc1_weight_grad"
  std::string message;          // the sentence for logs and banners
};

struct FinishInfo {
  bool completed = false;       // every epoch ran
  bool stopped = false;         // TrainingControl::stop()
  // Set when the run ended over non-finite values (--on-nonfinite stop);
  // fitbench-cli then exits with code 3.
  std::optional<NonFiniteEvent> diverged;
  std::string error;            // non-empty when training failed
  int epochs_done = 0;
  NameValues last_validation;
};

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  virtual void on_start(const RunInfo&) {}
  virtual void on_batch_end(const BatchStats&) {}
  virtual void on_epoch_end(const EpochStats&) {}
  virtual void on_monitor(const MonitorSnapshot&) {}
  virtual void on_checkpoint(const CheckpointInfo&) {}
  // Before the run stops, skips or applies the batch, as --on-nonfinite says;
  // with FitOptions::pause_on_nonfinite the run is paused when this returns.
  virtual void on_nonfinite(const NonFiniteEvent&) {}
  // One formatted log line (without the trailing newline).
  virtual void on_log(const std::string&) {}
  virtual void on_finish(const FinishInfo&) {}
};

class TrainingControl {
 public:
  void pause();
  void resume();
  void stop();               // ends the run after the current batch
  // A checkpoint at the end of this epoch, whatever --save-period says. When a
  // stop ends the epoch first, the run saves a partial checkpoint as it stops
  // (partial_prefix() in checkpoint.h), so the request is never dropped.
  void request_save();
  // request_save() and stop() at once: the run ends at the next batch boundary
  // with its current weights and optimizer state on disk, as a partial
  // checkpoint (or as the epoch's own checkpoint after the epoch's last batch).
  void stop_and_save();
  void set_learning_rate(double lr);
  void extend_epochs(int extra);

  bool paused() const { return paused_; }
  bool stop_requested() const { return stop_; }

  // Called by the training loop between batches.
  // Blocks while paused (returns early on stop).
  void wait_while_paused();
  bool take_save_request() { return save_.exchange(false); }
  std::optional<double> take_learning_rate();
  int take_extra_epochs() { return extra_epochs_.exchange(0); }

 private:
  std::atomic<bool> paused_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> save_{false};
  std::atomic<int> extra_epochs_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<double> new_lr_;
};

}  // namespace fitbench
