#include "fitbench/run_workspace.h"

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "fitbench/checkpoint.h"
#include "fitbench/fit.h"
#include "fitbench/file_util.h"

namespace fitbench {

namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Where a run's files go: different for every run, so never a difference worth showing.
bool is_location(const std::string& argument) { return argument == "run-dir" || argument == "model-prefix"; }

std::string notes_path(const std::string& run_dir) { return run_dir + "/run.json"; }

std::string normal(const std::string& path) {
  return path.empty() ? path : fs::absolute(fs::path(path)).lexically_normal().string();
}

RunStatus status_named(const std::string& status) {
  if (status == "finished") return RunStatus::Finished;
  if (status == "stopped") return RunStatus::Stopped;
  if (status == "diverged") return RunStatus::Diverged;
  return RunStatus::Failed;
}

}  // namespace

const char* run_status_name(RunStatus status) {
  switch (status) {
    case RunStatus::Running: return "running";
    case RunStatus::Finished: return "finished";
    case RunStatus::Stopped: return "stopped";
    case RunStatus::Diverged: return "diverged";
    case RunStatus::Failed: return "failed";
    case RunStatus::Interrupted: return "interrupted";
  }
  return "interrupted";
}

std::vector<std::string> changed_arguments(const FitArgs& args) {
  static const FitArgs defaults = train_mnist_defaults();
  std::vector<std::string> changed;
  for (const ArgSpec& spec : fit_arg_schema())
    if (!is_location(spec.name) && args.raw(spec.name) != defaults.raw(spec.name)) changed.push_back(spec.name);
  return changed;
}

std::vector<std::string> differing_arguments(const std::vector<const RunSummary*>& runs) {
  std::vector<std::string> differing;
  if (runs.empty()) return differing;
  for (const ArgSpec& spec : fit_arg_schema()) {
    if (is_location(spec.name)) continue;
    const auto first = runs.front()->args.raw(spec.name);
    for (const RunSummary* run : runs)
      if (run->args.raw(spec.name) != first) {
        differing.push_back(spec.name);
        break;
      }
  }
  return differing;
}

std::vector<std::string> run_files(const RunSummary& run, const std::vector<const RunSummary*>& runs) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(run.dir, ec))
    if (entry.is_regular_file(ec)) files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  const std::string& prefix = run.config.model_prefix;
  if (prefix.empty()) return files;
  for (const RunSummary* other : runs)
    if (other->dir != run.dir && !other->config.model_prefix.empty() &&
        normal(other->config.model_prefix) == normal(prefix))
      return files;  // the checkpoints are shared: they stay
  const fs::path base(prefix);
  const fs::path folder = base.parent_path().empty() ? fs::path(".") : base.parent_path();
  const std::string stem = base.filename().string() + "-";
  const std::string inside = normal(run.dir) + "/";
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    const bool checkpoint = name.ends_with(".params") || name.ends_with(".states") || name.ends_with("-symbol.json");
    if (name.starts_with(stem) && checkpoint && entry.is_regular_file(ec) &&
        !normal(entry.path().string()).starts_with(inside))
      files.push_back(entry.path().string());
  }
  return files;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

namespace {

std::string csv_number(double value) {
  if (!std::isfinite(value)) return std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

}  // namespace

std::string curves_csv(const std::vector<const RunSummary*>& runs) {
  std::string csv = "run,dir,kind,epoch,batch,num_update,metric,value\n";
  for (const RunSummary* run : runs) {
    const std::string head = csv_field(run->name) + "," + csv_field(run->dir) + ",";
    const auto row = [&](const char* kind, int epoch, const std::string& batch, int64_t num_update,
                         const std::string& metric, double value) {
      csv += head + kind + "," + std::to_string(epoch) + "," + batch + "," + std::to_string(num_update) + "," +
             csv_field(metric) + "," + csv_number(value) + "\n";
    };
    for (const RunRecord& record : read_run_records(run_records_path(run->dir)).records) {
      if (const auto* b = std::get_if<BatchRecord>(&record)) {
        const std::string batch = std::to_string(b->batch);
        row("batch", b->epoch, batch, b->num_update, "lr", b->learning_rate);
        row("batch", b->epoch, batch, b->num_update, "loss", b->loss);
        row("batch", b->epoch, batch, b->num_update, "samples_per_sec", b->samples_per_sec);
      } else if (const auto* e = std::get_if<EpochRecord>(&record)) {
        for (const auto& [name, value] : e->train) row("epoch", e->epoch, "", e->num_update, "train-" + name, value);
        for (const auto& [name, value] : e->validation)
          row("epoch", e->epoch, "", e->num_update, "validation-" + name, value);
        row("epoch", e->epoch, "", e->num_update, "time_cost", e->time_cost);
      }
    }
  }
  return csv;
}

RunNotes read_run_notes(const std::string& run_dir) {
  const std::string path = notes_path(run_dir);
  RunNotes notes;
  if (!fs::exists(path)) return notes;
  const nlohmann::json j = nlohmann::json::parse(read_file(path), nullptr, false);
  if (!j.is_object()) fail("'", path, "' is not a JSON object: fix it or delete it to clear the run's notes");
  try {
    notes.name = j.value("name", "");
    notes.tags = j.value("tags", std::vector<std::string>{});
    notes.note = j.value("note", "");
    notes.archived = j.value("archived", false);
  } catch (const nlohmann::json::exception&) {
    fail("'", path, "' holds a value of the wrong type (name and note are text, tags a list of text, archived "
         "true or false): fix it or delete it");
  }
  return notes;
}

void write_run_notes(const std::string& run_dir, const RunNotes& notes) {
  const nlohmann::ordered_json j = {
      {"name", notes.name}, {"tags", notes.tags}, {"note", notes.note}, {"archived", notes.archived}};
  write_file_atomically(notes_path(run_dir), j.dump(2) + "\n");
}

// One run as its records are read, part by part (a start and its end).
struct RunWorkspace::Tracked {
  explicit Tracked(const std::string& dir) : reader(run_records_path(dir)) { summary.dir = dir; }

  RunRecordReader reader;
  RunSummary summary;
  // By epoch: its validation accuracy (NaN without one). A start at epoch B
  // trains the epochs from B again: their earlier records no longer count.
  std::map<int, double> epochs;
  double rate_sum = 0.0;
  int64_t rate_count = 0;
  double closed_seconds = 0.0;  // of the parts that ended
  double epoch_seconds = 0.0;   // time_cost summed: the wall time of runs older than start records
  std::optional<double> open_part_start;
  std::optional<std::string> end_status;
  bool has_start = false;
  bool config_changed = false;  // by the last read()

  void fold(const RunRecord& record) {
    RunSummary& s = summary;
    if (const auto* batch = std::get_if<BatchRecord>(&record)) {
      s.last_loss = batch->loss;
      if (std::isfinite(batch->samples_per_sec)) rate_sum += batch->samples_per_sec, ++rate_count;
    } else if (const auto* epoch = std::get_if<EpochRecord>(&record)) {
      double accuracy = kNaN;
      for (const auto& [name, value] : epoch->validation)
        if (name == "accuracy") accuracy = value;
      epochs[epoch->epoch] = accuracy;
      if (std::isfinite(epoch->time_cost)) epoch_seconds += epoch->time_cost;
      find_best();
    } else if (const auto* start = std::get_if<StartRecord>(&record)) {
      epochs.erase(epochs.lower_bound(start->begin_epoch), epochs.end());
      find_best();
      if (!has_start) s.started = start->time;
      has_start = true;
      open_part_start = start->time;
      end_status.reset();
      s.message.clear();
      s.num_epochs = start->num_epochs;
    } else if (const auto* end = std::get_if<EndRecord>(&record)) {
      if (open_part_start) closed_seconds += end->time - *open_part_start;
      open_part_start.reset();
      end_status = end->status;
      s.message = end->message;
    }
  }

  void find_best() {
    summary.best_accuracy.reset();
    summary.best_epoch = -1;
    for (const auto& [epoch, accuracy] : epochs)
      if (std::isfinite(accuracy) && (!summary.best_accuracy || accuracy > *summary.best_accuracy))
        summary.best_accuracy = accuracy, summary.best_epoch = epoch;
  }

  // config.json: read when the run is found, and again after each start
  // record (a run started again in the directory rewrote it first).
  void read_config() {
    RunSummary& s = summary;
    try {
      s.args = FitArgs::from_json(nlohmann::json::parse(read_file(s.dir + "/config.json")));
      s.config = FitConfig::resolve(s.args);
    } catch (const std::exception& e) {
      s.record_errors.push_back(s.dir + "/config.json: " + e.what());
    }
    s.network = s.config.network;
    s.num_epochs = s.config.num_epochs;
  }

  void update_derived() {
    RunSummary& s = summary;
    s.epochs_done = static_cast<int>(epochs.size());
    s.samples_per_sec = rate_count > 0 ? rate_sum / static_cast<double>(rate_count) : kNaN;
    const bool live = run_is_live(s.dir);
    if (live)
      s.status = RunStatus::Running;
    else if (end_status)
      s.status = status_named(*end_status);
    else if (has_start)
      s.status = RunStatus::Interrupted;
    else  // written before runs recorded their start and end
      s.status = s.epochs_done >= s.num_epochs - s.config.begin_epoch() ? RunStatus::Finished : RunStatus::Interrupted;
    s.wall_seconds = has_start ? closed_seconds + (live && open_part_start ? unix_time_now() - *open_part_start : 0.0)
                               : epoch_seconds;
  }

  // Reads what was appended, and the notes; whether anything shown changed.
  bool read() {
    const RunSummary before = summary;
    RunRecordReader::Result added;
    try {
      added = reader.read();
    } catch (const Error& e) {
      added.errors.push_back(e.what());
    }
    config_changed = false;
    for (const RunRecord& record : added.records) {
      if (std::holds_alternative<StartRecord>(record) && has_start) {
        read_config();
        config_changed = true;
      }
      fold(record);
    }
    for (std::string& error : added.errors) summary.record_errors.push_back(std::move(error));
    try {
      summary.notes = read_run_notes(summary.dir);
      summary.notes_error.clear();
    } catch (const Error& e) {
      summary.notes_error = e.what();
    }
    summary.name = summary.notes.name.empty() ? fs::path(summary.dir).filename().string() : summary.notes.name;
    update_derived();
    return !added.records.empty() || !added.errors.empty() || before.status != summary.status ||
           before.notes != summary.notes || before.notes_error != summary.notes_error ||
           before.wall_seconds != summary.wall_seconds;
  }
};

RunWorkspace::RunWorkspace(std::string root) : root_(std::move(root)) {}
RunWorkspace::~RunWorkspace() = default;
RunWorkspace::RunWorkspace(RunWorkspace&&) noexcept = default;
RunWorkspace& RunWorkspace::operator=(RunWorkspace&&) noexcept = default;

std::vector<std::string> RunWorkspace::scan() {
  std::set<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec))
    if (entry.is_directory(ec) && fs::exists(entry.path() / "config.json", ec)) found.insert(entry.path().string());
  std::vector<std::string> changed;
  for (auto it = runs_.begin(); it != runs_.end();) {
    if (found.count(it->first)) {
      ++it;
      continue;
    }
    changed.push_back(it->first);
    it = runs_.erase(it);
  }
  for (const std::string& dir : found) {
    if (runs_.count(dir)) continue;
    auto run = std::make_unique<Tracked>(dir);
    run->read_config();
    run->read();
    runs_.emplace(dir, std::move(run));
    changed.push_back(dir);
  }
  if (!changed.empty()) link_parents();
  return changed;
}

bool RunWorkspace::refresh(const std::string& dir) {
  const auto it = runs_.find(dir);
  if (it == runs_.end()) return false;
  std::error_code ec;
  if (!fs::exists(dir + "/config.json", ec)) {
    runs_.erase(it);
    link_parents();
    return true;
  }
  const bool changed = it->second->read();
  if (it->second->config_changed) link_parents();
  return changed;
}

std::vector<std::string> RunWorkspace::refresh_status() {
  std::vector<std::string> changed;
  for (auto& [dir, run] : runs_) {
    // Any other change of status comes with new records, which refresh() reads.
    if (run->summary.status != RunStatus::Running) continue;
    const RunStatus before = run->summary.status;
    run->update_derived();
    if (run->summary.status != before) changed.push_back(dir);
  }
  return changed;
}

// A run loaded with --load-epoch from the prefix another run of the workspace
// saves under is that run's branch (or its resume into a new directory); the
// latest such run that started before it is the parent.
void RunWorkspace::link_parents() {
  std::multimap<std::string, const RunSummary*> by_prefix;
  for (const auto& [dir, run] : runs_)
    if (!run->summary.config.model_prefix.empty())
      by_prefix.emplace(normal(run->summary.config.model_prefix), &run->summary);
  for (auto& [dir, run] : runs_) {
    RunSummary& s = run->summary;
    s.parent_dir.clear();
    s.parent_epoch = -1;
    if (!s.config.load_epoch) continue;
    const std::string& source = s.config.load_prefix.empty() ? s.config.model_prefix : s.config.load_prefix;
    const std::string plain = prefix_of_partial(source).empty() ? source : prefix_of_partial(source);
    const RunSummary* parent = nullptr;
    const auto [begin, end] = by_prefix.equal_range(normal(plain));
    for (auto it = begin; it != end; ++it) {
      const RunSummary* candidate = it->second;
      if (candidate->dir == s.dir || (s.started > 0.0 && candidate->started > s.started)) continue;
      if (!parent || candidate->started > parent->started) parent = candidate;
    }
    if (!parent) continue;
    s.parent_dir = parent->dir;
    s.parent_epoch = *s.config.load_epoch;
  }
}

std::vector<const RunSummary*> RunWorkspace::runs() const {
  std::vector<const RunSummary*> all;
  for (const auto& [dir, run] : runs_) all.push_back(&run->summary);
  return all;
}

const RunSummary* RunWorkspace::find(const std::string& dir) const {
  const auto it = runs_.find(dir);
  return it == runs_.end() ? nullptr : &it->second->summary;
}

void RunWorkspace::set_notes(const std::string& dir, const RunNotes& notes) {
  FB_ASSERT(runs_.count(dir));
  write_run_notes(dir, notes);
  refresh(dir);
}

std::vector<std::string> RunWorkspace::files_of(const std::string& dir) const {
  const RunSummary* run = find(dir);
  FB_ASSERT(run);
  return run_files(*run, runs());
}

void RunWorkspace::remove(const std::string& dir) {
  const RunSummary* run = find(dir);
  FB_ASSERT(run);
  if (run_is_live(dir)) fail("'", dir, "' is training now: stop it before deleting it");
  for (const std::string& file : files_of(dir)) {
    std::error_code ec;
    fs::remove(file, ec);
    if (ec) fail("cannot delete '", file, "': ", ec.message());
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) fail("cannot delete '", dir, "': ", ec.message());
  runs_.erase(dir);
  link_parents();
}

}  // namespace fitbench
