// A workspace: a folder of run directories (by default runs/, where fit()
// puts them), each holding config.json, log.txt and metrics.jsonl, and the
// run.json a person's name, tags and note for it go into. RunWorkspace finds the
// runs, summarises each from its records, and keeps the summaries current by
// reading only what a run appended since (RunRecordReader), so a view can
// refresh one run when its folder changes instead of rereading them all.
//
// Nothing here writes a run's own files; run.json is written atomically, and
// remove() deletes only the files files_of() lists.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fitbench/fit_args.h"
#include "fitbench/fit_config.h"
#include "fitbench/run_records.h"

namespace fitbench {

// running: its process holds the records (run_is_live); interrupted: it
// started and its process ended without an end record (killed, crashed, the
// machine restarted). The others are the end record's status.
enum class RunStatus { Running, Finished, Stopped, Diverged, Failed, Interrupted };
const char* run_status_name(RunStatus status);  // "running", "finished", ...

// What a person says about a run, kept in its run.json.
struct RunNotes {
  std::string name;  // "" shows the directory's name
  std::vector<std::string> tags;
  std::string note;
  bool archived = false;
  bool operator==(const RunNotes&) const = default;
};

struct RunSummary {
  std::string dir;                       // the run directory, as found under the workspace
  std::string name;                      // notes.name, or the directory's name
  RunNotes notes;
  RunStatus status = RunStatus::Interrupted;
  std::string message;                   // why it failed or diverged
  FitArgs args;                          // its config.json
  FitConfig config;                      // those arguments resolved
  std::string network;
  int num_epochs = 0;                    // the epoch it trains up to
  int epochs_done = 0;                   // epochs with an end-of-epoch record
  std::optional<double> best_accuracy;   // best validation accuracy
  int best_epoch = -1;                   // its epoch, 0-based
  double last_loss = 0.0;                // NaN before the first batch
  double samples_per_sec = 0.0;          // mean over its batches; NaN before the first
  double wall_seconds = 0.0;             // summed over its parts, to now for a running one
  double started = 0.0;                  // Unix time of its first start; 0 when unknown
  std::string parent_dir;                // the run a branch or resume was loaded from; "" for none
  int parent_epoch = -1;                 // the epoch it loaded
  std::vector<std::string> record_errors;  // lines of metrics.jsonl that are not records
  std::string notes_error;                 // why run.json cannot be read; "" when it can
};

// The arguments whose value differs from fitbench-cli's defaults, in schema
// order, leaving out where the run's files go (--run-dir, --model-prefix).
std::vector<std::string> changed_arguments(const FitArgs& args);
// The arguments whose value is not the same in every one of `runs`, in
// schema order, leaving out the same ones.
std::vector<std::string> differing_arguments(const std::vector<const RunSummary*>& runs);

// What deleting `run` removes: its directory's files, and the checkpoints
// saved under its --model-prefix (with their partial and .states files)
// unless another of `runs` saves under that prefix too.
std::vector<std::string> run_files(const RunSummary& run, const std::vector<const RunSummary*>& runs);

// `text` as one CSV field: quoted (quotes doubled) when it holds a comma, a
// quote or a line break, as is otherwise.
std::string csv_field(const std::string& text);

// The curves of `runs` in one CSV table, long format, one row per value:
//   run,dir,kind,epoch,batch,num_update,metric,value
// kind "batch" (metrics lr, loss, samples_per_sec) or "epoch" (train-<name>,
// validation-<name>, time_cost). Throws Error naming a file it cannot read.
std::string curves_csv(const std::vector<const RunSummary*>& runs);

// run.json of `run_dir`; empty notes when there is none. Throws Error naming
// the file when it is not valid.
RunNotes read_run_notes(const std::string& run_dir);
void write_run_notes(const std::string& run_dir, const RunNotes& notes);

class RunWorkspace {
 public:
  explicit RunWorkspace(std::string root);
  ~RunWorkspace();
  RunWorkspace(RunWorkspace&&) noexcept;
  RunWorkspace& operator=(RunWorkspace&&) noexcept;

  const std::string& root() const { return root_; }

  // Looks for run directories added or removed since the last scan (a
  // folder of the root holding config.json) and reads the new ones whole.
  // Returns the directories added, changed or removed. A root that does not
  // exist holds no runs.
  std::vector<std::string> scan();
  // Reads what `dir` appended since the last read, and its notes; returns
  // whether its summary changed. A directory that is gone is dropped.
  bool refresh(const std::string& dir);
  // The status of every running run again (its process may have died, which
  // changes no file): the directories whose status changed.
  std::vector<std::string> refresh_status();

  // The runs, in the order of their directories' names.
  std::vector<const RunSummary*> runs() const;
  const RunSummary* find(const std::string& dir) const;

  void set_notes(const std::string& dir, const RunNotes& notes);
  // run_files() of the run in `dir`, among this workspace's runs.
  std::vector<std::string> files_of(const std::string& dir) const;
  // Deletes files_of(dir). Refuses a running run.
  void remove(const std::string& dir);

 private:
  struct Tracked;
  void link_parents();
  std::string root_;
  std::map<std::string, std::unique_ptr<Tracked>> runs_;  // by directory
};

}  // namespace fitbench
