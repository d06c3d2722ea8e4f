#include "train/fit_plan.h"

#include <algorithm>
#include <filesystem>

#include "fitbench/checkpoint.h"
#include "fitbench/kvstore.h"
#include "fitbench/models.h"
#include "pyformat.h"
#include "tensor/memory.h"

namespace fitbench {
namespace {

Warmup warmup_of(const FitConfig& config) {
  return {config.lr_warmup_steps, config.lr_warmup_begin, config.lr_warmup_mode};
}

}  // namespace

Symbol build_symbol(const FitConfig& config) {
  // The builders see only arguments, so what they refuse (--num-layers 7 for
  // resnet, an image shape too small) is a bad argument: exit code 2, naming
  // the argument where the builder names its field.
  try {
    return naming_arguments([&] { return build_network(config.network, config.network_config()); });
  } catch (const ArgError&) {
    throw;
  } catch (const Error& e) {
    throw ArgError(e.what());
  }
}

void check_nccl_devices(const FitConfig& config) {
  if (config.kv_store != "nccl") return;
  const std::vector<Device> named = devices_of(config.gpus);
  for (auto d = named.begin(); d != named.end(); ++d)
    if (std::find(named.begin(), d, *d) != d)
      throw ArgError("argument --kv-store: nccl takes each GPU once, and --gpus " + config.gpus +
                     " names one twice; for several executors on one GPU use --kv-store device or local");
}

std::pair<double, std::shared_ptr<LRScheduler>> make_scheduler(const FitConfig& config, int64_t epoch_size,
                                                               int begin_epoch, int64_t offset,
                                                               const LogLine& log) {
  // Python floats, as fit.py computes them.
  double lr = config.lr;
  const double factor = config.lr_factor;
  const std::string kind = config.lr_scheduler;
  const int64_t max_update = config.num_epochs * epoch_size;
  if (kind == "cosine") return {lr, make_cosine_scheduler(max_update, lr, 0.0, warmup_of(config))};
  if (factor >= 1 && kind != "poly") return {lr, nullptr};
  const auto power = config.lr_step_power;
  if (kind == "poly" || power)
    return {lr, make_poly_scheduler(max_update, lr, power.value_or(2.0), 0.0, warmup_of(config))};
  if (config.lr_step_epochs.empty()) return {lr, nullptr};
  const std::vector<int>& step_epochs = config.lr_step_epoch_list;
  if (kind == "factor")
    return {lr, make_factor_scheduler(epoch_size * step_epochs[0], factor, lr, 1e-8, warmup_of(config))};
  for (int s : step_epochs)
    if (begin_epoch >= s) lr *= factor;
  if (lr != config.lr) log(printf_string("Adjust learning rate to %e for epoch %d", lr, begin_epoch));
  std::vector<int64_t> steps;
  for (int s : step_epochs)
    if (s - begin_epoch > 0) steps.push_back(offset + epoch_size * (s - begin_epoch));
  if (steps.empty()) return {lr, nullptr};
  return {lr, make_multi_factor_scheduler(steps, factor, lr, warmup_of(config))};
}

GradientSum gradient_sum(const std::string& kvstore, const std::vector<Device>& devices) {
  if (is_distributed_kvstore(kvstore))
    return devices.size() == 1 && devices[0].is_cpu() ? GradientSum::Single : GradientSum::Host;
  if (devices.size() == 1) return GradientSum::Single;
  if (kvstore == "device") return GradientSum::FirstDevice;
  if (kvstore == "nccl") return GradientSum::Nccl;
  return GradientSum::Host;
}

float momentum_of(const FitConfig& config) {
  std::string name = config.optimizer;
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  // fit.py's has_momentum.
  const bool has_momentum =
      name == "sgd" || name == "dcasgd" || name == "nag" || name == "signum" || name == "lbsgd";
  return has_momentum ? static_cast<float>(config.mom) : 0.0f;
}

void set_optimizer_options(OptimizerParams& params, const FitConfig& config, int64_t epoch_size,
                           int num_workers) {
  params.settings = config.optimizer_settings;
  // fit.py's has_warmup: lbsgd averages its gradients over the macro-batch.
  const int64_t worker_batch = int64_t{config.batch_size} * num_workers;
  const int64_t macrobatch = std::max<int64_t>(config.macrobatch_size, worker_batch);
  LargeBatchParams& large = params.large_batch;
  large.batch_scale = static_cast<int>((macrobatch + worker_batch - 1) / worker_batch);
  large.updates_per_epoch = std::max<int64_t>(epoch_size, 1);
  large.warmup_epochs = config.warmup_epochs;
  large.warmup_strategy = config.warmup_strategy;
}

TrainingMemorySetup memory_setup(const FitConfig& config, const FitOptions& options,
                                 const std::vector<Device>& devices, const std::string& kvstore,
                                 const DataPartition& partition, std::string* data_missing) {
  TrainingMemorySetup setup;
  setup.batch_size = config.batch_size;
  for (int d : config.sample_shape()) setup.sample_shape.push_back(d);
  setup.devices = devices;
  setup.gradient_sum = gradient_sum(kvstore, devices);
  setup.optimizer = config.optimizer;
  setup.momentum = momentum_of(config);
  setup.optimizer_settings = config.optimizer_settings;
  setup.keeps_rollback = options.pause_on_nonfinite;
  try {
    setup.data = fit_data_footprint(config, partition);
  } catch (const Error& e) {
    if (!data_missing) throw;
    *data_missing = e.what();
  }
  return setup;
}

std::string memory_shortfall(const Symbol& symbol, const TrainingMemorySetup& setup,
                             const MemoryEstimate& estimate, const MemoryAvailable& available) {
  const auto shortfalls = memory_shortfalls(estimate, available);
  if (shortfalls.empty()) return {};
  std::string text = printf_string("--batch-size %lld needs ", static_cast<long long>(setup.batch_size));
  for (size_t i = 0; i < shortfalls.size(); ++i) text += (i ? ", and " : "") + shortfalls[i];
  const int64_t batch = largest_fitting_batch(
      symbol, setup, [&](const MemoryEstimate& e) { return memory_shortfalls(e, available).empty(); });
  if (batch > 0)
    return text + printf_string("; the largest --batch-size that fits is %lld: lower --batch-size%s",
                                static_cast<long long>(batch),
                                setup.devices[0].is_cpu() ? "" : " or add --gpus");
  return text + printf_string(
                    "; not even --batch-size %zu fits: the largest array is %s of shape %s (%s); use a "
                    "smaller network",
                    setup.devices.size(), estimate.largest.c_str(), estimate.largest_shape.str().c_str(),
                    human_bytes(double(estimate.largest_bytes)).c_str());
}

std::string load_prefix(const FitConfig& config, int rank) {
  const std::string from = config.load_prefix;
  std::string prefix = from.empty() ? config.model_prefix : from;
  const std::string own = prefix + "-" + std::to_string(rank);
  if (rank > 0 && !prefix.empty() && std::filesystem::exists(symbol_path(own))) prefix = own;
  return prefix;
}

MemoryCheck check_memory(const Symbol& symbol, const TrainingMemorySetup& setup) {
  MemoryCheck check;
  check.estimate = estimate_training_memory(symbol, setup);
  check.available = memory_available(check.estimate);
  check.shortfall = memory_shortfall(symbol, setup, check.estimate, check.available);
  return check;
}

MemoryCheck check_fit_memory(const FitConfig& config, const FitOptions& options) {
  return naming_arguments([&] {
    const std::vector<Device> devices = usable_devices(config.gpus);
    std::string data_missing;
    const TrainingMemorySetup setup = memory_setup(config, options, devices, config.kv_store, {}, &data_missing);
    MemoryCheck check = check_memory(build_symbol(config), setup);
    check.data_missing = std::move(data_missing);
    return check;
  });
}

std::vector<double> learning_rate_schedule(const FitConfig& config, int64_t epoch_size, int64_t updates) {
  const auto [lr, scheduler] =
      make_scheduler(config, epoch_size, config.begin_epoch(), 0, [](const std::string&) {});
  std::vector<double> rates;
  rates.reserve(static_cast<size_t>(std::max<int64_t>(updates, 0)));
  for (int64_t u = 1; u <= updates; ++u) rates.push_back(scheduler ? (*scheduler)(u) : lr);
  return rates;
}

FitArgs train_mnist_defaults() {
  FitArgs args;
  args.set("network", "mlp");
  args.set("batch-size", "64");
  args.set("disp-batches", "100");
  args.set("num-epochs", "20");
  args.set("lr", "0.05");
  args.set("lr-step-epochs", "10");
  args.set("num-classes", "10");
  args.set("num-examples", "60000");
  args.set("image-shape", "1,28,28");
  return args;
}

}  // namespace fitbench
