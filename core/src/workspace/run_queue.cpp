#include "fitbench/run_queue.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "fitbench/checkpoint.h"
#include "fitbench/file_util.h"
#include "fitbench/fit_config.h"

namespace fitbench {

namespace fs = std::filesystem;

namespace {

constexpr QueueState kStates[] = {QueueState::Queued, QueueState::Paused,  QueueState::Running,
                                  QueueState::Done,   QueueState::Stopped, QueueState::Failed,
                                  QueueState::Cancelled};

QueueState state_named(const std::string& name, const std::string& path) {
  for (QueueState s : kStates)
    if (name == queue_state_name(s)) return s;
  fail("'", path, "' has an entry in state '", name, "', which is not a queue state: fix it or delete the file");
}

std::string workspace_of(const std::string& queue_file) {
  const fs::path folder = fs::path(queue_file).parent_path();
  return folder.empty() ? "." : folder.string();
}

std::string run_dir_of(const QueueEntry& entry, const std::string& workspace) {
  return (fs::path(workspace) / entry.name).string();
}

// A file name made of a value: what a path or a list holds besides letters,
// digits, '.', '-' and '_' becomes '_'.
std::string name_part(const std::string& value) {
  std::string part = value;
  for (char& c : part)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  return part;
}

// The values start, start + step, ... up to stop (included, up to rounding),
// as the argument's text.
std::vector<std::string> range_values(const ArgSpec& spec, const std::string& text, const std::string& range) {
  const auto bad = [&](const std::string& why) -> ArgError {
    return ArgError("sweep '" + text + "': " + why + " (write start:stop:step, such as 64:256:64, or a list 0.1,0.05)");
  };
  const auto first = range.find(':'), second = range.find(':', first + 1);
  if (second == std::string::npos || range.find(':', second + 1) != std::string::npos) throw bad("not a range");
  const auto start = parse_python_float(range.substr(0, first));
  const auto stop = parse_python_float(range.substr(first + 1, second - first - 1));
  const auto step = parse_python_float(range.substr(second + 1));
  if (!start || !stop || !step || !std::isfinite(*start) || !std::isfinite(*stop) || !std::isfinite(*step))
    throw bad("start, stop and step must be numbers");
  if (*step == 0.0 || (*stop - *start) / *step < 0.0) throw bad("the step does not lead from start to stop");
  const double count = std::floor((*stop - *start) / *step + 1e-9) + 1.0;
  if (count > 1000) throw bad("more than 1000 values");
  std::vector<std::string> values;
  for (int i = 0; i < static_cast<int>(count); ++i) {
    const double v = *start + i * *step;
    if (spec.type == ArgType::Int) {
      if (v != std::floor(v)) throw bad("--" + spec.name + " takes whole numbers");
      values.push_back(std::to_string(static_cast<long long>(v)));
    } else {
      // Twelve digits: 0.1 + 2 * 0.1 reads as 0.3, not 0.30000000000000004.
      char rounded[32];
      std::snprintf(rounded, sizeof rounded, "%.12g", v);
      values.push_back(python_float_repr(std::stod(rounded)));
    }
  }
  return values;
}

}  // namespace

const char* queue_state_name(QueueState state) {
  switch (state) {
    case QueueState::Queued: return "queued";
    case QueueState::Paused: return "paused";
    case QueueState::Running: return "running";
    case QueueState::Done: return "done";
    case QueueState::Stopped: return "stopped";
    case QueueState::Failed: return "failed";
    case QueueState::Cancelled: return "cancelled";
  }
  return "queued";
}

RunQueue RunQueue::load(const std::string& path) {
  RunQueue queue;
  if (!fs::exists(path)) return queue;
  const nlohmann::json j = nlohmann::json::parse(read_file(path), nullptr, false);
  if (!j.is_object() || !j.contains("entries") || !j["entries"].is_array())
    fail("'", path, "' is not a queue file (a JSON object with \"entries\"): fix it or delete it");
  try {
    queue.next_id_ = j.value("next_id", 1);
    for (const auto& e : j["entries"]) {
      QueueEntry entry;
      entry.id = e.at("id").get<std::string>();
      entry.name = e.at("name").get<std::string>();
      entry.args = FitArgs::from_json(e.at("args"));
      entry.state = state_named(e.at("state").get<std::string>(), path);
      entry.runner_pid = e.value("runner_pid", 0);
      entry.attempts = e.value("attempts", 0);
      entry.message = e.value("message", "");
      if (entry.name.empty() || entry.name.find('/') != std::string::npos || entry.name == "." || entry.name == "..")
        fail("'", path, "' has an entry named '", entry.name, "', which is not a directory name");
      queue.entries_.push_back(std::move(entry));
    }
  } catch (const nlohmann::json::exception& e) {
    fail("'", path, "' is not a queue file: ", e.what(), "; fix it or delete it");
  } catch (const ArgError& e) {
    fail("'", path, "' holds an entry with bad arguments: ", e.what());
  }
  return queue;
}

void RunQueue::save(const std::string& path) const {
  nlohmann::ordered_json entries = nlohmann::ordered_json::array();
  for (const QueueEntry& e : entries_)
    entries.push_back({{"id", e.id},
                       {"name", e.name},
                       {"state", queue_state_name(e.state)},
                       {"runner_pid", e.runner_pid},
                       {"attempts", e.attempts},
                       {"message", e.message},
                       {"args", e.args.to_json()}});
  const nlohmann::ordered_json j = {{"next_id", next_id_}, {"entries", entries}};
  write_file_atomically(path, j.dump(2) + "\n");
}

const QueueEntry* RunQueue::find(const std::string& id) const {
  for (const QueueEntry& e : entries_)
    if (e.id == id) return &e;
  return nullptr;
}

QueueEntry* RunQueue::find(const std::string& id) {
  return const_cast<QueueEntry*>(static_cast<const RunQueue&>(*this).find(id));
}

QueueEntry& RunQueue::at(const std::string& id) {
  QueueEntry* e = find(id);
  if (!e) fail("the queue has no entry ", id, " (another program may have removed it)");
  return *e;
}

std::string RunQueue::add(const std::string& name, const FitArgs& args, const std::string& workspace) {
  const std::string base = name_part(name.empty() ? "run" : name);
  const auto taken = [&](const std::string& candidate) {
    return std::any_of(entries_.begin(), entries_.end(), [&](const QueueEntry& e) { return e.name == candidate; }) ||
           fs::exists(fs::path(workspace) / candidate);
  };
  std::string unique = base;
  for (int n = 2; taken(unique); ++n) unique = base + "-" + std::to_string(n);
  QueueEntry entry;
  entry.id = std::to_string(next_id_++);
  entry.name = unique;
  entry.args = args;
  entries_.push_back(std::move(entry));
  return entries_.back().id;
}

void RunQueue::move(const std::string& id, size_t index) {
  const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const QueueEntry& e) { return e.id == id; });
  if (it == entries_.end()) at(id);  // throws the missing entry's error
  QueueEntry entry = std::move(*it);
  entries_.erase(it);
  entries_.insert(entries_.begin() + static_cast<long>(std::min(index, entries_.size())), std::move(entry));
}

void RunQueue::pause(const std::string& id) {
  QueueEntry& e = at(id);
  if (e.state != QueueState::Queued) fail("only a queued entry can be paused; '", e.name, "' is ", queue_state_name(e.state));
  e.state = QueueState::Paused;
}

void RunQueue::resume(const std::string& id) {
  QueueEntry& e = at(id);
  if (e.state != QueueState::Paused) fail("'", e.name, "' is not paused");
  e.state = QueueState::Queued;
}

void RunQueue::cancel(const std::string& id) {
  QueueEntry& e = at(id);
  if (e.state == QueueState::Running)
    fail("'", e.name, "' is training: stop it first (it can be retried later from its last checkpoint)");
  if (e.state != QueueState::Queued && e.state != QueueState::Paused)
    fail("'", e.name, "' is ", queue_state_name(e.state), ": there is nothing left to cancel");
  e.state = QueueState::Cancelled;
}

void RunQueue::remove(const std::string& id) {
  const QueueEntry& e = at(id);
  if (e.state == QueueState::Running && process_is_running(e.runner_pid))
    fail("'", e.name, "' is training: stop it before taking it out of the queue");
  std::erase_if(entries_, [&](const QueueEntry& entry) { return entry.id == id; });
}

void RunQueue::retry(const std::string& id) {
  QueueEntry& e = at(id);
  if (e.state == QueueState::Queued || e.state == QueueState::Paused || e.state == QueueState::Running)
    fail("'", e.name, "' is ", queue_state_name(e.state), ": it has not ended");
  e.state = QueueState::Queued;
  e.message.clear();
}

QueueEntry* RunQueue::next_to_run() {
  for (QueueEntry& e : entries_)
    if (e.state == QueueState::Running && !process_is_running(e.runner_pid)) return &e;
  for (QueueEntry& e : entries_)
    if (e.state == QueueState::Queued) return &e;
  return nullptr;
}

std::string queue_path(const std::string& workspace) { return (fs::path(workspace) / "queue.json").string(); }

void edit_queue(const std::string& path, const std::function<bool(RunQueue&)>& edit) {
  const fs::path folder = fs::path(path).parent_path();
  std::error_code ec;
  if (!folder.empty()) fs::create_directories(folder, ec);
  const std::string lock_path = path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot open '", lock_path, "': ", std::strerror(errno));
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }  // closing releases the lock
  } unlock{fd};
  if (::flock(fd, LOCK_EX) != 0) fail("cannot lock '", lock_path, "': ", std::strerror(errno));
  RunQueue queue = RunQueue::load(path);
  if (edit(queue)) queue.save(path);
}

FitArgs queue_fit_args(const QueueEntry& entry, const std::string& workspace,
                       const std::optional<std::string>& gpus) {
  FitArgs args = entry.args;
  const std::string run_dir = run_dir_of(entry, workspace);
  // Each entry is a run of its own: its records and checkpoints go to its
  // folder, whatever --model-prefix the experiment held (a sweep's entries
  // would write over one another, and over that run). A checkpoint the entry
  // starts from is still read where it was named.
  const std::string given_prefix = args.get_string("model-prefix");
  if (!given_prefix.empty() && args.is_set("load-epoch") && !args.is_set("load-prefix"))
    args.set("load-prefix", given_prefix);
  args.set("run-dir", run_dir);
  if (gpus) args.set("gpus", *gpus);
  const std::string prefix = (fs::path(run_dir) / name_part(FitConfig::resolve(args).network)).string();
  args.set("model-prefix", prefix);
  if (entry.attempts > 0) {
    // A partial checkpoint (a stop that saved) of the epoch after the last
    // complete one is newer than it; an older one was resumed already.
    const std::vector<int> saved = saved_epochs(prefix);
    const std::vector<int> partial = saved_epochs(partial_prefix(prefix));
    if (!partial.empty() && (saved.empty() || partial.back() >= saved.back())) {
      args.set("load-prefix", partial_prefix(prefix));
      args.set("load-epoch", std::to_string(partial.back()));
    } else if (!saved.empty()) {
      args.unset("load-prefix");
      args.set("load-epoch", std::to_string(saved.back()));
    }
  }
  return args;
}

std::optional<QueueEntry> claim_next_entry(const std::string& path) {
  std::optional<QueueEntry> claimed;
  edit_queue(path, [&](RunQueue& queue) {
    QueueEntry* next = queue.next_to_run();
    if (!next) return false;
    next->state = QueueState::Running;
    next->runner_pid = static_cast<int>(::getpid());
    next->message.clear();
    claimed = *next;
    ++next->attempts;
    return true;
  });
  return claimed;
}

void finish_entry(const std::string& path, const std::string& id, const FinishInfo& finish) {
  edit_queue(path, [&](RunQueue& queue) {
    QueueEntry* e = queue.find(id);
    if (!e) return false;  // removed from the file meanwhile
    e->runner_pid = 0;
    e->message = finish.diverged ? finish.diverged->message : finish.error;
    e->state = !finish.error.empty() || finish.diverged ? QueueState::Failed
               : finish.stopped                          ? QueueState::Stopped
                                                         : QueueState::Done;
    return true;
  });
}

QueueRun run_queue(const std::string& path, const FitOptions& options,
                   const std::function<void(const QueueEntry&)>& before_run,
                   const std::optional<std::string>& gpus) {
  const std::string workspace = workspace_of(path);
  QueueRun result;
  while (const std::optional<QueueEntry> claimed = claim_next_entry(path)) {
    if (before_run) before_run(*claimed);
    ++result.runs;
    FinishInfo finish;
    try {
      finish = fit(queue_fit_args(*claimed, workspace, gpus), options);
    } catch (const std::exception& e) {
      finish.error = e.what();
    }
    finish_entry(path, claimed->id, finish);
    if (finish.stopped) {
      result.stopped = true;
      break;
    }
  }
  return result;
}

SweepAxis parse_sweep_axis(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw ArgError("sweep '" + text + "': write ARGUMENT=VALUES, such as lr=0.1,0.05 or batch-size=64:256:64");
  SweepAxis axis;
  axis.argument = text.substr(0, eq);
  while (axis.argument.starts_with("-")) axis.argument.erase(0, 1);
  const ArgSpec* spec = find_arg(axis.argument);
  if (!spec) throw ArgError("sweep '" + text + "': --" + axis.argument + " is not an argument");
  const std::string values = text.substr(eq + 1);
  const bool numeric = spec->type != ArgType::String;
  if (numeric && values.find(':') != std::string::npos && values.find(',') == std::string::npos) {
    axis.values = range_values(*spec, text, values);
  } else {
    size_t begin = 0;
    while (begin <= values.size()) {
      const size_t end = std::min(values.find(',', begin), values.size());
      axis.values.push_back(values.substr(begin, end - begin));
      begin = end + 1;
    }
  }
  FitArgs check;
  for (std::string& value : axis.values) {
    check.set(axis.argument, value);  // throws "argument --lr: invalid float value: 'x'"
    value = *check.raw(axis.argument);
  }
  return axis;
}

std::vector<std::pair<std::string, FitArgs>> expand_sweep(const std::string& base_name, const FitArgs& base,
                                                          const std::vector<SweepAxis>& axes) {
  std::vector<std::pair<std::string, FitArgs>> runs{{base_name, base}};
  for (const SweepAxis& axis : axes) {
    std::vector<std::pair<std::string, FitArgs>> grown;
    for (const auto& [name, args] : runs)
      for (const std::string& value : axis.values) {
        FitArgs next = args;
        next.set(axis.argument, value);
        grown.emplace_back(name + "-" + axis.argument + name_part(value), std::move(next));
      }
    runs = std::move(grown);
  }
  return runs;
}

}  // namespace fitbench
