// Run records: a run directory's metrics.jsonl, one JSON object per line,
// appended while the run goes. fit() writes them through RunRecordWriter;
// everything that reads them (the charts of a live mpirun run or of an
// earlier run, the checkpoint browser's accuracies) goes through
// RunRecordReader. Nothing else touches the file.
//
//   {"type":"batch","epoch":0,"batch":99,"num_update":100,"lr":0.05,"loss":0.61,"samples_per_sec":812.3,
//    "metrics":{"accuracy":0.78}}
//   {"type":"epoch","epoch":0,"num_update":938,"time_cost":31.2,"lr":0.05,
//    "train":{"accuracy":0.81},"validation":{"accuracy":0.84}}
//   {"type":"nonfinite","epoch":2,"batch":17,"quantity":"loss","layer":"fc1",
//    "kind":"output","entry":"fc1_output","policy":"stop"}
//   {"type":"start","time":1796550000.5,"begin_epoch":0,"num_epochs":10}
//   {"type":"end","time":1796550321.2,"status":"finished","epochs_done":10,"message":""}
//
// A run trained again in its directory (resumed) adds a start and an end per
// part. While a RunRecordWriter has the file open it holds an exclusive
// flock(2) on it, so run_is_live() tells a run that is training from one
// whose process died without writing its end, on this machine.
//
// JSON has no NaN or infinity: a non-finite number is written as null and
// reads back as NaN. A line of a type this build does not know (a newer
// fitbench's) is skipped, so old readers keep working.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fitbench/metric.h"

namespace fitbench {

// One batch's end (every batch, not only the Speedometer's).
struct BatchRecord {
  int epoch = 0;
  int64_t batch = 0;               // 0-based within the epoch
  int64_t num_update = 0;          // optimizer updates so far
  double learning_rate = 0.0;      // the rate this batch's update used
  double loss = 0.0;               // mean cross-entropy of this batch
  double samples_per_sec = 0.0;    // recent throughput
  // The training metrics since the last Speedometer line (fit.py's local
  // values, what the log prints); the key is left out when there are none.
  NameValues metrics;
};

// One epoch's end.
struct EpochRecord {
  int epoch = 0;
  int64_t num_update = 0;          // updates when the epoch ended
  double time_cost = 0.0;          // seconds
  double learning_rate = 0.0;      // the rate the next update would use
  NameValues train;                // the epoch's training metrics, in order
  NameValues validation;           // empty without validation data
};

// A batch whose loss or gradient went non-finite (see --on-nonfinite).
struct NonFiniteRecord {
  int epoch = 0;
  int64_t batch = 0;
  std::string quantity;            // "loss" or "gradient"
  std::string layer;               // the first layer, in graph order, with a non-finite value
  std::string kind;                // "weight", "output" or "gradient"
  std::string entry;               // "fc1_weight", "fc1_output", ...
  std::string policy;              // the --on-nonfinite in force
};

// Seconds since the Unix epoch now, as the start and end records hold it
// (wall-clock time, which other processes compare).
double unix_time_now();

// The run (or a resumed part of it) starting, once its directory is open.
struct StartRecord {
  double time = 0.0;               // seconds since the Unix epoch
  int begin_epoch = 0;
  int num_epochs = 0;
};

// How that part ended. status is "finished" (every epoch), "stopped" (asked
// to), "diverged" (--on-nonfinite stop) or "failed" (an error: the message).
struct EndRecord {
  double time = 0.0;
  std::string status;
  int epochs_done = 0;
  std::string message;             // the error or the divergence; "" otherwise
};

using RunRecord = std::variant<BatchRecord, EpochRecord, NonFiniteRecord, StartRecord, EndRecord>;

// Where worker `rank` of a run in `run_dir` keeps its config.json, log.txt
// and metrics.jsonl: rank 0 in `run_dir`, the others in node<rank>/ inside
// it, so no two write the same file.
std::string worker_run_dir(const std::string& run_dir, int rank);
// `run_dir`/metrics.jsonl.
std::string run_records_path(const std::string& run_dir);
// Whether a process of this machine is writing `run_dir`'s records now.
bool run_is_live(const std::string& run_dir);

// The record as one line of JSON, without the newline.
std::string format_run_record(const RunRecord& record);

// Appends records to a metrics.jsonl, each flushed as it is written, so a
// reader sees whole lines and a killed run loses at most the line in flight.
class RunRecordWriter {
 public:
  // Opens `path` for appending (a rerun in the same directory adds to it)
  // and holds its lock; throws Error naming the file when it cannot, or when
  // another live run is writing it.
  explicit RunRecordWriter(const std::string& path);
  ~RunRecordWriter();
  RunRecordWriter(const RunRecordWriter&) = delete;
  RunRecordWriter& operator=(const RunRecordWriter&) = delete;

  void write(const RunRecord& record);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

// Reads a metrics.jsonl, at once or as it grows: each read() returns the
// records of the whole lines added since the previous one. A line still
// being written (no newline yet) waits for the next read.
class RunRecordReader {
 public:
  explicit RunRecordReader(std::string path);

  struct Result {
    std::vector<RunRecord> records;
    // "<path>, line N: <what is wrong>" for each line that is not a record
    // (its neighbours still read).
    std::vector<std::string> errors;
  };
  // A file that does not exist yet reads as no records; any other failure
  // to read it throws Error naming the file.
  Result read();
  // Passes over the whole lines already there: the next read() returns only
  // what is added from now on (a directory trained in again keeps its records).
  void skip_existing() { read(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  uint64_t offset_ = 0;   // bytes consumed, up to the last newline
  int64_t line_ = 0;      // lines consumed
};

// Every record of `path`. Throws Error naming the file when it does not
// exist or cannot be read.
RunRecordReader::Result read_run_records(const std::string& path);

}  // namespace fitbench
