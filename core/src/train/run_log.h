// The run directory and the log: every line goes to the observer, to
// log.txt, and (for the CLI) to stderr, formatted as MXNet's logging does:
// "2026-11-27 10:22:46,123 Node[0] Epoch[0] Batch [0-100]\tSpeed: ...".
//
// Nothing is written into the run directory before open(), which fit() calls
// once the data and the model are set up: a run that fails before that (a
// missing data file, a checkpoint that does not exist) leaves the directory,
// and an earlier run's files in it, as they were. Lines logged before open()
// reach the observer and stderr at once, and log.txt, in order, at open().
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fitbench/observer.h"
#include "fitbench/run_records.h"

namespace fitbench {

class TensorBoardLog;

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

class RunLog {
 public:
  // `tensorboard`: open() also starts the run's TensorBoard event file
  // (tensorboard_log.h), which every record and monitor sample goes to.
  RunLog(std::string run_dir, TrainingObserver* observer, bool to_stderr, int rank, bool tensorboard);
  ~RunLog();

  // Creates the directory, replaces its config.json atomically with `config`,
  // appends the lines logged so far to log.txt, and records the start of
  // training from `begin_epoch` up to `num_epochs`.
  void open(const nlohmann::json& config, int begin_epoch, int num_epochs);
  // How the run ended, once it is open: the error into log.txt, the end
  // record into metrics.jsonl. Before open() it writes nothing.
  void end(const FinishInfo& finish);
  // Thread-safe: the data's reading threads log their warnings.
  void info(const std::string& message);
  // The error that ended the run, as a line of log.txt only: the host (the
  // CLI's stderr, the application's dialog) reports it itself. Before open()
  // it writes nothing: a run that failed to start leaves no trace in the directory.
  void error_to_file(const std::string& message);
  // A line of metrics.jsonl; only after open().
  void record(const RunRecord& entry);
  // What --monitor sampled at update `step`, as TensorBoard histograms; only after open().
  void monitor(const MonitorSnapshot& snapshot, int64_t step);
  const std::string& dir() const { return dir_; }
  // The directory was made for this run (FitConfig::claim_run_directory()):
  // a run that ends before open() removes it again.
  void remove_unless_opened() { remove_unless_opened_ = true; }

 private:
  std::string dir_;
  TrainingObserver* observer_;
  bool to_stderr_;
  int rank_;
  bool tensorboard_;
  bool remove_unless_opened_ = false;
  std::mutex lines_mu_;  // guards early_lines_ and the writes to log_
  std::vector<std::string> early_lines_;  // logged before open()
  // Closed however the run ends, even when opening the second one throws.
  std::unique_ptr<std::FILE, FileCloser> log_;
  std::unique_ptr<RunRecordWriter> records_;
  std::unique_ptr<TensorBoardLog> tensorboard_log_;
};

}  // namespace fitbench
