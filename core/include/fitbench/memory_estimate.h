// The pre-flight memory estimate: the bytes a training run takes on each GPU
// and in main memory, by part, worked out from the network, the batch and the
// run's arguments before anything big is allocated. --summary prints it, and
// fit() refuses a run that does not fit, saying which batch size would.
//
// The arrays are the Executor's own plan (executor_footprint), the
// ExecutorGroup's master copies, the optimizer's state buffer and what the
// data iterators hold; the rest of the process is a runtime baseline measured
// on real runs (README.md, "Memory").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fitbench/executor_group.h"
#include "fitbench/fit_data.h"
#include "fitbench/symbol.h"

namespace fitbench {

// Bytes by part, on one device.
struct MemoryParts {
  int64_t weights = 0;          // learnable parameters (each executor's, and a master copy)
  int64_t gradients = 0;        // their gradients (and where the executors' are summed)
  int64_t optimizer_state = 0;  // momentum, Adam's mean and variance
  int64_t aux = 0;              // auxiliary states (BatchNorm's moving statistics)
  int64_t activations = 0;      // each executor's inputs and layer outputs, kept for backward
  int64_t backward = 0;         // backward's buffers for the gradients of layer outputs
  int64_t workspace = 0;        // layer scratch (im2col columns, cuDNN's workspace)
  int64_t data = 0;             // data sets held in memory, and the batches in flight
  int64_t runtime = 0;          // the program itself: code, libraries, threads and their BLAS buffers
  int64_t total() const {
    return weights + gradients + optimizer_state + aux + activations + backward + workspace + data + runtime;
  }
};

struct TrainingMemorySetup {
  int64_t batch_size = 1;             // the whole batch, over all devices
  std::vector<int64_t> sample_shape;  // one sample's data: (channels, height, width)
  // One executor each, the batch split over them as ExecutorGroup splits it.
  std::vector<Device> devices{Device::cpu()};
  GradientSum gradient_sum = GradientSum::Single;
  std::string optimizer = "sgd";
  float momentum = 0;  // sgd and nag keep no state without it
  // OptimizerSettings (rmsprop's centered keeps three states)
  std::map<std::string, double> optimizer_settings;
  DataFootprint data;
  // Weights and optimizer state copied before each update, to undo it
  // (FitOptions::pause_on_nonfinite).
  bool keeps_rollback = false;

  // (batch, sample_shape...): the data of `batch` samples; labels are (batch,).
  Shape data_shape(int64_t batch) const;
};

struct MemoryEstimate {
  MemoryParts host;                               // main memory
  std::vector<std::pair<int, MemoryParts>> gpus;  // by GPU id, in the order of --gpus
  // The largest single array, for a message when not even the smallest batch fits.
  std::string largest;
  Shape largest_shape;
  int64_t largest_bytes = 0;
};

// Plans every executor (asking cuDNN for a GPU's convolution workspace, so
// GPUs must be usable) and adds up the rest. Throws Error where binding
// would: a shape that does not fit the network, an unknown optimizer.
MemoryEstimate estimate_training_memory(const Symbol& symbol, const TrainingMemorySetup& setup);

// What is free now: main memory (MemAvailable) and each GPU's free memory as
// NVML reports it. -1, or a GPU left out, where nothing answers.
struct MemoryAvailable {
  int64_t host = -1;
  std::vector<std::pair<int, int64_t>> gpus;  // by GPU id
};
// NVML is asked only when the estimate uses GPUs.
MemoryAvailable memory_available(const MemoryEstimate& estimate);

// One phrase for each device where the estimate exceeds what is available:
// "about 40.1 GiB of main memory (activations 31.2 GiB, ...) where 15.5 GiB
// are available". Empty when it fits, or where nothing is known.
std::vector<std::string> memory_shortfalls(const MemoryEstimate& estimate, const MemoryAvailable& available);

// The largest batch size below setup's own, which must not fit, at which
// `fits` holds for the estimate: a batch b that fits while b + 1 does not,
// found by bisection. 0 when not even one sample per device fits.
int64_t largest_fitting_batch(const Symbol& symbol, const TrainingMemorySetup& setup,
                              const std::function<bool(const MemoryEstimate&)>& fits);

// The runtime baseline of main memory: what a fitbench process holds besides
// its arrays, with `threads` OpenMP threads.
int64_t runtime_bytes(int threads);

// A few lines for --summary: each device's total, then its parts.
std::vector<std::string> describe_memory_estimate(const MemoryEstimate& estimate);

}  // namespace fitbench
