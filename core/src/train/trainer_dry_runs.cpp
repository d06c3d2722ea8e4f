// The runs that train nothing: --summary prints the network and its memory
// estimate, --test-io reads the training data at full speed (fit.py's
// --test-io loop, with its Speedometer lines).
#include <sstream>

#include "fitbench/models.h"
#include "pyformat.h"
#include "train/trainer.h"

namespace fitbench {

namespace {

FinishInfo completed_without_training() {
  FinishInfo finish;
  finish.completed = true;
  return finish;
}

}  // namespace

// --summary: only the network and the data shape; no data is read and nothing
// trains. Neither it nor --test-io is a run: they write no run directory.
FinishInfo Trainer::print_summary(const MemoryPlan& memory) {
  std::istringstream table(
      network_summary(symbol_, {{"data", memory.setup.data_shape(memory.setup.batch_size)}}));
  for (std::string line; std::getline(table, line);) log(line);
  for (const auto& line : describe_memory_estimate(memory.check.estimate)) log(line);
  if (!memory.check.data_missing.empty()) log("The data is not counted: " + memory.check.data_missing);
  if (!memory.check.shortfall.empty()) log("This run would not fit: " + memory.check.shortfall);
  return completed_without_training();
}

// --test-io: reads the training data at full speed, with Speedometer lines.
FinishInfo Trainer::test_io() {
  const int frequent = config_.disp_batches;
  auto tic = Clock::now();
  DataBatch batch;
  data_.train->reset();
  for (int64_t i = 0; data_.train->next(batch); ++i) {
    if ((i + 1) % frequent == 0) {
      log(printf_string("Batch [%lld]\tSpeed: %.2f samples/sec", static_cast<long long>(i),
                        frequent * config_.batch_size / seconds_since(tic)));
      tic = Clock::now();
    }
    if (options_.control && options_.control->stop_requested()) break;
  }
  return completed_without_training();
}

}  // namespace fitbench
