#include "run_log.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "fitbench/file_util.h"
#include "train/tensorboard_log.h"

namespace fitbench {

namespace {

std::unique_ptr<std::FILE, FileCloser> open_append(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) fail("cannot write '", path, "': ", std::strerror(errno));
  return std::unique_ptr<std::FILE, FileCloser>(f);
}

// Python logging's asctime: "2026-11-27 10:22:46,123".
std::string asctime_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ",%03d", static_cast<int>(ms));
  return buf;
}

}  // namespace

RunLog::RunLog(std::string run_dir, TrainingObserver* observer, bool to_stderr, int rank, bool tensorboard)
    : dir_(std::move(run_dir)), observer_(observer), to_stderr_(to_stderr), rank_(rank), tensorboard_(tensorboard) {}

RunLog::~RunLog() {
  std::error_code ec;
  if (remove_unless_opened_ && !log_) std::filesystem::remove(dir_, ec);  // only while it is empty
}

void RunLog::open(const nlohmann::json& config, int begin_epoch, int num_epochs) {
  FB_ASSERT(!log_);
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) fail("cannot create the run directory '", dir_, "': ", ec.message());
  write_file_atomically(dir_ + "/config.json", config.dump(2) + "\n");
  auto log = open_append(dir_ + "/log.txt");
  records_ = std::make_unique<RunRecordWriter>(run_records_path(dir_));
  {
    std::lock_guard lock(lines_mu_);
    log_ = std::move(log);
    for (const std::string& line : early_lines_) std::fprintf(log_.get(), "%s\n", line.c_str());
    std::fflush(log_.get());
    early_lines_.clear();
  }
  const StartRecord start{unix_time_now(), begin_epoch, num_epochs};
  records_->write(start);
  if (tensorboard_) tensorboard_log_ = std::make_unique<TensorBoardLog>(dir_, config, start.time);
}

void RunLog::end(const FinishInfo& finish) {
  if (!log_) return;
  if (!finish.error.empty()) error_to_file(finish.error);
  EndRecord end{unix_time_now(), "finished", finish.epochs_done, finish.error};
  if (!finish.error.empty())
    end.status = "failed";
  else if (finish.diverged)
    end.status = "diverged", end.message = finish.diverged->message;
  else if (!finish.completed)
    end.status = "stopped";
  record(end);
}

void RunLog::info(const std::string& message) {
  const std::string line = asctime_now() + " Node[" + std::to_string(rank_) + "] " + message;
  std::lock_guard lock(lines_mu_);
  if (log_) {
    std::fprintf(log_.get(), "%s\n", line.c_str());
    std::fflush(log_.get());
  } else {
    early_lines_.push_back(line);
  }
  if (to_stderr_) std::fprintf(stderr, "%s\n", line.c_str());
  if (observer_) observer_->on_log(line);
}

void RunLog::error_to_file(const std::string& message) {
  std::lock_guard lock(lines_mu_);
  if (!log_) return;
  std::fprintf(log_.get(), "%s Node[%d] Error: %s\n", asctime_now().c_str(), rank_, message.c_str());
  std::fflush(log_.get());
}

void RunLog::record(const RunRecord& entry) {
  FB_ASSERT(records_);
  records_->write(entry);
  if (tensorboard_log_) tensorboard_log_->record(entry);
}

void RunLog::monitor(const MonitorSnapshot& snapshot, int64_t step) {
  if (tensorboard_log_) tensorboard_log_->histograms(snapshot, step);
}

}  // namespace fitbench
