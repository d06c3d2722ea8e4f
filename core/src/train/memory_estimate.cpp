// The pre-flight memory estimate (memory_estimate.h).
#include "fitbench/memory_estimate.h"

#include <omp.h>

#include <algorithm>
#include <tuple>

#include "fitbench/executor.h"
#include "fitbench/gpu_info.h"
#include "fitbench/optimizer.h"
#include "tensor/memory.h"

namespace fitbench {

namespace {

MemoryParts& parts_on(MemoryEstimate& estimate, Device device) {
  if (device.is_cpu()) return estimate.host;
  for (auto& [id, parts] : estimate.gpus)
    if (id == device.id) return parts;
  return estimate.gpus.emplace_back(device.id, MemoryParts{}).second;
}

// The parts in the order they are shown, with their names.
std::vector<std::pair<std::string, int64_t>> named_parts(const MemoryParts& p) {
  return {{"weights", p.weights},
          {"gradients", p.gradients},
          {"optimizer state", p.optimizer_state},
          {"aux states", p.aux},
          {"activations", p.activations},
          {"backward", p.backward},
          {"workspace", p.workspace},
          {"data", p.data},
          {"runtime", p.runtime}};
}

}  // namespace

Shape TrainingMemorySetup::data_shape(int64_t batch) const {
  std::vector<int64_t> dims{batch};
  dims.insert(dims.end(), sample_shape.begin(), sample_shape.end());
  return Shape(std::move(dims));
}

MemoryEstimate estimate_training_memory(const Symbol& symbol, const TrainingMemorySetup& setup) {
  FB_ASSERT(!setup.devices.empty());
  MemoryEstimate estimate;
  const std::vector<int64_t> slices = split_batch(setup.batch_size, setup.devices.size());
  ExecutorFootprint first;
  for (size_t i = 0; i < setup.devices.size(); ++i) {
    const ExecutorFootprint fp = executor_footprint(
        symbol, {{"data", setup.data_shape(slices[i])}, {"softmax_label", Shape{slices[i]}}},
        setup.devices[i]);
    MemoryParts& p = parts_on(estimate, setup.devices[i]);
    p.weights += fp.params;
    p.gradients += fp.grads;
    p.aux += fp.aux;
    p.activations += fp.inputs + fp.outputs + fp.op_state;
    p.backward += fp.backward;
    p.workspace += fp.workspace;  // one Workspace per executor
    if (i == 0) first = fp;
  }
  estimate.largest = first.largest;
  estimate.largest_shape = first.largest_shape;
  estimate.largest_bytes = first.largest_bytes;

  // ExecutorGroup's copies: the master weights and gradients on the host
  // (Host), the host mean of the aux states, and a buffer where the other
  // executors' gradients are added (not for NCCL, which sums in place).
  const bool host_master = setup.gradient_sum == GradientSum::Host;
  const size_t executors = setup.devices.size();
  if (host_master) {
    estimate.host.weights += first.params;
    estimate.host.gradients += first.grads;
  }
  if (executors > 1 || host_master) estimate.host.aux += first.aux;
  if (executors > 1 && setup.gradient_sum != GradientSum::Nccl)
    parts_on(estimate, host_master ? Device::cpu() : setup.devices[0]).gradients += first.grads;

  // The optimizer keeps its state where the master weights are.
  MemoryParts& master = parts_on(estimate, host_master ? Device::cpu() : setup.devices[0]);
  OptimizerParams op;
  op.momentum = setup.momentum;
  op.settings = setup.optimizer_settings;
  const int64_t state = Optimizer::create(setup.optimizer, op)->state_floats(first.param_sizes) *
                        static_cast<int64_t>(sizeof(float));
  master.optimizer_state += state;
  if (setup.keeps_rollback) {
    master.weights += first.params;
    master.optimizer_state += state;
  }

  const int64_t batch_bytes =
      (setup.data_shape(setup.batch_size).size() + setup.batch_size) * static_cast<int64_t>(sizeof(float));
  estimate.host.data = setup.data.fixed_bytes + setup.data.batches * batch_bytes;
  // A GPU's own runtime (the CUDA context, cuDNN and cuBLAS handles) is not
  // counted: it has not been measured.
  estimate.host.runtime = runtime_bytes(omp_get_max_threads());
  return estimate;
}

MemoryAvailable memory_available(const MemoryEstimate& estimate) {
  MemoryAvailable available;
  available.host = available_memory();
  if (!estimate.gpus.empty())
    for (const GpuInfo& gpu : query_gpus().gpus) available.gpus.emplace_back(gpu.index, gpu.free_bytes);
  return available;
}

std::vector<std::string> memory_shortfalls(const MemoryEstimate& estimate, const MemoryAvailable& available) {
  std::vector<std::string> shortfalls;
  const auto check = [&](const std::string& where, const MemoryParts& parts, int64_t free) {
    if (free < 0 || parts.total() <= free) return;
    std::string detail;
    for (const auto& [name, bytes] : named_parts(parts))
      if (bytes > 0) detail += (detail.empty() ? "" : ", ") + name + " " + human_bytes(double(bytes));
    shortfalls.push_back("about " + human_bytes(double(parts.total())) + " of " + where + " (" + detail +
                         ") where " + human_bytes(double(free)) + " are available");
  };
  check("main memory", estimate.host, available.host);
  for (const auto& [id, parts] : estimate.gpus)
    for (const auto& [gpu, free] : available.gpus)
      if (gpu == id) check(Device::gpu(id).str() + "'s memory", parts, free);
  return shortfalls;
}

int64_t largest_fitting_batch(const Symbol& symbol, const TrainingMemorySetup& setup,
                              const std::function<bool(const MemoryEstimate&)>& fits) {
  const auto fits_at = [&](int64_t batch) {
    TrainingMemorySetup s = setup;
    s.batch_size = batch;
    // A batch the libraries refuse to plan (cuDNN, for a tensor past its
    // limits) does not fit either.
    try {
      return fits(estimate_training_memory(symbol, s));
    } catch (const Error&) {
      return false;
    }
  };
  // Invariant: `low` fits and `high` does not. The estimate grows with the
  // batch almost everywhere (a layer's workspace can shrink a little when its
  // images split into chunks differently), so the answer is where it crosses.
  int64_t low = static_cast<int64_t>(setup.devices.size());
  int64_t high = setup.batch_size;
  if (low >= high || !fits_at(low)) return 0;
  while (high - low > 1) {
    const int64_t mid = low + (high - low) / 2;
    (fits_at(mid) ? low : high) = mid;
  }
  return low;
}

int64_t runtime_bytes(int threads) {
  // Measured for fitbench-cli (README.md, "Memory"): the peak RSS of small
  // runs less their arrays is 10 to 11.5 MiB, with OMP_NUM_THREADS 1 to 4
  // adding little (stacks, and the BLAS buffers of the threads that call it).
  constexpr int64_t base = int64_t{10} << 20;
  constexpr int64_t per_thread = int64_t{256} << 10;
  return base + per_thread * threads;
}

std::vector<std::string> describe_memory_estimate(const MemoryEstimate& estimate) {
  std::vector<std::pair<std::string, const MemoryParts*>> columns{{"main memory", &estimate.host}};
  for (const auto& [id, parts] : estimate.gpus) columns.emplace_back(Device::gpu(id).str(), &parts);
  // Rows of 20 columns for the name, then each device right-aligned under its heading.
  const auto row = [&](std::string name, const std::vector<std::string>& cells) {
    name.resize(20, ' ');
    for (size_t c = 0; c < cells.size(); ++c) {
      const size_t width = std::max<size_t>(12, columns[c].first.size()) + 2;
      name += std::string(width - std::min(width, cells[c].size()), ' ') + cells[c];
    }
    return name;
  };
  std::vector<std::string> headings;
  for (const auto& column : columns) headings.push_back(column.first);
  std::vector<std::string> lines{row("Memory estimate", headings)};
  const size_t parts = named_parts(estimate.host).size();
  for (size_t i = 0; i <= parts; ++i) {
    // The parts, then the total.
    std::vector<std::string> cells;
    bool used = false;
    std::string name = "total";
    for (const auto& column : columns) {
      int64_t bytes = column.second->total();
      if (i < parts) std::tie(name, bytes) = named_parts(*column.second)[i];
      used = used || bytes != 0;
      cells.push_back(human_bytes(double(bytes)));
    }
    if (used) lines.push_back(row("  " + name, cells));
  }
  return lines;
}

}  // namespace fitbench
