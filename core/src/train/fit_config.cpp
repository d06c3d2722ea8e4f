#include "fitbench/fit_config.h"

#include <cmath>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "fitbench/data_iter.h"
#include "fitbench/gpu_module.h"
#include "fitbench/optimizer.h"

namespace fitbench {
namespace {

template <class T>
std::optional<T> optional_of(const FitArgs& args, const std::string& name, T (FitArgs::*get)(const std::string&) const) {
  return args.is_set(name) ? std::optional<T>((args.*get)(name)) : std::nullopt;
}

// runs/<network>-<YYYYmmdd-HHMMSS>, with -2, -3, ... when that is taken;
// `make` creates it, which decides between runs that pick it at once.
std::string new_run_directory(const std::string& network, bool make) {
  namespace fs = std::filesystem;
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char time[32];
  std::strftime(time, sizeof time, "%Y%m%d-%H%M%S", &local);
  const std::string base = "runs/" + (network.empty() ? std::string("run") : network) + "-" + time;
  std::error_code ec;
  if (make) fs::create_directories("runs", ec);
  for (int n = 1;; ++n) {
    const std::string dir = n == 1 ? base : base + "-" + std::to_string(n);
    if (!make ? !fs::exists(dir) : fs::create_directory(dir, ec)) return dir;
    // Unwritable: the run's own attempt to write there says why.
    if (make && ec) return dir;
  }
}

}  // namespace

std::vector<Device> devices_of(const std::string& gpus) {
  if (gpus.empty()) return {Device::cpu()};
  std::vector<Device> devices;
  std::istringstream list(gpus);
  for (std::string id; std::getline(list, id, ',');) devices.push_back(Device::gpu(std::stoi(id)));
  return devices;
}

std::vector<Device> usable_devices(const std::string& gpus, const std::string& argument) {
  if (gpus.empty()) return {Device::cpu()};
  const std::string given = argument + " " + gpus;
  const GpuModuleStatus& module = gpu_module_status();
  if (!module.loaded) fail(given, ": ", module.reason, "; or leave ", argument, " out to run on the CPU");
  const int usable = usable_gpu_count();
  if (usable == 0)
    fail(given, ": CUDA finds no usable GPU on this machine (no NVIDIA driver or GPU); leave ", argument,
         " out to run on the CPU");
  const std::vector<Device> devices = devices_of(gpus);
  for (const Device& d : devices)
    if (d.id >= usable)
      fail(given, ": there is no ", d.str(), " (this machine has ", usable, " usable GPU(s)); pick GPUs from 0 to ",
           usable - 1, " or leave ", argument, " out to run on the CPU");
  return devices;
}

FitConfig FitConfig::resolve(const FitArgs& a) {
  FitConfig c;
  c.network = a.get_string("network");
  c.num_layers = optional_of<int>(a, "num-layers", &FitArgs::get_int);
  c.use_batch_norm = a.get_int("use-batch-norm") != 0;
  c.alpha = a.get_float("alpha");
  c.multiplier = a.get_float("multiplier");
  c.initializer = a.get_string("initializer");
  c.dtype = a.get_string("dtype");
  c.summary = a.get_int("summary") != 0;

  c.data_train = a.get_string("data-train");
  c.data_train_idx = a.get_string("data-train-idx");
  c.data_val = a.get_string("data-val");
  c.data_val_idx = a.get_string("data-val-idx");
  c.rgb_mean = a.get_float_list("rgb-mean");
  c.rgb_std = a.get_float_list("rgb-std");
  c.pad_size = a.get_int("pad-size");
  c.fill_value = a.get_int("fill-value");
  c.image_shape = optional_of<std::vector<int>>(a, "image-shape", &FitArgs::get_int_list);
  c.num_classes = optional_of<int>(a, "num-classes", &FitArgs::get_int);
  c.num_examples = optional_of<int>(a, "num-examples", &FitArgs::get_int);
  c.data_nthreads = a.get_int("data-nthreads");
  c.max_image_pixels = a.get_int("max-image-pixels");
  c.image_cache_mb = a.get_int("image-cache-mb");
  c.benchmark = a.get_int("benchmark") != 0;

  c.random_crop = a.get_int("random-crop");
  c.random_mirror = a.get_int("random-mirror");
  c.max_random_h = a.get_int("max-random-h");
  c.max_random_s = a.get_int("max-random-s");
  c.max_random_l = a.get_int("max-random-l");
  c.min_random_aspect_ratio = optional_of<double>(a, "min-random-aspect-ratio", &FitArgs::get_float);
  c.max_random_aspect_ratio = a.get_float("max-random-aspect-ratio");
  c.max_random_rotate_angle = a.get_int("max-random-rotate-angle");
  c.max_random_shear_ratio = a.get_float("max-random-shear-ratio");
  c.max_random_scale = a.get_float("max-random-scale");
  c.min_random_scale = a.get_float("min-random-scale");
  c.max_random_area = a.get_float("max-random-area");
  c.min_random_area = a.get_float("min-random-area");
  c.min_crop_size = a.get_int("min-crop-size");
  c.max_crop_size = a.get_int("max-crop-size");
  c.brightness = a.get_float("brightness");
  c.contrast = a.get_float("contrast");
  c.saturation = a.get_float("saturation");
  c.pca_noise = a.get_float("pca-noise");
  c.random_resized_crop = a.get_int("random-resized-crop");

  c.gpus = a.get_string("gpus");
  c.kv_store = a.get_string("kv-store");
  c.gc_type = a.get_string("gc-type");
  c.gc_threshold = a.get_float("gc-threshold");
  c.dist_timeout = a.get_float("dist-timeout");

  c.batch_size = a.get_int("batch-size");
  c.num_epochs = a.get_int("num-epochs");
  c.optimizer = a.get_string("optimizer");
  c.optimizer_params = a.get_string("optimizer-params");
  // A bad --optimizer-params is one of start_problems(), which fit() and
  // the programs check before anything starts; resolving still succeeds.
  try {
    c.optimizer_settings = parse_optimizer_settings(c.optimizer, c.optimizer_params);
  } catch (const SettingError&) {
    c.optimizer_settings.clear();
  }
  c.lr = a.get_float("lr");
  c.mom = a.get_float("mom");
  c.wd = a.get_float("wd");
  c.clip_gradient = a.get_float("clip-gradient");
  c.lr_factor = a.get_float("lr-factor");
  c.lr_step_epochs = a.get_string("lr-step-epochs");
  c.lr_step_power = lr_step_epochs_power(c.lr_step_epochs);
  if (!c.lr_step_power) c.lr_step_epoch_list = a.get_int_list("lr-step-epochs");
  c.lr_scheduler = a.get_string("lr-scheduler");
  c.lr_warmup_steps = a.get_int("lr-warmup-steps");
  c.lr_warmup_begin = a.get_float("lr-warmup-begin");
  c.lr_warmup_mode = a.get_string("lr-warmup-mode");
  c.macrobatch_size = a.get_int("macrobatch-size");
  c.warmup_epochs = a.get_int("warmup-epochs");
  c.warmup_strategy = a.get_string("warmup-strategy");

  c.model_prefix = a.get_string("model-prefix");
  c.save_period = a.get_int("save-period");
  c.load_epoch = optional_of<int>(a, "load-epoch", &FitArgs::get_int);
  c.load_prefix = a.get_string("load-prefix");
  c.disp_batches = a.get_int("disp-batches");
  c.monitor = a.get_int("monitor");
  c.on_nonfinite = a.get_string("on-nonfinite");
  c.top_k = a.get_int("top-k");
  c.loss = a.get_string("loss");
  c.run_dir = a.get_string("run-dir");
  c.tensorboard = a.get_int("tensorboard") != 0;

  c.seed = a.get_int("seed");
  c.test_io = a.get_int("test-io") != 0;
  c.profile_worker_suffix = a.get_string("profile-worker-suffix");
  c.profile_server_suffix = a.get_string("profile-server-suffix");
  return c;
}

std::string FitConfig::sample_shape_text() const {
  std::string text;
  for (int d : sample_shape()) text += (text.empty() ? "" : ",") + std::to_string(d);
  return text;
}

int64_t epoch_size(int64_t num_examples, int workers, int batch_size) {
  const int64_t per_worker = num_examples / workers;
  return static_cast<int64_t>(std::ceil(double(per_worker) / double(batch_size)));
}

int64_t FitConfig::batches_per_epoch(int workers) const {
  if (!num_examples || batch_size <= 0 || workers <= 0) return 0;
  return epoch_size(*num_examples, workers, batch_size);
}

std::string FitConfig::run_directory() const {
  namespace fs = std::filesystem;
  if (!run_dir.empty()) return run_dir;
  if (!model_prefix.empty()) {
    const std::string parent = fs::path(model_prefix).parent_path().string();
    return parent.empty() ? "." : parent;
  }
  return new_run_directory(network, false);
}

std::string FitConfig::claim_run_directory() const {
  return names_new_run_directory() ? new_run_directory(network, true) : run_directory();
}

std::vector<std::string> FitConfig::default_class_names() const {
  if (!data_train.empty() || !data_val.empty()) return {};
  return fashion_mnist_class_names();
}

NetworkConfig FitConfig::network_config() const {
  NetworkConfig n;
  n.num_classes = classes();
  n.num_layers = num_layers.value_or(0);
  if (image_shape) n.image_shape = *image_shape;
  n.batch_norm = use_batch_norm;
  n.alpha = static_cast<float>(alpha);
  n.multiplier = multiplier;
  return n;
}

}  // namespace fitbench
