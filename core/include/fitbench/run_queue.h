// The experiment queue: runs lined up to train one after another, kept in
// the workspace's queue.json so it outlives the program that runs it. The
// application and `fitbench-cli --queue FILE` read and run the same file;
// every change goes through edit_queue(), which holds a lock on the file
// while it loads, edits and saves, so two programs never lose each other's
// changes.
//
// An entry's run goes into <workspace>/<name> and saves its checkpoints under
// <that directory>/<network> unless its arguments name a --model-prefix. An
// entry left running by a program that ended (closed, killed, a restart) is
// interrupted: the next runner resumes it from its last saved epoch, or from
// the batch a stop saved.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fitbench/fit.h"
#include "fitbench/fit_args.h"

namespace fitbench {

enum class QueueState { Queued, Paused, Running, Done, Stopped, Failed, Cancelled };
const char* queue_state_name(QueueState state);  // "queued", "paused", ...

struct QueueEntry {
  std::string id;         // stable across edits: "1", "2", ...
  std::string name;       // the run directory's name in the workspace
  FitArgs args;           // as queued; queue_fit_args() adds where the files go
  QueueState state = QueueState::Queued;
  int runner_pid = 0;     // the process training it, while Running
  int attempts = 0;       // times it was started
  std::string message;    // why it failed or stopped
  bool operator==(const QueueEntry&) const = default;
};

class RunQueue {
 public:
  // The queue in `path`; empty when the file does not exist. Throws Error
  // naming the file when it is not a queue.
  static RunQueue load(const std::string& path);
  // Writes atomically (a crash leaves the old file or the new one).
  void save(const std::string& path) const;

  const std::vector<QueueEntry>& entries() const& { return entries_; }
  // Of a temporary (RunQueue::load(path).entries()), a copy that outlives it.
  std::vector<QueueEntry> entries() && { return std::move(entries_); }
  const QueueEntry* find(const std::string& id) const;

  // Appends an entry; its name is `name`, or `name`-2, -3, ... when the
  // queue or `workspace` already has a run of that name. Returns its id.
  std::string add(const std::string& name, const FitArgs& args, const std::string& workspace);
  // Moves the entry to position `index` (clamped to the end).
  void move(const std::string& id, size_t index);
  // Queued <-> Paused; a paused entry is passed over until it is resumed.
  void pause(const std::string& id);
  void resume(const std::string& id);
  // A queued or paused entry will not run. A running one is stopped by its
  // runner, not here: that is an Error.
  void cancel(const std::string& id);
  // Takes an entry out of the queue (its run's files stay). Not a running one.
  void remove(const std::string& id);
  // Done, stopped, failed or cancelled: queued again, at the same place. A
  // stopped or failed run resumes from its last saved epoch.
  void retry(const std::string& id);

  // The next entry to run: the first interrupted one (Running, its process
  // gone), else the first queued one; nullptr when none.
  QueueEntry* next_to_run();
  QueueEntry* find(const std::string& id);

 private:
  QueueEntry& at(const std::string& id);
  std::vector<QueueEntry> entries_;
  int next_id_ = 1;
};

// The queue file of `workspace`: <workspace>/queue.json.
std::string queue_path(const std::string& workspace);
// Loads the queue at `path` under an exclusive lock held against the other
// programs editing it, calls `edit`, and saves it if `edit` returns true.
void edit_queue(const std::string& path, const std::function<bool(RunQueue&)>& edit);

// Claims the next entry of the queue in `path` for this process (Running,
// this pid, one more attempt) and returns it as it was before the claim, so
// its attempts say whether it started before; nullopt when none is left.
std::optional<QueueEntry> claim_next_entry(const std::string& path);
// Records how the run of entry `id` ended: Done, Stopped, or Failed with the
// error or divergence as its message.
void finish_entry(const std::string& path, const std::string& id, const FinishInfo& finish);

// The arguments `entry` trains with in `workspace`: --run-dir
// <workspace>/<name>; --model-prefix <run dir>/<network> unless it names one;
// and once it has been started before, --load-epoch of the last epoch it
// saved (without --load-prefix), or of the newer partial checkpoint a stop
// saved (--load-prefix <prefix>-partial), so it continues instead of starting over.
// `gpus`, when given, replaces the entry's --gpus: the runner owns that GPU.
FitArgs queue_fit_args(const QueueEntry& entry, const std::string& workspace,
                       const std::optional<std::string>& gpus = std::nullopt);

struct QueueRun {
  int runs = 0;          // runs started
  bool stopped = false;  // a stop ended the queue (the stopped run stays Stopped)
};
// Runs the queue in `path` (its folder is the workspace) until no entry is
// left to run, or `options.control` stops the run in progress. Each run's
// error is kept in its entry, not thrown; an unreadable queue file throws.
// `before_run` (optional) is told each entry as it starts. Several runners
// (processes) may run one queue at once, each claiming the next entry: with
// `gpus` given, every run of this one trains on those GPUs, whatever its
// entry says (one runner per GPU trains one run per GPU in parallel).
QueueRun run_queue(const std::string& path, const FitOptions& options,
                   const std::function<void(const QueueEntry&)>& before_run = {},
                   const std::optional<std::string>& gpus = std::nullopt);

// A sweep: each argument takes each of its values, every combination a run.
struct SweepAxis {
  std::string argument;             // "lr"
  std::vector<std::string> values;  // "0.1", "0.05"
};
// "lr=0.1,0.05,0.01" (a list) or "batch-size=64:256:64" (start:stop:step,
// stop included). Throws ArgError naming the text when it is neither, the
// argument is unknown, or a value is not one it takes.
SweepAxis parse_sweep_axis(const std::string& text);
// Every combination, the first axis slowest, each named
// `base_name`-<argument><value>... ("lenet-lr0.1-batch-size64").
std::vector<std::pair<std::string, FitArgs>> expand_sweep(const std::string& base_name, const FitArgs& base,
                                                          const std::vector<SweepAxis>& axes);

}  // namespace fitbench
