#include "fitbench/run_records.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "fitbench/error.h"

namespace fitbench {
namespace {

// Keys in the order they are written, so a line reads like the log.
using Json = nlohmann::ordered_json;

Json number(double value) { return std::isfinite(value) ? Json(value) : Json(); }

Json to_json(const NameValues& values) {
  Json object = Json::object();
  for (const auto& [name, value] : values) object[name] = number(value);
  return object;
}

Json to_json(const BatchRecord& r) {
  Json line = {{"type", "batch"},         {"epoch", r.epoch}, {"batch", r.batch},
               {"num_update", r.num_update}, {"lr", number(r.learning_rate)}, {"loss", number(r.loss)},
               {"samples_per_sec", number(r.samples_per_sec)}};
  if (!r.metrics.empty()) line["metrics"] = to_json(r.metrics);
  return line;
}

Json to_json(const EpochRecord& r) {
  return {{"type", "epoch"}, {"epoch", r.epoch}, {"num_update", r.num_update}, {"time_cost", number(r.time_cost)},
          {"lr", number(r.learning_rate)}, {"train", to_json(r.train)}, {"validation", to_json(r.validation)}};
}

Json to_json(const NonFiniteRecord& r) {
  return {{"type", "nonfinite"}, {"epoch", r.epoch}, {"batch", r.batch}, {"quantity", r.quantity},
          {"layer", r.layer}, {"kind", r.kind}, {"entry", r.entry}, {"policy", r.policy}};
}

Json to_json(const StartRecord& r) {
  return {{"type", "start"}, {"time", number(r.time)}, {"begin_epoch", r.begin_epoch}, {"num_epochs", r.num_epochs}};
}

Json to_json(const EndRecord& r) {
  return {{"type", "end"},
          {"time", number(r.time)},
          {"status", r.status},
          {"epochs_done", r.epochs_done},
          {"message", r.message}};
}

// Reads the fields of one record, failing with the field's name.
class Fields {
 public:
  explicit Fields(const Json& object) : object_(object) {}

  const Json& at(const char* key) const {
    const auto it = object_.find(key);
    if (it == object_.end()) throw Error(std::string("it has no \"") + key + "\"");
    return *it;
  }
  int64_t integer(const char* key, int64_t most = std::numeric_limits<int64_t>::max()) const {
    const Json& v = at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > most)
      throw Error(std::string("\"") + key + "\" is not a count");
    return v.get<int64_t>();
  }
  // null (a non-finite value) reads as NaN.
  double real(const char* key) const {
    const Json& v = at(key);
    if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!v.is_number()) throw Error(std::string("\"") + key + "\" is not a number");
    return v.get<double>();
  }
  std::string text(const char* key) const {
    const Json& v = at(key);
    if (!v.is_string()) throw Error(std::string("\"") + key + "\" is not a string");
    return v.get<std::string>();
  }
  NameValues values(const char* key) const {
    const Json& v = at(key);
    if (!v.is_object()) throw Error(std::string("\"") + key + "\" is not an object of metrics");
    NameValues out;
    for (const auto& [name, value] : v.items()) {
      if (!value.is_null() && !value.is_number())
        throw Error(std::string("\"") + key + "\" holds \"" + name + "\", which is not a number");
      out.emplace_back(name, value.is_null() ? std::numeric_limits<double>::quiet_NaN() : value.get<double>());
    }
    return out;
  }

 private:
  const Json& object_;
};

constexpr int64_t kMostEpochs = std::numeric_limits<int>::max();

// nullopt for a record of a type this build does not know; throws Error
// (without the location) for a line that is not a record.
std::optional<RunRecord> parse(std::string_view line) {
  const Json object = Json::parse(line, nullptr, false);
  if (object.is_discarded()) throw Error("not JSON");
  if (!object.is_object()) throw Error("not a JSON object");
  const Fields f(object);
  const std::string type = f.text("type");
  if (type == "batch")
    return BatchRecord{static_cast<int>(f.integer("epoch", kMostEpochs)),
                       f.integer("batch"),
                       f.integer("num_update"),
                       f.real("lr"),
                       f.real("loss"),
                       f.real("samples_per_sec"),
                       object.contains("metrics") ? f.values("metrics") : NameValues{}};
  if (type == "epoch")
    return EpochRecord{static_cast<int>(f.integer("epoch", kMostEpochs)), f.integer("num_update"), f.real("time_cost"),
                       f.real("lr"), f.values("train"), f.values("validation")};
  if (type == "nonfinite")
    return NonFiniteRecord{static_cast<int>(f.integer("epoch", kMostEpochs)), f.integer("batch"), f.text("quantity"),
                           f.text("layer"), f.text("kind"), f.text("entry"), f.text("policy")};
  if (type == "start")
    return StartRecord{f.real("time"), static_cast<int>(f.integer("begin_epoch", kMostEpochs)),
                       static_cast<int>(f.integer("num_epochs", kMostEpochs))};
  if (type == "end") {
    EndRecord end{f.real("time"), f.text("status"), static_cast<int>(f.integer("epochs_done", kMostEpochs)),
                  f.text("message")};
    if (end.status != "finished" && end.status != "stopped" && end.status != "diverged" && end.status != "failed")
      throw Error("\"status\" is not finished, stopped, diverged or failed");
    return end;
  }
  return std::nullopt;
}

}  // namespace

double unix_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string worker_run_dir(const std::string& run_dir, int rank) {
  return rank == 0 ? run_dir : run_dir + "/node" + std::to_string(rank);
}

std::string run_records_path(const std::string& run_dir) { return run_dir + "/metrics.jsonl"; }

bool run_is_live(const std::string& run_dir) {
  const int fd = ::open(run_records_path(run_dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // drops the probe's own lock, if it got one
  return held;
}

std::string format_run_record(const RunRecord& record) {
  return std::visit([](const auto& r) { return to_json(r).dump(); }, record);
}

RunRecordWriter::RunRecordWriter(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "ae")) {
  if (!file_) fail("cannot write '", path, "': ", std::strerror(errno));
  if (::flock(fileno(file_), LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    std::fclose(file_);
    if (error == EWOULDBLOCK)
      fail("cannot write '", path, "': another run is training in its directory now; give this one another "
           "directory");
    fail("cannot lock '", path, "': ", std::strerror(error));
  }
}

RunRecordWriter::~RunRecordWriter() { std::fclose(file_); }

void RunRecordWriter::write(const RunRecord& record) {
  const std::string line = format_run_record(record) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    fail("cannot write '", path_, "': ", std::strerror(errno));
}

RunRecordReader::RunRecordReader(std::string path) : path_(std::move(path)) {}

RunRecordReader::Result RunRecordReader::read() {
  Result result;
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return result;
    fail("cannot read '", path_, "': ", std::strerror(errno));
  }
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline yet: the writer is still on it
    offset_ += line.size() + 1;
    ++line_;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      if (auto record = parse(line)) result.records.push_back(std::move(*record));
    } catch (const Error& e) {
      result.errors.push_back(path_ + ", line " + std::to_string(line_) + ": " + e.what());
    }
  }
  if (in.bad()) fail("cannot read '", path_, "': ", std::strerror(errno));
  return result;
}

RunRecordReader::Result read_run_records(const std::string& path) {
  std::ifstream probe(path);
  if (!probe) fail("cannot read '", path, "': ", std::strerror(errno));
  return RunRecordReader(path).read();
}

}  // namespace fitbench
