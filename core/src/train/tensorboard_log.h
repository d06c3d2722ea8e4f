// A run's TensorBoard event file, <run dir>/tb/events.out.tfevents.<time>.<host>.<pid>.fitbench
// (TFRecord framing of Event messages; io/tfrecord.h, proto/tensorboard.proto):
//   - a scalar for every value of the run's records, step = the update count:
//     batch/loss, batch/lr, batch/samples_per_sec, batch/<metric>
//     (the Speedometer's local values), epoch/train-<metric>,
//     epoch/validation-<metric>, epoch/time_cost, epoch/lr (metrics.jsonl's names);
//   - a histogram of each learnable parameter --monitor samples, weights/<name>;
//   - the arguments as a text table (arguments) and as the hparams plugin's
//     session start and end, so TensorBoard's HParams tab compares runs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "fitbench/observer.h"
#include "fitbench/run_records.h"

namespace fitbench {

namespace io {
class TfRecordWriter;
}

class TensorBoardLog {
 public:
  // Creates <run_dir>/tb and the file; `arguments` as FitArgs::to_json() gives them.
  TensorBoardLog(const std::string& run_dir, const nlohmann::json& arguments, double start_time);
  ~TensorBoardLog();

  // The scalars of a batch or an epoch record; an EndRecord ends the hparams session.
  void record(const RunRecord& record);
  void histograms(const MonitorSnapshot& snapshot, int64_t step);
  const std::string& path() const;

 private:
  std::unique_ptr<io::TfRecordWriter> writer_;
};

}  // namespace fitbench
