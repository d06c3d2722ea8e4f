// The run directory and the log: every line goes to the observer, to
// log.txt, and (for the CLI) to stderr, formatted as MXNet's logging does:
// "2026-11-27 10:22:46,123 Node[0] Epoch[0] Batch [0-100]\tSpeed: ...".
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "fitbench/observer.h"

namespace fitbench {

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

class RunLog {
 public:
  RunLog(std::string run_dir, TrainingObserver* observer, bool to_stderr, int rank);

  void info(const std::string& message);
  // The error that ended the run, as a line of log.txt only: the host (the
  // CLI's stderr, the application's dialog) reports it itself.
  void error_to_file(const std::string& message);
  // One JSON object per line in metrics.jsonl.
  void record(const nlohmann::json& entry);
  // config.json, replaced atomically.
  void write_config(const nlohmann::json& config);
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  TrainingObserver* observer_;
  bool to_stderr_;
  int rank_;
  // Closed however the run ends, even when opening the second one throws.
  std::unique_ptr<std::FILE, FileCloser> log_;
  std::unique_ptr<std::FILE, FileCloser> metrics_;
};

// "runs/lenet-20261127-102246" style default directory names.
std::string default_run_dir(const std::string& network);

}  // namespace fitbench
