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

struct MonitorStat {
  std::string name;             // "fc1_weight", "fc1_weight_grad", "fc1_output", ...
  double rms = 0.0;             // norm(x) / sqrt(size), MXNet's default stat
  double min = 0.0, max = 0.0;
  bool finite = true;
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

struct FinishInfo {
  bool completed = false;       // every epoch ran
  bool stopped = false;         // TrainingControl::stop()
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
  // One formatted log line (without the trailing newline).
  virtual void on_log(const std::string&) {}
  virtual void on_finish(const FinishInfo&) {}
};

class TrainingControl {
 public:
  void pause();
  void resume();
  void stop();               // ends the run after the current batch
  void request_save();       // a checkpoint at the end of this epoch, whatever --save-period says
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
