// Monitor: MXNet's mx.monitor.Monitor as fit() uses it (--monitor N). Every
// N batches it collects statistics of the first executor's layer outputs as
// forward produces them, then, after the update, of the arguments, auxiliary
// states and gradients; it logs MXNet's "Batch: ..." lines and hands the
// snapshot to the observer's parameter monitor view.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "fitbench/executor_group.h"
#include "fitbench/observer.h"
#include "fitbench/optimizer.h"
#include "fitbench/symbol.h"

namespace fitbench {

class Monitor {
 public:
  // `interval` 0 collects only batches asked for with collect().
  explicit Monitor(int interval) : interval_(interval) {}

  // Monitor.tic at a batch's start: collects this batch when it is due.
  void tic(int epoch);
  // Collects the current batch whatever the interval says (a batch whose
  // values went non-finite is shown in the view).
  void collect(int epoch);
  // Whether forward's outputs are being recorded; a replayed forward pass
  // (the non-finite diagnosis) turns it off so it records nothing twice.
  bool collecting() const { return collecting_; }
  void set_collecting(bool on) { collecting_ = on; }

  // A layer output, from the executor's monitor callback.
  void observe(const std::string& name, const Tensor& value);
  // Copies the weights before the update, for the update/weight ratio: on
  // collected batches only, so training without --monitor pays nothing.
  void before_update(const std::vector<ParamRef>& params);
  // Monitor.toc_print after the update: the arguments and aux states of
  // `group`, one log line each after the outputs', then the gradients (not
  // in MXNet's log, but the view wants them), and the snapshot to `observer`.
  // Returns that snapshot, or nullptr when this batch was not sampled.
  const MonitorSnapshot* toc(const Symbol& symbol, ExecutorGroup& group,
                             const std::function<void(const std::string&)>& log, TrainingObserver* observer);

 private:
  MonitorStat& add(const std::string& name, const Tensor& value);

  int interval_;
  int64_t step_ = 0;
  bool collecting_ = false;
  MonitorSnapshot snapshot_;
  std::vector<std::pair<std::string, std::string>> lines_;  // (name, value) for the log
  std::vector<Tensor> weights_before_;                      // the params before this step's update
};

// `t` readable on the host: itself on the CPU, else a copy.
Tensor on_host(const Tensor& t);

}  // namespace fitbench
