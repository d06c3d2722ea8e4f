// The table of fit arguments and what their values mean: MXNet 1.9.1's
// fit.py / data.py arguments (docs/mxnet-compatibility.md section 2) plus fitbench's
// extensions, the checks on each, and Python's int() / float() / repr(float)
// so that values read and print exactly as they do under argparse.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <string>
#include <unordered_map>
#include <utility>

#include "fitbench/fit_args.h"
#include "fitbench/image_codec.h"
#include "fitbench/models.h"
#include "fitbench/optimizer.h"
#include "train/pyformat.h"

namespace fitbench {

namespace {

using Validator = std::function<std::optional<std::string>(const std::string&)>;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// PEP 515: int() and float() accept single underscores between digits. Returns
// the text without them, or nullopt when an underscore sits anywhere else.
std::optional<std::string> drop_digit_underscores(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '_') {
      out += s[i];
      continue;
    }
    if (i == 0 || i + 1 == s.size() || !is_digit(s[i - 1]) || !is_digit(s[i + 1])) return std::nullopt;
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// from_chars reports overflow and underflow alike; Python's float() gives
// +-inf for the first and +-0 for the second. The decimal exponent of the
// leading digit tells them apart (only extremes are out of range).
double out_of_range_value(std::string_view digits) {
  const size_t e = digits.find_first_of("eE");
  long long exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view exp_text = digits.substr(e + 1);
    if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
    const auto [ptr, ec] = std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
    if (ec == std::errc::result_out_of_range)
      exponent = exp_text.front() == '-' ? LLONG_MIN / 2 : LLONG_MAX / 2;
  }
  const std::string_view mantissa = digits.substr(0, e);
  const size_t point = std::min(mantissa.find('.'), mantissa.size());
  const size_t first_nonzero = mantissa.find_first_not_of("0.");
  const long long lead = first_nonzero < point ? static_cast<long long>(point - first_nonzero)
                                               : -static_cast<long long>(first_nonzero - point - 1);
  return lead + exponent > 0 ? HUGE_VAL : 0.0;
}

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t comma = s.find(',', start);
    parts.push_back(s.substr(start, comma - start));
    if (comma == std::string_view::npos) return parts;
    start = comma + 1;
  }
}

// Bounds in messages read as the row wrote them ("must be >= 0").
Validator int_at_least(long long lo) {
  return [lo](const std::string& text) -> std::optional<std::string> {
    if (*parse_python_int(text) < lo) return "must be >= " + std::to_string(lo) + ", got " + text;
    return std::nullopt;
  };
}

Validator int_between(long long lo, long long hi) {
  return [lo, hi](const std::string& text) -> std::optional<std::string> {
    const long long v = *parse_python_int(text);
    if (v < lo || v > hi) {
      return "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + text;
    }
    return std::nullopt;
  };
}

// Flags that fit.py tests for truth; 0 / 1 only, so a GUI check box shows them.
Validator int_flag() {
  return [](const std::string& text) -> std::optional<std::string> {
    const long long v = *parse_python_int(text);
    if (v != 0 && v != 1) return "must be 0 or 1, got " + text;
    return std::nullopt;
  };
}

// Non-finite values pass Python's float() but make no sense for any argument.
std::optional<std::string> not_finite(const std::string& text, double v) {
  if (!std::isfinite(v)) return "must be a finite number, got " + text;
  return std::nullopt;
}

Validator finite_float() {
  return [](const std::string& text) { return not_finite(text, *parse_python_float(text)); };
}

Validator float_at_least(std::string lo_text) {
  return [lo_text](const std::string& text) -> std::optional<std::string> {
    const double v = *parse_python_float(text);
    if (auto bad = not_finite(text, v)) return bad;
    if (v < *parse_python_float(lo_text)) return "must be >= " + lo_text + ", got " + text;
    return std::nullopt;
  };
}

Validator float_above(std::string lo_text) {
  return [lo_text](const std::string& text) -> std::optional<std::string> {
    const double v = *parse_python_float(text);
    if (auto bad = not_finite(text, v)) return bad;
    if (v <= *parse_python_float(lo_text)) return "must be > " + lo_text + ", got " + text;
    return std::nullopt;
  };
}

Validator float_between(std::string lo_text, std::string hi_text) {
  return [lo_text, hi_text](const std::string& text) -> std::optional<std::string> {
    const double v = *parse_python_float(text);
    if (auto bad = not_finite(text, v)) return bad;
    if (v < *parse_python_float(lo_text) || v > *parse_python_float(hi_text)) {
      return "must be between " + lo_text + " and " + hi_text + ", got " + text;
    }
    return std::nullopt;
  };
}

// --gpus: "" means the CPU (fit.py tests args.gpus == "").
std::optional<std::string> check_gpus(const std::string& text) {
  if (text.empty()) return std::nullopt;
  for (std::string_view part : split_commas(text)) {
    const auto id = parse_python_int(part);
    if (!id || *id < 0 || *id > INT_MAX) {
      return "must be a comma list of GPU ids such as 0 or 0,2,5 (empty for the CPU), got '" + text + "'";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_image_shape(const std::string& text) {
  const auto parts = split_commas(text);
  const bool ok = parts.size() == 3 && std::ranges::all_of(parts, [](std::string_view p) {
                    const auto v = parse_python_int(p);
                    return v && *v >= 1 && *v <= INT_MAX;
                  });
  if (!ok) return "must be channels,height,width such as 3,224,224, got '" + text + "'";
  return std::nullopt;
}

std::optional<std::string> check_number_list(const std::string& text, bool positive) {
  for (std::string_view part : split_commas(text)) {
    const auto v = parse_python_float(part);
    if (!v || !std::isfinite(*v) || (positive && *v <= 0)) {
      return std::string("must be a comma list of ") + (positive ? "positive " : "") +
             "numbers, one per channel, got '" + text + "'";
    }
  }
  return std::nullopt;
}

// re.sub('pow[- ]*', '', text) as fit.py applies it when the text holds
// "pow": every "pow" goes with the dashes and spaces after it, so "pow-2" is a
// power of 2, not -2.
std::string strip_pow(const std::string& text) {
  std::string rest;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, "pow") == 0) {
      i += 3;
      while (i < text.size() && (text[i] == '-' || text[i] == ' ')) ++i;
    } else {
      rest += text[i++];
    }
  }
  return rest;
}

// fit.py's rule: a text holding "pow" selects PolyScheduler; otherwise the
// epochs feed MultiFactorScheduler, which wants them >= 1 and increasing.
std::optional<std::string> check_lr_step_epochs(const std::string& text) {
  const std::string shape =
      "must be increasing epochs such as 30,60 or pow<power> such as pow2, got '" + text + "'";
  if (text.find("pow") != std::string::npos) {
    const auto power = parse_python_float(strip_pow(text));
    if (!power) return shape;
    if (!std::isfinite(*power) || *power <= 0)
      return "the power must be a positive number, got '" + text + "'";
    return std::nullopt;
  }
  long long previous = 0;
  for (std::string_view part : split_commas(text)) {
    const auto epoch = parse_python_int(part);
    if (!epoch || *epoch < 1 || *epoch > INT_MAX || *epoch <= previous) return shape;
    previous = *epoch;
  }
  return std::nullopt;
}

std::optional<std::string> check_network(const std::string& text) {
  const auto names = network_names();
  if (std::find(names.begin(), names.end(), text) != names.end()) return std::nullopt;
  return "no network '" + text + "': choose from " + comma_list(names);
}

// MXNet's optimizer registry ignores case ("SGD" is sgd).
std::optional<std::string> check_optimizer(const std::string& text) {
  std::string key = text;
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto names = Optimizer::supported();
  if (std::find(names.begin(), names.end(), key) != names.end()) return std::nullopt;
  return "fitbench implements " + comma_list(names) + " (case-insensitive), not '" + text + "'";
}

// Each optimizer's own settings with their defaults, for --optimizer-params.
std::string optimizer_params_help() {
  std::string text =
      "the optimizer's own hyper-parameters, as MXNet's Module.fit takes optimizer_params, such as "
      "beta1=0.8,epsilon=1e-7 (checked against --optimizer); each optimizer's, with their defaults:";
  for (const std::string& name : Optimizer::supported()) {
    const auto& settings = Optimizer::settings_of(name);
    if (settings.empty()) continue;
    text += " " + name + ":";
    for (size_t i = 0; i < settings.size(); ++i)
      text += (i ? ", " : " ") + settings[i].name + "=" + settings[i].default_text;
    text += ";";
  }
  text.back() = '.';
  return text;
}

// fit.py accepts ce, nll and nll_loss, comma separated; it only warns about
// anything else, which we reject so that a typo does not go unnoticed.
std::optional<std::string> check_loss(const std::string& text) {
  if (text.empty()) return std::nullopt;
  for (std::string_view part : split_commas(text)) {
    const std::string_view name = trim(part);
    if (name != "ce" && name != "nll" && name != "nll_loss") {
      return "must be ce, nll or nll_loss (comma separated for several), got '" + text + "'";
    }
  }
  return std::nullopt;
}

// Each row names only the fields it sets; the others keep their defaults.
// GCC 12 warns about the omitted ones even in designated initializers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
std::vector<ArgSpec> build_schema() {
  // MXNet's argparse groups.
  const std::string training = "Training";
  const std::string data = "Data";
  const std::string augmentations = "Image augmentations";
  const std::string extension = "fitbench";
  // fitbench's groups, in --help order.
  const std::string network_group = "Network";
  const std::string data_group = "Data";
  const std::string aug_group = "Augmentation";
  const std::string devices_group = "Devices & KVStore";
  const std::string optimizer_group = "Optimizer & Schedule";
  const std::string checkpoint_group = "Checkpoints & Monitor";
  const std::string other_group = "Other";

  using enum ArgType;

  // Float rows with integer defaults ("1", "0") keep them: data.py writes
  // default=1 for a type=float argument and argparse leaves non-string
  // defaults alone, so Namespace shows max_random_scale=1.
  std::vector<ArgSpec> rows = {
      // Network
      {.name = "network",
       .type = String,
       .default_value = std::nullopt,
       .help = "the neural network to use: " + comma_list(network_names()),
       .group = network_group,
       .validate = check_network,
       .mxnet_group = training,
       .suggestions = network_names()},
      {.name = "num-layers",
       .type = Int,
       .default_value = std::nullopt,
       .help = "number of layers in the neural network, required by some networks such as resnet",
       .group = network_group,
       .validate = int_at_least(1),
       .mxnet_group = training},
      // Keyword arguments of the symbols' get_symbol that train_*.py pass
      // through **vars(args) but never define as options.
      // Not --batch-norm, which would make fit.py's abbreviation --batch
      // (for --batch-size) ambiguous.
      {.name = "use-batch-norm",
       .type = Int,
       .default_value = "0",
       .help = "vgg: 1 adds a BatchNorm after every convolution (get_symbol's batch_norm)",
       .group = network_group,
       .validate = int_flag(),
       .mxnet_group = extension},
      {.name = "alpha",
       .type = Float,
       .default_value = "1.0",
       .help = "mobilenet: width multiplier, one of 0.25, 0.5, 0.75, 1.0 (get_symbol's alpha)",
       .group = network_group,
       .validate = float_above("0"),
       .mxnet_group = extension},
      {.name = "multiplier",
       .type = Float,
       .default_value = "1.0",
       .help = "mobilenetv2: width multiplier of every layer's channels (get_symbol's multiplier)",
       .group = network_group,
       .validate = float_above("0"),
       .mxnet_group = extension},
      {.name = "initializer",
       .type = String,
       .default_value = "default",
       .help = "the initializer type; default is Normal for alexnet, Xavier for vgg and Xavier(gaussian, "
               "in, 2) for the rest",
       .group = network_group,
       .choices = {"default", "xavier", "msra", "orthogonal", "normal", "uniform", "one", "zero"},
       .mxnet_group = training},
      {.name = "dtype",
       .type = String,
       .default_value = "float32",
       .help = "precision: float32 or float16",
       .group = network_group,
       .choices = {"float32", "float16"},
       .mxnet_group = training},
      {.name = "summary",
       .type = Int,
       .default_value = "0",
       .help = "1 prints the network (layers, output shapes, parameter counts) and exits without training",
       .group = network_group,
       .validate = int_flag(),
       .mxnet_group = extension},

      // Data
      {.name = "data-train",
       .type = String,
       .default_value = std::nullopt,
       .help = "the training data",
       .group = data_group,
       .mxnet_group = data,
       .path = ArgSpec::Path::FileOrFolder},
      {.name = "data-train-idx",
       .type = String,
       .default_value = "",
       .help = "the index of training data",
       .group = data_group,
       .mxnet_group = data,
       .path = ArgSpec::Path::File},
      {.name = "data-val",
       .type = String,
       .default_value = std::nullopt,
       .help = "the validation data",
       .group = data_group,
       .mxnet_group = data,
       .path = ArgSpec::Path::FileOrFolder},
      {.name = "data-val-idx",
       .type = String,
       .default_value = "",
       .help = "the index of validation data",
       .group = data_group,
       .mxnet_group = data,
       .path = ArgSpec::Path::File},
      {.name = "rgb-mean",
       .type = String,
       .default_value = "123.68,116.779,103.939",
       .help = "a tuple of size 3 for the mean rgb",
       .group = data_group,
       .validate = [](const std::string& t) { return check_number_list(t, false); },
       .mxnet_group = data},
      {.name = "rgb-std",
       .type = String,
       .default_value = "1,1,1",
       .help = "a tuple of size 3 for the std rgb",
       .group = data_group,
       .validate = [](const std::string& t) { return check_number_list(t, true); },
       .mxnet_group = data},
      {.name = "pad-size",
       .type = Int,
       .default_value = "0",
       .help = "padding the input image",
       .group = data_group,
       .validate = int_at_least(0),
       .mxnet_group = data},
      {.name = "fill-value",
       .type = Int,
       .default_value = "127",
       .help = "Set the padding pixels value to fill_value",
       .group = data_group,
       .validate = int_between(0, 255),
       .mxnet_group = data},
      {.name = "image-shape",
       .type = String,
       .default_value = std::nullopt,
       .help = "the image shape feed into the network, e.g. 3,224,224",
       .group = data_group,
       .validate = check_image_shape,
       .mxnet_group = data},
      {.name = "num-classes",
       .type = Int,
       .default_value = std::nullopt,
       .help = "the number of classes",
       .group = data_group,
       .validate = int_at_least(1),
       .mxnet_group = data},
      {.name = "num-examples",
       .type = Int,
       .default_value = std::nullopt,
       .help = "the number of training examples",
       .group = data_group,
       .validate = int_at_least(1),
       .mxnet_group = data},
      {.name = "data-nthreads",
       .type = Int,
       .default_value = "4",
       .help = "number of threads for data decoding",
       .group = data_group,
       .validate = int_at_least(1),
       .mxnet_group = data},
      {.name = "max-image-pixels",
       .type = Int,
       .default_value = std::to_string(kDefaultMaxImagePixels),
       .help = "images with more pixels are skipped with a warning, like corrupt ones, before they are decoded",
       .group = data_group,
       .validate = int_at_least(1),
       .mxnet_group = extension},
      {.name = "image-cache-mb",
       .type = Int,
       .default_value = "256",
       .help = "MiB of main memory that keep decoded .rec and folder images for the epochs after the first, "
               "so small images are not decoded again every epoch; 0 decodes every epoch",
       .group = data_group,
       .validate = int_at_least(0),
       .mxnet_group = extension},
      {.name = "benchmark",
       .type = Int,
       .default_value = "0",
       .help = "if 1, then feed the network with synthetic data",
       .group = data_group,
       .validate = int_flag(),
       .mxnet_group = data},

      // Augmentation
      {.name = "random-crop",
       .type = Int,
       .default_value = "0",
       .help = "if or not randomly crop the image",
       .group = aug_group,
       .validate = int_flag(),
       .mxnet_group = augmentations},
      {.name = "random-mirror",
       .type = Int,
       .default_value = "0",
       .help = "if or not randomly flip horizontally",
       .group = aug_group,
       .validate = int_flag(),
       .mxnet_group = augmentations},
      {.name = "max-random-h",
       .type = Int,
       .default_value = "0",
       .help = "max change of hue, whose range is [0, 180]",
       .group = aug_group,
       .validate = int_between(0, 180),
       .mxnet_group = augmentations},
      {.name = "max-random-s",
       .type = Int,
       .default_value = "0",
       .help = "max change of saturation, whose range is [0, 255]",
       .group = aug_group,
       .validate = int_between(0, 255),
       .mxnet_group = augmentations},
      {.name = "max-random-l",
       .type = Int,
       .default_value = "0",
       .help = "max change of intensity, whose range is [0, 255]",
       .group = aug_group,
       .validate = int_between(0, 255),
       .mxnet_group = augmentations},
      {.name = "min-random-aspect-ratio",
       .type = Float,
       .default_value = std::nullopt,
       .help = "min value of aspect ratio, whose value is either None or a positive value.",
       .group = aug_group,
       .validate = float_above("0"),
       .mxnet_group = augmentations},
      {.name = "max-random-aspect-ratio",
       .type = Float,
       .default_value = "0",
       .help = "max value of aspect ratio. If min_random_aspect_ratio is None, the aspect ratio range is "
               "[1-max_random_aspect_ratio, 1+max_random_aspect_ratio], otherwise it is "
               "[min_random_aspect_ratio, max_random_aspect_ratio].",
       .group = aug_group,
       .validate = float_at_least("0"),
       .mxnet_group = augmentations},
      {.name = "max-random-rotate-angle",
       .type = Int,
       .default_value = "0",
       .help = "max angle to rotate, whose range is [0, 360]",
       .group = aug_group,
       .validate = int_between(0, 360),
       .mxnet_group = augmentations},
      {.name = "max-random-shear-ratio",
       .type = Float,
       .default_value = "0",
       .help = "max ratio to shear, whose range is [0, 1]",
       .group = aug_group,
       .validate = float_between("0", "1"),
       .mxnet_group = augmentations},
      {.name = "max-random-scale",
       .type = Float,
       .default_value = "1",
       .help = "max ratio to scale",
       .group = aug_group,
       .validate = float_above("0"),
       .mxnet_group = augmentations},
      {.name = "min-random-scale",
       .type = Float,
       .default_value = "1",
       .help = "min ratio to scale, should >= img_size/input_shape. otherwise use --pad-size",
       .group = aug_group,
       .validate = float_above("0"),
       .mxnet_group = augmentations},
      {.name = "max-random-area",
       .type = Float,
       .default_value = "1",
       .help = "max area to crop in random resized crop, whose range is [0, 1]",
       .group = aug_group,
       .validate = float_between("0", "1"),
       .mxnet_group = augmentations},
      {.name = "min-random-area",
       .type = Float,
       .default_value = "1",
       .help = "min area to crop in random resized crop, whose range is [0, 1]",
       .group = aug_group,
       .validate = float_between("0", "1"),
       .mxnet_group = augmentations},
      {.name = "min-crop-size",
       .type = Int,
       .default_value = "-1",
       .help = "Crop both width and height into a random size in [min_crop_size, max_crop_size]; -1: off",
       .group = aug_group,
       .validate = int_at_least(-1),
       .mxnet_group = augmentations},
      {.name = "max-crop-size",
       .type = Int,
       .default_value = "-1",
       .help = "Crop both width and height into a random size in [min_crop_size, max_crop_size]; -1: off",
       .group = aug_group,
       .validate = int_at_least(-1),
       .mxnet_group = augmentations},
      {.name = "brightness",
       .type = Float,
       .default_value = "0",
       .help = "brightness jittering, whose range is [0, 1]",
       .group = aug_group,
       .validate = float_between("0", "1"),
       .mxnet_group = augmentations},
      {.name = "contrast",
       .type = Float,
       .default_value = "0",
       .help = "contrast jittering, whose range is [0, 1]",
       .group = aug_group,
       .validate = float_between("0", "1"),
       .mxnet_group = augmentations},
      {.name = "saturation",
       .type = Float,
       .default_value = "0",
       .help = "saturation jittering, whose range is [0, 1]",
       .group = aug_group,
       .validate = float_between("0", "1"),
       .mxnet_group = augmentations},
      {.name = "pca-noise",
       .type = Float,
       .default_value = "0",
       .help = "pca noise, whose range is [0, 1]",
       .group = aug_group,
       .validate = float_between("0", "1"),
       .mxnet_group = augmentations},
      {.name = "random-resized-crop",
       .type = Int,
       .default_value = "0",
       .help = "whether to use random resized crop",
       .group = aug_group,
       .validate = int_flag(),
       .mxnet_group = augmentations},

      // Devices & KVStore
      {.name = "gpus",
       .type = String,
       .default_value = std::nullopt,
       .help = "list of gpus to run, e.g. 0 or 0,2,5. empty means using cpu",
       .group = devices_group,
       .validate = check_gpus,
       .mxnet_group = training},
      {.name = "kv-store",
       .type = String,
       .default_value = "device",
       .help = "key-value store type; the dist_* types need one process per worker: mpirun -np <workers> "
               "fitbench-cli ... --kv-store dist_sync",
       .group = devices_group,
       .choices = {"local", "device", "nccl", "dist_sync", "dist_device_sync", "dist_async"},
       .mxnet_group = training},
      {.name = "gc-type",
       .type = String,
       .default_value = "none",
       .help = "type of gradient compression to use, takes `2bit` or `none` for now (dist_* kvstores)",
       .group = devices_group,
       .choices = {"none", "2bit"},
       .mxnet_group = training},
      {.name = "gc-threshold",
       .type = Float,
       .default_value = "0.5",
       .help = "threshold for 2bit gradient compression",
       .group = devices_group,
       .validate = float_above("0"),
       .mxnet_group = training},
      {.name = "dist-timeout",
       .type = Float,
       .default_value = "60.0",
       .help = "dist kvstores: seconds without a heartbeat from a worker (stopped, frozen or cut off by the "
               "network) before the job ends with an error naming it; heartbeats come from a thread of their own, so "
               "slow batches, validation and saves never count",
       .group = devices_group,
       .validate = float_above("0"),
       .mxnet_group = extension},

      // Optimizer & Schedule
      {.name = "batch-size",
       .type = Int,
       .default_value = "128",
       .help = "the batch size (per machine)",
       .group = optimizer_group,
       .validate = int_at_least(1),
       .mxnet_group = training},
      {.name = "num-epochs",
       .type = Int,
       .default_value = "100",
       .help = "max num of epochs",
       .group = optimizer_group,
       .validate = int_at_least(1),
       .mxnet_group = training},
      {.name = "optimizer",
       .type = String,
       .default_value = "sgd",
       .help = "the optimizer type: " + comma_list(Optimizer::supported()) +
               " (MXNet 1.9.1's, case-insensitive); its own settings are --optimizer-params",
       .group = optimizer_group,
       .validate = check_optimizer,
       .mxnet_group = training,
       .suggestions = Optimizer::supported()},
      {.name = "optimizer-params",
       .type = String,
       .default_value = "",
       .help = optimizer_params_help(),
       .group = optimizer_group,
       .mxnet_group = extension},
      {.name = "lr",
       .type = Float,
       .default_value = "0.1",
       .help = "initial learning rate",
       .group = optimizer_group,
       .validate = float_at_least("0"),
       .mxnet_group = training},
      {.name = "mom",
       .type = Float,
       .default_value = "0.9",
       .help = "momentum for sgd, dcasgd, nag, signum and lbsgd (fit.py passes it to those only)",
       .group = optimizer_group,
       .validate = float_at_least("0"),
       .mxnet_group = training},
      {.name = "wd",
       .type = Float,
       .default_value = "0.0001",
       .help = "weight decay for sgd",
       .group = optimizer_group,
       .validate = float_at_least("0"),
       .mxnet_group = training},
      {.name = "clip-gradient",
       .type = Float,
       .default_value = "-1.0",
       .help = "clip each gradient element to [-c, c] after rescaling; negative means no clipping",
       .group = optimizer_group,
       .validate = finite_float(),
       .mxnet_group = extension},
      {.name = "lr-factor",
       .type = Float,
       .default_value = "0.1",
       .help = "the ratio to reduce lr on each step; >= 1 means a constant lr",
       .group = optimizer_group,
       .validate = float_above("0"),
       .mxnet_group = training},
      {.name = "lr-step-epochs",
       .type = String,
       .default_value = std::nullopt,
       .help = "the epochs to reduce the lr, e.g. 30,60; pow2 (any power) decays polynomially instead",
       .group = optimizer_group,
       .validate = check_lr_step_epochs,
       .mxnet_group = training},
      {.name = "lr-scheduler",
       .type = String,
       .default_value = "auto",
       .help = "learning rate schedule: auto does as fit.py (multifactor at --lr-step-epochs, poly for "
               "pow<power>, constant when --lr-factor >= 1); the others force that scheduler",
       .group = optimizer_group,
       .choices = {"auto", "multifactor", "factor", "poly", "cosine"},
       .mxnet_group = extension},
      {.name = "lr-warmup-steps",
       .type = Int,
       .default_value = "0",
       .help = "number of updates to warm the learning rate up over; 0: no warmup",
       .group = optimizer_group,
       .validate = int_at_least(0),
       .mxnet_group = extension},
      {.name = "lr-warmup-begin",
       .type = Float,
       .default_value = "0.0",
       .help = "learning rate at the start of the warmup",
       .group = optimizer_group,
       .validate = float_at_least("0"),
       .mxnet_group = extension},
      {.name = "lr-warmup-mode",
       .type = String,
       .default_value = "linear",
       .help = "warmup shape: linear rises from --lr-warmup-begin to --lr, constant holds --lr-warmup-begin",
       .group = optimizer_group,
       .choices = {"linear", "constant"},
       .mxnet_group = extension},
      {.name = "macrobatch-size",
       .type = Int,
       .default_value = "0",
       .help = "distributed effective batch size",
       .group = optimizer_group,
       .validate = int_at_least(0),
       .mxnet_group = training},
      {.name = "warmup-epochs",
       .type = Int,
       .default_value = "5",
       .help = "the epochs to ramp-up lr to scaled large-batch value",
       .group = optimizer_group,
       .validate = int_at_least(0),
       .mxnet_group = training},
      {.name = "warmup-strategy",
       .type = String,
       .default_value = "linear",
       .help = "the ramping-up strategy for large batch sgd",
       .group = optimizer_group,
       .mxnet_group = training},

      // Checkpoints & Monitor
      {.name = "model-prefix",
       .type = String,
       .default_value = std::nullopt,
       .help = "model prefix",
       .group = checkpoint_group,
       .mxnet_group = training,
       .path = ArgSpec::Path::Prefix},
      {.name = "save-period",
       .type = Int,
       .default_value = "1",
       .help = "params saving period",
       .group = checkpoint_group,
       .validate = int_at_least(1),
       .mxnet_group = training},
      {.name = "load-epoch",
       .type = Int,
       .default_value = std::nullopt,
       .help = "load the model on an epoch using the model-load-prefix",
       .group = checkpoint_group,
       .validate = int_at_least(0),
       .mxnet_group = training},
      {.name = "load-prefix",
       .type = String,
       .default_value = std::nullopt,
       .help =
           "read --load-epoch's checkpoint from this prefix instead of --model-prefix, so a branch of a run "
           "saves under its own prefix and leaves the original's files alone",
       .group = checkpoint_group,
       .mxnet_group = extension,
       .path = ArgSpec::Path::Prefix},
      {.name = "disp-batches",
       .type = Int,
       .default_value = "20",
       .help = "show progress for every n batches",
       .group = checkpoint_group,
       .validate = int_at_least(1),
       .mxnet_group = training},
      {.name = "monitor",
       .type = Int,
       .default_value = "0",
       .help = "log network parameters every N iters if larger than 0",
       .group = checkpoint_group,
       .validate = int_at_least(0),
       .mxnet_group = ""},
      {.name = "on-nonfinite",
       .type = String,
       .default_value = "stop",
       .help =
           "when a batch's loss or gradient is NaN or infinite: stop (exit code 3, naming the first layer at "
           "fault), skip-batch (drop its update and go on) or continue (apply it anyway); no checkpoint with "
           "non-finite weights is ever written",
       .group = checkpoint_group,
       .choices = {"stop", "skip-batch", "continue"},
       .mxnet_group = extension},
      // MXNet's TopKAccuracy asserts k > 1: top-1 is plain accuracy.
      {.name = "top-k",
       .type = Int,
       .default_value = "0",
       .help = "report the top-k accuracy. 0 means no report.",
       .group = checkpoint_group,
       .validate = [](const std::string& text) -> std::optional<std::string> {
         const long long k = *parse_python_int(text);
         if (k < 0 || k == 1) return "must be 0 (no report) or >= 2, got " + text;
         return std::nullopt;
       },
       .mxnet_group = training},
      {.name = "loss",
       .type = String,
       .default_value = "",
       .help = "show the cross-entropy or nll loss. ce stands for cross-entropy, nll-loss stands for "
               "likelihood loss",
       .group = checkpoint_group,
       .validate = check_loss,
       .mxnet_group = training},
      {.name = "run-dir",
       .type = String,
       .default_value = std::nullopt,
       .help = "directory for the run's config.json, log.txt and metrics.jsonl",
       .group = checkpoint_group,
       .mxnet_group = extension,
       .path = ArgSpec::Path::Folder},
      {.name = "tensorboard",
       .type = Int,
       .default_value = "1",
       .help = "1 also writes TensorBoard event files into <run dir>/tb: scalars, the monitored weights' "
               "histograms, and the arguments for the HParams tab; 0 turns them off",
       .group = checkpoint_group,
       .validate = int_flag(),
       .mxnet_group = extension},

      // Other
      {.name = "seed",
       .type = Int,
       .default_value = "0",
       .help = "seed of the random numbers for initialization, shuffling and dropout",
       .group = other_group,
       .validate = int_at_least(0),
       .mxnet_group = extension},
      {.name = "test-io",
       .type = Int,
       .default_value = "0",
       .help = "1 means test reading speed without training",
       .group = other_group,
       .validate = int_flag(),
       .mxnet_group = training},
      {.name = "profile-worker-suffix",
       .type = String,
       .default_value = "",
       .help = "profile workers actions into this file. During distributed training filename saved will be "
               "rank1_ followed by this suffix",
       .group = other_group,
       .mxnet_group = training},
      {.name = "profile-server-suffix",
       .type = String,
       .default_value = "",
       .help = "profile server actions into a file with name like rank1_ followed by this suffix during "
               "distributed training",
       .group = other_group,
       .mxnet_group = training},
  };
  // argparse's metavar: the destination in upper case.
  for (ArgSpec& row : rows) {
    if (!row.metavar.empty()) continue;
    for (char c : row.name) row.metavar += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  }
  return rows;
}
#pragma GCC diagnostic pop

}  // namespace

const std::vector<ArgSpec>& fit_arg_schema() {
  static const std::vector<ArgSpec> schema = build_schema();
  return schema;
}

const ArgSpec* find_arg(const std::string& name) {
  static const std::unordered_map<std::string, const ArgSpec*> index = [] {
    std::unordered_map<std::string, const ArgSpec*> map;
    for (const ArgSpec& spec : fit_arg_schema()) map.emplace(spec.name, &spec);
    return map;
  }();
  const auto it = index.find(name);
  return it == index.end() ? nullptr : it->second;
}

std::optional<long long> parse_python_int(std::string_view text) {
  std::string_view s = trim(text);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || !is_digit(s.front())) return std::nullopt;
  const auto digits = drop_digit_underscores(s);
  if (!digits || !std::ranges::all_of(*digits, is_digit)) return std::nullopt;
  unsigned long long magnitude = 0;
  const auto [ptr, ec] = std::from_chars(digits->data(), digits->data() + digits->size(), magnitude);
  // Python's int has no limit; saturating keeps "too big" distinct from
  // "not a number", and range checks then name the value.
  if (ec == std::errc::result_out_of_range || magnitude > static_cast<unsigned long long>(LLONG_MAX)) {
    return negative ? LLONG_MIN : LLONG_MAX;
  }
  const auto value = static_cast<long long>(magnitude);
  return negative ? -value : value;
}

std::optional<double> parse_python_float(std::string_view text) {
  std::string_view s = trim(text);
  double sign = 1.0;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    sign = s.front() == '-' ? -1.0 : 1.0;
    s.remove_prefix(1);
  }
  const std::string word = lower(s);
  if (word == "inf" || word == "infinity") return sign * HUGE_VAL;
  if (word == "nan") return std::nan("");
  const auto digits = drop_digit_underscores(s);
  // from_chars would also take "nan(...)" and "infinity" spellings handled
  // above; only a plain decimal is left to it.
  if (!digits || digits->empty() || digits->find_first_not_of("0123456789.eE+-") != std::string::npos ||
      !(is_digit(digits->front()) || digits->front() == '.')) {
    return std::nullopt;
  }
  double value = 0;
  const char* end = digits->data() + digits->size();
  const auto [ptr, ec] = std::from_chars(digits->data(), end, value, std::chars_format::general);
  if (ptr != end) return std::nullopt;
  if (ec == std::errc::result_out_of_range) return sign * out_of_range_value(*digits);
  if (ec != std::errc()) return std::nullopt;
  return sign * value;
}

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  // to_chars gives the shortest round-trip digits, as Python's repr does;
  // only the layout differs.
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string_view sci(buffer, static_cast<size_t>(result.ptr - buffer));
  const size_t e = sci.find('e');
  std::string sign;
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c == '-') sign = "-";
    if (is_digit(c)) digits += c;
  }
  int exponent = 0;
  std::string_view exp_text = sci.substr(e + 1);
  if (exp_text.front() == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);

  const auto n = static_cast<int>(digits.size());
  if (exponent < -4 || exponent >= 16) {
    std::string out = sign + digits.substr(0, 1);
    if (n > 1) out += "." + digits.substr(1);
    const std::string magnitude = std::to_string(std::abs(exponent));
    return out + (exponent < 0 ? "e-" : "e+") + (magnitude.size() < 2 ? "0" : "") + magnitude;
  }
  if (exponent < 0) return sign + "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  if (n <= exponent + 1)
    return sign + digits + std::string(static_cast<size_t>(exponent + 1 - n), '0') + ".0";
  return sign + digits.substr(0, static_cast<size_t>(exponent + 1)) + "." +
         digits.substr(static_cast<size_t>(exponent + 1));
}

std::optional<double> lr_step_epochs_power(const std::string& text) {
  if (text.find("pow") == std::string::npos) return std::nullopt;
  const auto power = parse_python_float(strip_pow(text));
  if (!power) throw ArgError("argument --lr-step-epochs: invalid power in '" + text + "'");
  return power;
}

std::vector<int> FitArgs::get_int_list(const std::string& name) const {
  const std::string text = get_string(name);
  std::vector<int> values;
  if (text.empty()) return values;
  for (std::string_view part : split_commas(text)) {
    const auto v = parse_python_int(part);
    if (!v || *v < INT_MIN || *v > INT_MAX) {
      throw ArgError("argument --" + name + ": invalid int value: '" + std::string(part) + "'");
    }
    values.push_back(static_cast<int>(*v));
  }
  return values;
}

std::vector<double> FitArgs::get_float_list(const std::string& name) const {
  const std::string text = get_string(name);
  std::vector<double> values;
  if (text.empty()) return values;
  for (std::string_view part : split_commas(text)) {
    const auto v = parse_python_float(part);
    if (!v) throw ArgError("argument --" + name + ": invalid float value: '" + std::string(part) + "'");
    values.push_back(*v);
  }
  return values;
}

}  // namespace fitbench
