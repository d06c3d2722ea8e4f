// What a run's configuration alone decides, before anything is read or
// allocated: the network, the learning-rate schedule, where the gradients are
// summed, and the memory the arrays and data take. fit() and the functions of
// fit.h that answer a host's questions (the lr editor's curve, the memory
// estimate next to Start) share these.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fitbench/executor_group.h"
#include "fitbench/fit.h"
#include "fitbench/fit_data.h"
#include "fitbench/lr_scheduler.h"
#include "fitbench/memory_estimate.h"
#include "fitbench/optimizer.h"

namespace fitbench {

using LogLine = std::function<void(const std::string&)>;

// The network of --network and its arguments. What a builder refuses
// (--num-layers 7 for resnet, an image shape too small) is an ArgError.
Symbol build_symbol(const FitConfig& config);
// --kv-store nccl takes each GPU of --gpus once: an ArgError otherwise, before
// any GPU is looked for.
void check_nccl_devices(const FitConfig& config);

// fit.py's _get_lr_scheduler: the rate to start from and the scheduler (null
// for a constant rate). `offset` is the update count done before begin_epoch
// began (restored from a .states file; 0 when resuming an MXNet checkpoint).
std::pair<double, std::shared_ptr<LRScheduler>> make_scheduler(const FitConfig& config, int64_t epoch_size,
                                                               int begin_epoch, int64_t offset,
                                                               const LogLine& log);

// Where the kvstore sums the executors' gradients.
GradientSum gradient_sum(const std::string& kvstore, const std::vector<Device>& devices);

// --mom, for the optimizers fit.py passes it to (sgd, dcasgd, nag, signum,
// lbsgd); 0 for the others.
float momentum_of(const FitConfig& config);

// What fit.py passes besides the lr, wd and momentum: --optimizer-params, and
// for lbsgd the large-batch warmup (batch_scale = ceil(macrobatch / (batch *
// workers)), updates_per_epoch = the epoch's batches).
void set_optimizer_options(OptimizerParams& params, const FitConfig& config, int64_t epoch_size,
                           int num_workers);

// What a run's arrays and data take, for --summary and the check before
// anything is allocated. `data_missing` (when given) receives why the data
// was left out, rather than failing.
TrainingMemorySetup memory_setup(const FitConfig& config, const FitOptions& options,
                                 const std::vector<Device>& devices, const std::string& kvstore,
                                 const DataPartition& partition, std::string* data_missing);

// "" when `estimate` fits what is `available`, else a sentence with what the
// run needs, what is available and the largest --batch-size that fits.
std::string memory_shortfall(const Symbol& symbol, const TrainingMemorySetup& setup,
                             const MemoryEstimate& estimate, const MemoryAvailable& available);
// The estimate of `setup`, what is free now and the shortfall.
MemoryCheck check_memory(const Symbol& symbol, const TrainingMemorySetup& setup);

// Where --load-epoch's checkpoint is read: --load-prefix, else --model-prefix.
// Rank r > 0 of a dist store reads its own "prefix-r" files where it saved
// them, as fit.py's _load_model does: its .states hold its own data order.
std::string load_prefix(const FitConfig& config, int rank);

}  // namespace fitbench
