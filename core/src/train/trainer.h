// Trainer: one fit() run, in fit.py's order. run() reads as its steps
// (fit.cpp); the model's steps (set up, initialise, load, save) are in
// trainer_checkpoints.cpp, what a non-finite loss or gradient sets off in
// trainer_health.cpp, and the runs that train nothing (--summary, --test-io)
// in trainer_dry_runs.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "fitbench/executor_group.h"
#include "fitbench/fit.h"
#include "fitbench/fit_data.h"
#include "fitbench/kvstore.h"
#include "fitbench/memory_estimate.h"
#include "fitbench/metric.h"
#include "fitbench/ndarray_file.h"
#include "fitbench/optimizer.h"
#include "fitbench/symbol.h"
#include "fitbench/training_state.h"
#include "run_log.h"
#include "train/health.h"
#include "train/monitor.h"

namespace fitbench {

class Trainer {
 public:
  Trainer(const FitArgs& args, const FitOptions& options);
  FinishInfo run();
  // How the run ended, into its directory once it has one: the error into
  // log.txt, and the end record into metrics.jsonl.
  void record_end(const FinishInfo& finish) {
    if (log_) log_->end(finish);
  }

 private:
  // The Speedometer's and the epoch's clock.
  using Clock = std::chrono::steady_clock;
  static double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  }

  // What the memory check found (plan_memory).
  struct MemoryPlan {
    TrainingMemorySetup setup;
    MemoryCheck check;
  };

  // The steps of run(), in order.
  void check_arguments();
  std::string open_kvstore();  // returns this worker's run directory
  MemoryPlan plan_memory();
  void start_log(const std::string& run_dir);
  FinishInfo print_summary(const MemoryPlan& memory);
  FinishInfo test_io();
  void setup_model();
  void set_epoch_size();
  void initialize_params();
  std::optional<TrainingState> load_state();
  void init_optimizer(const std::optional<TrainingState>& state);
  void announce_start();
  FinishInfo train();

  // This worker's share of the training data (distributed kvstores).
  DataPartition data_partition() const;
  void restore(int begin_epoch);
  // The epoch's validation metrics (empty without validation data), or
  // nothing when a stop interrupted the epoch.
  std::optional<NameValues> train_epoch(int epoch);
  // One batch's forward, backward and update; false when the run must stop.
  bool train_batch(int epoch, int64_t nbatch, const DataBatch& batch);
  void report_batch(int epoch, int64_t nbatch, double recent_speed);
  EpochStats end_epoch(int epoch, double time_cost);
  NameValues validate();
  void apply_controls();

  // A checkpoint of `epoch` under --model-prefix, or, given the batches done,
  // a partial one of the epoch in progress under its partial_prefix().
  void save(int epoch, std::optional<int64_t> partial_batches = std::nullopt);
  void save_files(const std::string& prefix, int epoch, std::optional<int64_t> partial_batches);
  // A stop overtook a requested save: the epoch so far, as a partial checkpoint.
  void save_partial(int epoch, int64_t batches_done);
  // A partial checkpoint's resume: draws its first batches again, untrained,
  // so the rest come in the same order with the same augmentation.
  int64_t skip_trained_batches(int epoch);

  // The loss of the batch in the group's outputs, and whether it and the
  // gradients are finite; on a failure, what --on-nonfinite says decides
  // whether the batch's update is applied.
  bool batch_is_healthy(int epoch, int64_t nbatch, double loss);
  NonFiniteEvent diagnose(int epoch, int64_t nbatch, const std::string& quantity);
  std::string last_good_checkpoint() const;
  // pause_on_nonfinite: the weights, optimizer state and update count at the
  // start of the epoch in progress, which a resume after a pause goes back to.
  // Not the last update's: a rate that diverges has usually blown the weights
  // up, still finite, a few updates before any value overflows.
  void keep_rollback(int epoch);
  void roll_back();
  void log(const std::string& line) { log_->info(line); }

  const FitArgs& args_;  // as given: the log's Namespace line and config.json
  const FitConfig config_;
  const FitOptions& options_;
  std::unique_ptr<RunLog> log_;
  FitData data_;
  Symbol symbol_;
  std::optional<ClassifierChange> fine_tune_;  // set when --load-epoch fine-tunes a checkpoint's classifier
  std::vector<Device> devices_;                // from --gpus, checked by check_arguments()
  std::unique_ptr<ExecutorGroup> group_;
  std::unique_ptr<KVStore> kv_;
  std::unique_ptr<Optimizer> optimizer_;
  std::vector<ParamRef> params_;
  std::unique_ptr<EvalMetric> metric_;
  std::unique_ptr<EvalMetric> batch_loss_ = create_metric("ce");  // each batch's loss for the observer
  std::mt19937_64 init_rng_;
  int64_t epoch_size_ = 0;
  int begin_epoch_ = 0;
  int num_epochs_ = 0;
  bool save_requested_ = false;
  bool stopped_ = false;
  bool made_run_dir_ = false;  // a new runs/<network>-<time>, made by open_kvstore()
  Clock::duration paused_time_{};  // waited in apply_controls(), not yet taken off the Speedometer's clocks
  Monitor monitor_;
  NonFiniteDiagnosis diagnosis_;
  std::optional<NonFiniteEvent> diverged_;  // the event that stopped the run
  int64_t nonfinite_batches_ = 0;           // this epoch's, under skip-batch or continue
  int last_saved_epoch_ = -1;               // written or loaded by this run; -1: none
  // The training data's state before this epoch's reset(), as a checkpoint of
  // the previous epoch holds it: a partial checkpoint resumes from it.
  std::string epoch_data_state_;
  // Batches of the first epoch that the loaded partial checkpoint trained.
  int64_t resume_batches_ = 0;
  struct Rollback {
    Tensor params;
    std::vector<Tensor> states;
    int64_t num_update = -1;  // -1: nothing kept yet
    int epoch = 0;
  } rollback_;
};

}  // namespace fitbench
