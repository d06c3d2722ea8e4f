// FitConfig: a run's arguments resolved once into typed values, with the
// rules that derive from them (the sample shape, the classes, the epoch to
// begin from, the batches of an epoch) written in one place. FitArgs is the
// text of the arguments as the command line, the form and experiment files
// carry them; the core, the application and the programs read a FitConfig.
//
// Fields are named after the arguments (--lr-step-epochs: lr_step_epochs) and
// listed in --help order. An argument that can be None is a std::optional,
// or a string that is "" for None.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fitbench/device.h"
#include "fitbench/fit_args.h"
#include "fitbench/models.h"

namespace fitbench {

// Fashion-MNIST, the default data set: 10 classes of 1x28x28 images.
inline constexpr int kDefaultNumClasses = 10;
inline const std::vector<int> kDefaultImageShape{1, 28, 28};

// fit.py's get_epoch_size: the batches each of `workers` workers takes per
// epoch of `num_examples` samples, ceil(floor(num_examples / workers) / batch_size).
int64_t epoch_size(int64_t num_examples, int workers, int batch_size);

// fit.py's --gpus rule: "0,2,5" -> gpu(0), gpu(2), gpu(5); "" -> the CPU.
std::vector<Device> devices_of(const std::string& gpus);
// devices_of(gpus), after checking that this build and machine have those
// GPUs; the Error names `argument` (the option that gave them) and says what to do.
std::vector<Device> usable_devices(const std::string& gpus, const std::string& argument = "--gpus");

struct FitConfig {
  // Network
  std::string network;
  std::optional<int> num_layers;
  bool use_batch_norm = false;
  double alpha = 1.0;
  double multiplier = 1.0;
  std::string initializer;
  std::string dtype;
  bool summary = false;

  // Data
  std::string data_train;
  std::string data_train_idx;
  std::string data_val;
  std::string data_val_idx;
  std::vector<double> rgb_mean;
  std::vector<double> rgb_std;
  int pad_size = 0;
  int fill_value = 0;
  std::optional<std::vector<int>> image_shape;  // (channels, height, width)
  std::optional<int> num_classes;
  std::optional<int> num_examples;
  int data_nthreads = 0;
  int64_t max_image_pixels = 0;
  int64_t image_cache_mb = 0;
  bool benchmark = false;

  // Augmentation
  int random_crop = 0;
  int random_mirror = 0;
  int max_random_h = 0;
  int max_random_s = 0;
  int max_random_l = 0;
  std::optional<double> min_random_aspect_ratio;
  double max_random_aspect_ratio = 0;
  int max_random_rotate_angle = 0;
  double max_random_shear_ratio = 0;
  double max_random_scale = 1;
  double min_random_scale = 1;
  double max_random_area = 1;
  double min_random_area = 1;
  int min_crop_size = -1;
  int max_crop_size = -1;
  double brightness = 0;
  double contrast = 0;
  double saturation = 0;
  double pca_noise = 0;
  int random_resized_crop = 0;

  // Devices and kvstore
  std::string gpus;  // "0,1" as given; "" for the CPU
  std::string kv_store;
  std::string gc_type;
  double gc_threshold = 0;
  double dist_timeout = 0;

  // Optimizer and schedule
  int batch_size = 0;
  int num_epochs = 0;
  std::string optimizer;
  std::string optimizer_params;                      // "beta1=0.8,epsilon=1e-7"
  std::map<std::string, double> optimizer_settings;  // the same parsed (OptimizerSettings); {} when bad
  double lr = 0;
  double mom = 0;
  double wd = 0;
  double clip_gradient = 0;
  double lr_factor = 0;
  std::string lr_step_epochs;  // as given: "30,60", or "pow<p>" for a power schedule
  std::optional<double> lr_step_power;  // p of "pow<p>"
  std::vector<int> lr_step_epoch_list;  // the epochs of "30,60" (empty for pow<p> or None)
  std::string lr_scheduler;
  int lr_warmup_steps = 0;
  double lr_warmup_begin = 0;
  std::string lr_warmup_mode;
  int macrobatch_size = 0;
  int warmup_epochs = 0;
  std::string warmup_strategy;

  // Checkpoints and monitor
  std::string model_prefix;
  int save_period = 1;
  std::optional<int> load_epoch;
  std::string load_prefix;
  int disp_batches = 0;
  int monitor = 0;
  std::string on_nonfinite;
  int top_k = 0;
  std::string loss;
  std::string run_dir;  // "" for fit()'s default, runs/<network>-<time>
  bool tensorboard = true;  // event files in <run dir>/tb

  // Other
  int seed = 0;
  bool test_io = false;
  std::string profile_worker_suffix;
  std::string profile_server_suffix;

  // Resolves every argument. Throws ArgError naming the argument when one
  // that needs a value has none.
  static FitConfig resolve(const FitArgs& args);

  // (channels, height, width) of a sample: --image-shape, or Fashion-MNIST's.
  std::vector<int> sample_shape() const { return image_shape.value_or(kDefaultImageShape); }
  std::string sample_shape_text() const;  // "1,28,28", for messages
  // The classes a trained network has: --num-classes, or Fashion-MNIST's 10.
  // (A model being scored has its own: there a named count is checked
  // against it, and num_classes stays optional.)
  int classes() const { return num_classes.value_or(kDefaultNumClasses); }
  // --image-cache-mb in bytes: the decoded images a run may keep.
  int64_t image_cache_bytes() const { return image_cache_mb << 20; }
  // The epoch training starts from: --load-epoch, or 0.
  int begin_epoch() const { return load_epoch.value_or(0); }
  // epoch_size() of --num-examples for one of `workers` workers; 0 when
  // --num-examples is None (the data decides).
  int64_t batches_per_epoch(int workers = 1) const;
  // Where the run writes config.json, log.txt and metrics.jsonl: --run-dir;
  // else the directory of --model-prefix (where the checkpoint browser looks
  // for them); else a new runs/<network>-<YYYYmmdd-HHMMSS>, with -2, -3, ...
  // when that name is taken.
  std::string run_directory() const;
  // run_directory(), made when it is a new runs/<network>-<time>: making it
  // takes the name, so two runs started in the same second get two.
  std::string claim_run_directory() const;
  // Neither --run-dir nor --model-prefix: each run gets a new directory.
  bool names_new_run_directory() const { return run_dir.empty() && model_prefix.empty(); }
  // What --network's builder reads: the image shape only when given (a
  // builder without one uses its own default resolution).
  NetworkConfig network_config() const;
  // The names of the classes of the data when it is the default
  // (Fashion-MNIST: neither --data-train nor --data-val given); empty for
  // other data, whose names come from a synset.txt.
  std::vector<std::string> default_class_names() const;
};

}  // namespace fitbench
